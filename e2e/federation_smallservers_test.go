package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// getAS2 fetches an ActivityPub document and decodes it as a JSON object.
func getAS2(t testing.TB, srv *servertest.Server, rawURL string) (int, map[string]json.RawMessage) {
	t.Helper()
	status, _, body := getDoc(t, srv.Client, rawURL, "application/activity+json")
	var doc map[string]json.RawMessage
	if status == http.StatusOK {
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatalf("%s: %v: %s", rawURL, err, body)
		}
	}
	return status, doc
}

// Empty collections and pages carry "orderedItems": [] as Mastodon's do;
// snac cannot read an outbox page without it (issue 14).
func TestEmptyCollectionsListNoItems(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	alice := srv.CreateUser(t, "alice", "")
	for _, u := range []string{alice.OutboxURI + "?page=true", alice.FeaturedURI, alice.FollowingURI + "?page=true",
		alice.FollowersURI + "?page=true"} {
		status, doc := getAS2(t, srv, u)
		if status != http.StatusOK || string(doc["orderedItems"]) != "[]" {
			t.Errorf("%s: %d, orderedItems %q", u, status, doc["orderedItems"])
		}
	}
}

// Every collection the instance actor advertises answers (issue 8).
func TestInstanceActorCollectionsAnswer(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	status, actor := getAS2(t, srv, srv.URL+"/actor")
	if status != http.StatusOK {
		t.Fatalf("instance actor: %d", status)
	}
	if _, ok := actor["outbox"]; !ok {
		t.Fatal("instance actor without outbox")
	}
	for _, key := range []string{"outbox", "followers", "following", "featured"} {
		raw, ok := actor[key]
		if !ok {
			continue
		}
		var u string
		json.Unmarshal(raw, &u)
		status, doc := getAS2(t, srv, u)
		if status != http.StatusOK || string(doc["totalItems"]) != "0" {
			t.Errorf("%s %s: %d, totalItems %s", key, u, status, doc["totalItems"])
		}
		if _, ok := doc["first"]; !ok && string(doc["orderedItems"]) != "[]" {
			t.Errorf("%s: neither first nor orderedItems: %v", key, doc)
		}
	}
}

// Boosting another local user's post reaches the booster's remote followers,
// and so does undoing it (issue 14: 355 boosts sent 0 Announces).
func TestLocalBoostFederates(t *testing.T) {
	env := newFedEnv(t, servertest.Options{})
	ctx := context.Background()
	bob := env.srv.CreateUser(t, "bob", "")
	carol := env.remote.addActor("carol")
	followUser(t, env, env.remote, carol, bob)
	st, err := env.srv.Social.CreateStatus(ctx, env.alice.ID, social.Draft{Text: "boost me"})
	if err != nil {
		t.Fatal(err)
	}
	boost, err := env.srv.Social.Reblog(ctx, bob.ID, st.ID)
	if err != nil {
		t.Fatal(err)
	}
	ann := env.remote.waitInbox(t, "Announce", func(rc received) bool {
		return rc.Activity.Type == "Announce" && rc.Activity.Object.ID() == st.URI
	})
	checkSigned(t, ann, bob.PublicKeyID)
	if ann.Activity.ID != boost.URI {
		t.Fatalf("announce id %s, boost %s", ann.Activity.ID, boost.URI)
	}
	ns, err := env.srv.DB.Notifications(ctx, env.alice.ID, store.NotificationFilter{}, store.Page{Limit: 20})
	if err != nil || len(ns) != 1 || ns[0].Type != "reblog" {
		t.Fatalf("alice's notifications %+v, %v", ns, err)
	}
	if _, err := env.srv.Social.Unreblog(ctx, bob.ID, st.ID); err != nil {
		t.Fatal(err)
	}
	undo := env.remote.waitInbox(t, "Undo", ofType("Undo"))
	checkSigned(t, undo, bob.PublicKeyID)
	if inner := undo.Activity.Object.Activity(); inner == nil || inner.ID != boost.URI || !strings.HasSuffix(string(inner.Type), "Announce") {
		t.Fatalf("undo of %+v", undo.Activity.Object)
	}
}

// A remote account carries the counts its collections publish (totalItems),
// fetched when the actor is fetched, and last_status_at comes from the posts
// seen here (issue 8: GoToSocial accounts all showed 0).
func TestRemoteAccountCounts(t *testing.T) {
	env := newFedEnv(t, servertest.Options{})
	ctx := context.Background()
	gts := env.remote.addActor("gts")
	for path, n := range map[string]int{"/followers": 12, "/following": 34, "/outbox": 56} {
		env.remote.addDoc(gts.ID+path, map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
			"id": gts.ID + path, "type": "OrderedCollection", "totalItems": n, "first": gts.ID + path + "?page=true"})
	}
	note := gts.ID + "/statuses/1"
	body := mustJSON(t, map[string]any{"id": note + "/activity", "type": "Create", "actor": gts.ID,
		"object": map[string]any{"id": note, "type": "Note", "attributedTo": gts.ID, "content": "<p>hi alice</p>",
			"published": "2026-12-01T10:00:00Z", "to": []string{asPublic, env.alice.URI},
			"tag": []any{map[string]any{"type": "Mention", "href": env.alice.URI, "name": "@alice"}}}})
	if status, msg := env.remote.post(t, gts, env.alice.InboxURI, body, sendOpts{}); status != http.StatusAccepted {
		t.Fatalf("create: %d %s", status, msg)
	}
	if state, lastErr := waitProcessed(t, env.srv.DB, note+"/activity"); state != "done" {
		t.Fatalf("%s: %s", state, lastErr)
	}
	a, err := env.srv.DB.AccountByURI(ctx, gts.ID)
	if err != nil {
		t.Fatal(err)
	}
	if a.FollowersCount != 12 || a.FollowingCount != 34 || a.StatusesCount != 56 {
		t.Fatalf("counts %d/%d/%d, want 12/34/56", a.FollowersCount, a.FollowingCount, a.StatusesCount)
	}
	stats, err := env.srv.DB.LocalAccountStats(ctx, []int64{a.ID})
	if err != nil || stats[a.ID].LastStatusAt.IsZero() {
		t.Fatalf("last status at %v, %v", stats[a.ID].LastStatusAt, err)
	}
}

// GoToSocial's interactionPolicy is read and kept: a like, boost or reply the
// policy does not allow alice is refused with 422 and a clear message, and
// nothing is counted or sent; an Update of the policy applies (issue 8).
func TestInteractionPolicy(t *testing.T) {
	env := newFedEnv(t, servertest.Options{})
	ctx := context.Background()
	gts := env.remote.addActor("gts")
	note := gts.ID + "/statuses/01POLICY"
	create := func(kind string, announce []string, updated string) []byte {
		obj := map[string]any{"id": note, "type": "Note", "attributedTo": gts.ID, "content": "<p>hi alice</p>",
			"published": "2026-12-01T10:00:00Z", "to": []string{asPublic}, "cc": []string{env.alice.URI},
			"tag": []any{map[string]any{"type": "Mention", "href": env.alice.URI, "name": "@alice"}},
			"interactionPolicy": map[string]any{
				"canLike":     map[string]any{"always": []string{gts.ID, gts.ID + "/followers"}, "approvalRequired": []string{asPublic}},
				"canReply":    map[string]any{"always": []string{asPublic}, "approvalRequired": []string{}},
				"canAnnounce": map[string]any{"automaticApproval": announce},
			}}
		if updated != "" {
			obj["updated"] = updated
		}
		return mustJSON(t, map[string]any{"id": note + "/" + kind, "type": kind, "actor": gts.ID, "object": obj})
	}
	send := func(body []byte) {
		t.Helper()
		if status, msg := env.remote.post(t, gts, env.alice.InboxURI, body, sendOpts{}); status != http.StatusAccepted {
			t.Fatalf("post: %d %s", status, msg)
		}
		if state, lastErr := waitProcessed(t, env.srv.DB, bodyID(body)); state != "done" {
			t.Fatalf("%s: %s", state, lastErr)
		}
	}
	send(create("Create", []string{gts.ID}, ""))
	st, err := env.srv.DB.StatusByURI(ctx, note)
	if err != nil {
		t.Fatal(err)
	}
	wantRefused := func(what string, err error, msg string) {
		t.Helper()
		if e, ok := apperr.As(err); !ok || apperr.StatusOf(err) != http.StatusUnprocessableEntity || !strings.Contains(e.Error(), msg) {
			t.Fatalf("%s: %v, want 422 %q", what, err, msg)
		}
	}
	_, err = env.srv.Social.Favourite(ctx, env.alice.ID, st.ID)
	wantRefused("like", err, "approval")
	_, err = env.srv.Social.Reblog(ctx, env.alice.ID, st.ID)
	wantRefused("boost", err, "does not allow")
	if _, err := env.srv.Social.CreateStatus(ctx, env.alice.ID, social.Draft{Text: "@gts hello", InReplyToID: st.ID}); err != nil {
		t.Fatalf("reply: %v", err)
	}
	counts, _ := env.srv.DB.StatusCountsByIDs(ctx, []int64{st.ID})
	if c := counts[st.ID]; c.Favourites != 0 || c.Reblogs != 0 {
		t.Fatalf("counts after refusals %+v", c)
	}

	// As a follower alice may like; a new policy lets everyone boost.
	_, fl, err := env.srv.Social.FollowHandle(ctx, env.alice.ID, "@gts@"+env.remote.Host)
	if err != nil {
		t.Fatal(err)
	}
	send(mustJSON(t, map[string]any{"id": gts.ID + "#accept", "type": "Accept", "actor": gts.ID, "object": fl.URI}))
	if _, err := env.srv.Social.Favourite(ctx, env.alice.ID, st.ID); err != nil {
		t.Fatalf("like as a follower: %v", err)
	}
	send(create("Update", []string{asPublic}, "2026-12-01T11:00:00Z"))
	if _, err := env.srv.Social.Reblog(ctx, env.alice.ID, st.ID); err != nil {
		t.Fatalf("boost after the policy update: %v", err)
	}
}
