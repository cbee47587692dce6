package e2e

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pictor-social/pictor/config"
	"github.com/pictor-social/pictor/server"
	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// promptly bounds how long work queued by another process may wait for
// the running server: well under the workers' idle timers (30 s to 1 min).
const promptly = 10 * time.Second

// openSecondHandle opens the running server's database the way a CLI
// command does: another process's connections on the same file.
func openSecondHandle(t *testing.T, srv *servertest.Server) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(srv.Cfg.DataDir, "pictor.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// openCLI builds the server components on the running server's data folder
// without serving, exactly as cmd/pictor's openServer does for `pictor post`.
func openCLI(t *testing.T, srv *servertest.Server) *server.Server {
	t.Helper()
	cli, err := server.New(context.Background(), srv.Cfg, server.Options{Logger: slog.New(slog.DiscardHandler),
		RootCAs: srv.CA.CertPool()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	return cli
}

// Issue 8: a post made by another process (pictor post) reaches a remote
// follower within seconds, not after the delivery worker's minute-long
// idle timer.
func TestCLIPostReachesFollowersPromptly(t *testing.T) {
	const token = "e2e-metrics-token-0123456789"
	env := newFedEnv(t, servertest.Options{Configure: func(c *config.File) { c.Metrics.Token = token }})
	r := env.remote
	bob := r.addActor("bob")
	id, body := followJSON(t, bob, env.alice.URI)
	if st, b := r.post(t, bob, env.srv.URL+"/users/alice/inbox", body, sendOpts{}); st != http.StatusAccepted {
		t.Fatalf("follow: %d %s", st, b)
	}
	if state, e := waitProcessed(t, env.srv.DB, id); state != "done" {
		t.Fatalf("follow: %s %s", state, e)
	}
	r.waitInbox(t, "Accept", ofType("Accept"))

	cli := openCLI(t, env.srv)
	start := time.Now()
	st, err := cli.Social.CreateStatus(context.Background(), env.alice.ID, social.Draft{Text: "from the command line",
		Visibility: store.VisibilityPublic})
	if err != nil {
		t.Fatal(err)
	}
	r.waitFor(t, promptly, "the CLI post's Create", func() bool {
		for _, rc := range r.inbox {
			if rc.Err == nil && rc.Activity.Type == "Create" && rc.Activity.Object.ID() == st.URI {
				return true
			}
		}
		return false
	})
	t.Logf("CLI post delivered after %v", time.Since(start))

	// The Accept and the Create were counted as delivered to a healthy host.
	want := `pictor_delivery_attempts_total{host_class="healthy",outcome="delivered"} 2`
	servertest.Eventually(t, promptly, "delivery metrics", func() bool {
		req, _ := http.NewRequest(http.MethodGet, env.srv.URL+"/metrics", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := env.srv.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return strings.Contains(string(b), want)
	})
}

// Issue 8 (GoToSocial): a domain block or unblock made by another process
// (pictor admin) applies in the running server at once, and a Follow and
// its Undo sent right after an unblock are applied, not dropped.
func TestCLIDomainBlockAppliesAtOnce(t *testing.T) {
	env := newFedEnv(t, servertest.Options{})
	r := env.remote
	bob := r.addActor("bob")
	ctx := context.Background()
	blocks := env.srv.Web.Blocklist()
	if blocks.Blocked(ctx, r.Host) { // also loads the server's cache
		t.Fatal("blocked before any block")
	}
	other := openSecondHandle(t, env.srv)
	if err := other.Write(ctx, func(tx *store.Tx) error { _, err := tx.BlockDomain(ctx, r.Host, "test"); return err }); err != nil {
		t.Fatal(err)
	}
	// The cache refreshes by itself only every minute; the change feed
	// must invalidate it within a poll or two.
	servertest.Eventually(t, promptly, "the CLI block reaches the running server", func() bool {
		return blocks.Blocked(ctx, r.Host)
	})
	_, body := followJSON(t, bob, env.alice.URI)
	if st, _ := r.post(t, bob, env.srv.URL+"/users/alice/inbox", body, sendOpts{}); st != http.StatusForbidden {
		t.Fatalf("follow from a blocked domain: %d, want 403", st)
	}
	// alice's Follow of bob is not sent while the domain is blocked, and the
	// refusal is kept as a failed delivery rather than vanishing.
	bobAcct, err := env.srv.Fed.FetchActor(ctx, bob.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	ours, err := env.srv.Social.Follow(ctx, env.alice.ID, bobAcct.ID)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := env.srv.DB.DeliveriesOf(ctx, ours.URI)
	if err != nil || len(ds) != 1 || ds[0].State != "failed" || ds[0].LastError != "domain blocked" {
		t.Fatalf("deliveries of a Follow to a blocked domain: %+v %v", ds, err)
	}

	if err := other.Write(ctx, func(tx *store.Tx) error { return tx.UnblockDomain(ctx, r.Host) }); err != nil {
		t.Fatal(err)
	}
	// No waiting: the very next Follow is accepted and applied.
	id, body := followJSON(t, bob, env.alice.URI)
	if st, b := r.post(t, bob, env.srv.URL+"/users/alice/inbox", body, sendOpts{}); st != http.StatusAccepted {
		t.Fatalf("follow right after the unblock: %d %s", st, b)
	}
	if state, e := waitProcessed(t, env.srv.DB, id); state != "done" {
		t.Fatalf("follow: %s %s", state, e)
	}
	if fl, err := env.srv.DB.FollowBetween(ctx, bobAcct.ID, env.alice.ID); err != nil || !fl.Accepted {
		t.Fatalf("follow after the unblock: %+v %v", fl, err)
	}
	r.waitInbox(t, "Accept", ofType("Accept"))
	// After the unblock alice can withdraw the request and follow anew,
	// and this Follow is sent. (Following again without withdrawing resends
	// the old activity id, which the outbox refuses as a duplicate: a
	// separate bug of social.Follow.)
	if err := env.srv.Social.Unfollow(ctx, env.alice.ID, bobAcct.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := env.srv.Social.Follow(ctx, env.alice.ID, bobAcct.ID); err != nil {
		t.Fatal(err)
	}
	r.waitInbox(t, "alice's Follow", ofType("Follow"))
	undoID := newID(bob, "undos")
	undo := mustJSON(t, map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": undoID, "type": "Undo",
		"actor": bob.ID, "object": map[string]any{"id": id, "type": "Follow", "actor": bob.ID, "object": env.alice.URI}})
	if st, b := r.post(t, bob, env.srv.URL+"/users/alice/inbox", undo, sendOpts{}); st != http.StatusAccepted {
		t.Fatalf("undo: %d %s", st, b)
	}
	if state, e := waitProcessed(t, env.srv.DB, undoID); state != "done" {
		t.Fatalf("undo: %s %s", state, e)
	}
	if _, err := env.srv.DB.FollowBetween(ctx, bobAcct.ID, env.alice.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("follow survived its Undo: %v", err)
	}
}
