package social

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/pictor-social/pictor/activitypub"
	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/store"
)

func TestRemixLineageLocalAndRemote(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	alice, bob, carol := e.user(t, "alice"), e.user(t, "bob"), e.user(t, "carol")
	withImage := func(who store.Account, d Draft) store.Status {
		t.Helper()
		m, err := e.svc.UploadMedia(ctx, who.ID, bytes.NewReader(pngBytes(8, 8)), MediaInput{Description: "x"})
		if err != nil {
			t.Fatal(err)
		}
		d.MediaIDs = []int64{m.ID}
		st, err := e.svc.CreateStatus(ctx, who.ID, d)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	src := withImage(alice, Draft{Text: "source"})
	remix := withImage(bob, Draft{Text: "remix", RemixOfID: src.ID})
	if want := `<p>Remix of <a href="https://p.test/@alice/` + store.FormatID(src.ID) + `" class="pictor-remix-of">@alice@p.test</a></p>`; !strings.HasSuffix(remix.Content, want) {
		t.Fatalf("content %q lacks the lineage line %q", remix.Content, want)
	}
	if r, err := e.db.RemixOf(ctx, remix.ID); err != nil || r.SourceID != src.ID || r.SourceURI != src.URI {
		t.Fatalf("remix record %+v %v", r, err)
	}
	ns, _ := e.db.Notifications(ctx, alice.ID, store.NotificationFilter{Types: []string{store.NotifyRemix}}, store.Page{})
	if len(ns) != 1 || ns[0].StatusID != remix.ID || ns[0].FromAccountID != bob.ID {
		t.Fatalf("alice's remix notifications: %+v", ns)
	}

	// An edit keeps the line and the Update keeps remixOf.
	edited, err := e.svc.EditStatus(ctx, bob.ID, remix.ID, Draft{Text: "remix, edited"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(edited.Content, "Remix of") {
		t.Errorf("the edit dropped the lineage: %q", edited.Content)
	}

	// A followers-only source is not remixable by a stranger.
	private := withImage(alice, Draft{Text: "followers only", Visibility: store.VisibilityPrivate})
	_, err = e.svc.CreateStatus(ctx, carol.ID, Draft{Text: "mine", RemixOfID: private.ID})
	if e, ok := apperr.As(err); !ok || e.Kind != apperr.KindNotFound {
		t.Fatalf("remix of a hidden post: %v", err)
	}

	// A remote source: its author's inbox gets the Create, without a mention.
	remote := store.Account{Username: "dan", Domain: "r.test", URI: "https://r.test/users/dan",
		InboxURI: "https://r.test/users/dan/inbox", SharedInboxURI: "https://r.test/inbox"}
	rst := store.Status{URI: "https://r.test/users/dan/statuses/1", URL: "https://r.test/@dan/1", Visibility: store.VisibilityPublic}
	err = e.db.Write(ctx, func(tx *store.Tx) error {
		if err := tx.InsertAccount(ctx, &remote); err != nil {
			return err
		}
		rst.AccountID = remote.ID
		return tx.InsertStatus(ctx, &rst)
	})
	if err != nil {
		t.Fatal(err)
	}
	rr := withImage(carol, Draft{Text: "remote remix", RemixOfID: rst.ID})
	if !strings.Contains(rr.Content, `href="https://r.test/@dan/1" class="pictor-remix-of">@dan@r.test</a>`) {
		t.Errorf("content %q", rr.Content)
	}
	create := activitypub.CreateNote(activitypub.Object{ID: rr.URI})
	ds, err := e.db.DeliveriesOf(ctx, create.ID)
	if err != nil || len(ds) != 1 || ds[0].Inbox != "https://r.test/inbox" {
		t.Fatalf("deliveries %+v %v", ds, err)
	}
	if m, _ := e.db.MentionsForStatuses(ctx, []int64{rr.ID}); len(m[rr.ID]) != 0 {
		t.Error("the remote author was mentioned")
	}
}
