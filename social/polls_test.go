package social

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/pictor-social/pictor/activitypub"
	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/internal/pubsub"
	"github.com/pictor-social/pictor/media"
	"github.com/pictor-social/pictor/store"
)

type stepClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *stepClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *stepClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newClockEnv(t *testing.T, clock *stepClock) env {
	t.Helper()
	dir := t.TempDir()
	db, err := store.Open(context.Background(), filepath.Join(dir, "p.db"), store.Options{Clock: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	hub := pubsub.New()
	fed, err := activitypub.New(db, &http.Client{}, hub, slog.New(slog.DiscardHandler), activitypub.Options{BaseURL: "https://p.test"})
	if err != nil {
		t.Fatal(err)
	}
	files, err := media.NewFiles(filepath.Join(dir, "media"))
	if err != nil {
		t.Fatal(err)
	}
	return env{db: db, svc: New(db, fed, files, hub, Options{}), hub: hub}
}

// pending returns the queued deliveries (type and inbox) and clears them.
func pending(t *testing.T, db *store.DB) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	err := db.Write(context.Background(), func(tx *store.Tx) error {
		ds, err := tx.ClaimDeliveries(context.Background(), 1000, time.Hour)
		if err != nil {
			return err
		}
		for _, d := range ds {
			var a struct{ Type string }
			json.Unmarshal(d.Body, &a)
			out[a.Type] = append(out[a.Type], d.Inbox)
			if err := tx.DeliveryDone(context.Background(), d, 202); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// A local poll's Update goes out once per delay to followers and remote
// voters, however many votes came; at the end a final Update goes out and
// the author and the local voters get a `poll` notification, once.
func TestPollUpdatesAndEnd(t *testing.T) {
	ctx := context.Background()
	clock := &stepClock{t: time.Now().UTC().Truncate(time.Millisecond)}
	e := newClockEnv(t, clock)
	alice, dave := e.user(t, "alice"), e.user(t, "dave")
	bob := store.Account{Username: "bob", Domain: "there.test", URI: "https://there.test/users/bob", InboxURI: "https://there.test/users/bob/inbox"}
	carol := store.Account{Username: "carol", Domain: "else.test", URI: "https://else.test/users/carol", InboxURI: "https://else.test/users/carol/inbox"}
	err := e.db.Write(ctx, func(tx *store.Tx) error {
		for _, a := range []*store.Account{&bob, &carol} {
			if err := tx.InsertAccount(ctx, a); err != nil {
				return err
			}
		}
		return tx.UpsertFollow(ctx, &store.Follow{AccountID: bob.ID, TargetAccountID: alice.ID, Accepted: true})
	})
	if err != nil {
		t.Fatal(err)
	}
	st, err := e.svc.CreateStatus(ctx, alice.ID, Draft{Text: "poll", Poll: &PollDraft{Options: []string{"x", "y"}, ExpiresIn: 10 * time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	if got := pending(t, e.db); len(got["Create"]) != 1 || got["Create"][0] != bob.InboxURI {
		t.Fatalf("Create deliveries %v", got)
	}
	if _, err := e.svc.Vote(ctx, dave.ID, st.ID, []int{1}); err != nil {
		t.Fatal(err)
	}
	err = e.db.Write(ctx, func(tx *store.Tx) error { // carol's vote, as the inbox records it
		_, err := tx.InsertPollVote(ctx, &store.PollVote{StatusID: st.ID, AccountID: carol.ID, Choice: 0, URI: carol.URI + "#votes/1"})
		if err != nil {
			return err
		}
		return tx.SchedulePollUpdate(ctx, st.ID, tx.Now().Add(3*time.Minute))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.handleDuePolls(ctx, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	if got := pending(t, e.db); len(got) != 0 {
		t.Fatalf("sent before the delay: %v", got)
	}
	clock.Advance(3 * time.Minute)
	if err := e.svc.handleDuePolls(ctx, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	if got := pending(t, e.db); len(got["Update"]) != 2 {
		t.Fatalf("one Update to bob and carol wanted: %v", got)
	}
	if err := e.svc.handleDuePolls(ctx, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	if got := pending(t, e.db); len(got) != 0 {
		t.Fatalf("sent twice: %v", got)
	}

	clock.Advance(7 * time.Minute)
	if _, err := e.svc.Vote(ctx, e.user(t, "erin").ID, st.ID, []int{0}); kindOf(err) != apperr.KindInvalid {
		t.Fatalf("vote after the end: %v", err)
	}
	for i := 0; i < 2; i++ {
		if err := e.svc.handleDuePolls(ctx, slog.New(slog.DiscardHandler)); err != nil {
			t.Fatal(err)
		}
	}
	if got := pending(t, e.db); len(got["Update"]) != 2 {
		t.Fatalf("final Update: %v", got)
	}
	for _, who := range []store.Account{alice, dave} {
		ns, err := e.db.Notifications(ctx, who.ID, store.NotificationFilter{Types: []string{store.NotifyPoll}}, store.Page{Limit: 10})
		if err != nil || len(ns) != 1 || ns[0].StatusID != st.ID || ns[0].FromAccountID != alice.ID {
			t.Fatalf("%s's poll notifications: %+v %v", who.Username, ns, err)
		}
	}
}
