package e2e

import (
	"context"
	"net/http"
	"testing"

	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/store"
)

// directNoteJSON is a Create of a direct Note from a to the local account
// `to`, replying to inReplyTo when not "".
func directNoteJSON(t testing.TB, a *fakeActor, to store.Account, inReplyTo string) (noteID string, body []byte) {
	noteID = newID(a, "notes")
	note := map[string]any{"id": noteID, "type": "Note", "attributedTo": a.ID, "content": "<p>psst</p>",
		"to": []string{to.URI}, "tag": []any{map[string]any{"type": "Mention", "href": to.URI, "name": "@" + to.Username}}}
	if inReplyTo != "" {
		note["inReplyTo"] = inReplyTo
	}
	return noteID, mustJSON(t, map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
		"id": newID(a, "creates"), "type": "Create", "actor": a.ID, "to": []string{to.URI}, "object": note})
}

// A direct message arriving through the inbox opens an unread conversation
// for the mentioned local user; a remote reply joins it.
func TestInboxDirectMessageOpensConversation(t *testing.T) {
	env := newFedEnv(t, servertest.Options{})
	ctx := context.Background()
	r := env.remote
	bob := r.addActor("bob")
	var statuses []store.Status
	parent := ""
	for range 2 {
		noteID, body := directNoteJSON(t, bob, env.alice, parent)
		if status, msg := r.post(t, bob, env.srv.URL+"/inbox", body, sendOpts{}); status != http.StatusAccepted {
			t.Fatalf("inbox: %d %s", status, msg)
		}
		if state, lastErr := waitProcessed(t, env.srv.DB, bodyID(body)); state != "done" {
			t.Fatalf("%s: %s", state, lastErr)
		}
		st, err := env.srv.DB.StatusByURI(ctx, noteID)
		if err != nil || st.Visibility != store.VisibilityDirect {
			t.Fatalf("stored note: %+v %v", st, err)
		}
		statuses = append(statuses, st)
		parent = noteID
	}
	list, err := env.srv.DB.Conversations(ctx, env.alice.ID, store.Page{Limit: 40})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || !list[0].Unread || list[0].LastStatusID != statuses[1].ID || list[0].ThreadID != statuses[0].ID {
		t.Fatalf("alice's conversations: %+v (statuses %d, %d)", list, statuses[0].ID, statuses[1].ID)
	}
}

// Blocking a domain removes the user's followers there, each getting a
// Reject of its Follow, as Mastodon does.
func TestDomainBlockRejectsFollowersThere(t *testing.T) {
	env := newFedEnv(t, servertest.Options{})
	ctx := context.Background()
	r := env.remote
	bob := r.addActor("bob")
	followID, body := followJSON(t, bob, env.alice.URI)
	if status, msg := r.post(t, bob, env.srv.URL+"/inbox", body, sendOpts{}); status != http.StatusAccepted {
		t.Fatalf("follow: %d %s", status, msg)
	}
	waitProcessed(t, env.srv.DB, followID)
	bobAcct, err := env.srv.DB.AccountByHandle(ctx, "bob", r.Host)
	if err != nil {
		t.Fatal(err)
	}
	if fl, err := env.srv.DB.FollowBetween(ctx, bobAcct.ID, env.alice.ID); err != nil || !fl.Accepted {
		t.Fatalf("follow not accepted: %+v %v", fl, err)
	}
	if err := env.srv.Social.BlockDomain(ctx, env.alice.ID, r.Host); err != nil {
		t.Fatal(err)
	}
	if _, err := env.srv.DB.FollowBetween(ctx, bobAcct.ID, env.alice.ID); err == nil {
		t.Fatal("bob still follows alice after the domain block")
	}
	got := r.waitInbox(t, "Reject of bob's Follow", func(rc received) bool { return rc.Activity.Type == "Reject" })
	if got.Activity.Object.ID() != followID || got.Activity.Actor.ID() != env.alice.URI {
		t.Fatalf("Reject %s", got.Body)
	}
	// A new Follow from the blocked domain is rejected, not stored.
	again, body := followJSON(t, bob, env.alice.URI)
	if again == followID {
		t.Fatal("followJSON gave the same id twice")
	}
	if status, msg := r.post(t, bob, env.srv.URL+"/inbox", body, sendOpts{}); status != http.StatusAccepted {
		t.Fatalf("second follow: %d %s", status, msg)
	}
	r.waitInbox(t, "Reject of bob's second Follow", func(rc received) bool {
		return rc.Activity.Type == "Reject" && rc.Activity.Object.ID() == again
	})
	if _, err := env.srv.DB.FollowBetween(ctx, bobAcct.ID, env.alice.ID); err == nil {
		t.Fatal("a follow from the blocked domain was stored")
	}
}
