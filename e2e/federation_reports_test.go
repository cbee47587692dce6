package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// remoteNote makes Pictor store a public note by a that mentions user and
// returns it.
func remoteNote(t testing.TB, env *fedEnv, r *fakeRemote, a *fakeActor, user store.Account) store.Status {
	t.Helper()
	id := newID(a, "notes")
	body := mustJSON(t, map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": id + "/activity",
		"type": "Create", "actor": a.ID, "object": map[string]any{"id": id, "type": "Note", "attributedTo": a.ID,
			"content": "<p>buy my stuff</p>", "to": []string{asPublic, user.URI},
			"tag": []any{map[string]any{"type": "Mention", "href": user.URI, "name": "@" + user.Username}}}})
	if status, msg := r.post(t, a, user.InboxURI, body, sendOpts{}); status != http.StatusAccepted {
		t.Fatalf("create: %d %s", status, msg)
	}
	if state, lastErr := waitProcessed(t, env.srv.DB, bodyID(body)); state != "done" {
		t.Fatalf("create: %s %s", state, lastErr)
	}
	st, err := env.srv.DB.StatusByURI(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// A forwarded report of a remote account sends a Flag, signed by the
// instance actor and naming no reporter, to that account's inbox; an
// unforwarded one sends nothing.
func TestReportForwardSendsFlag(t *testing.T) {
	env := newFedEnv(t, servertest.Options{})
	r := env.remote
	bob := r.addActor("bob")
	followUser(t, env, r, bob, env.alice)
	st := remoteNote(t, env, r, bob, env.alice)
	ctx := context.Background()
	bobAcct, err := env.srv.DB.AccountByURI(ctx, bob.ID)
	if err != nil {
		t.Fatal(err)
	}

	if _, err := env.srv.Social.CreateReport(ctx, env.alice.ID, social.ReportDraft{TargetID: bobAcct.ID,
		Comment: "kept here"}); err != nil {
		t.Fatal(err)
	}
	rep, err := env.srv.Social.CreateReport(ctx, env.alice.ID, social.ReportDraft{TargetID: bobAcct.ID,
		StatusIDs: []int64{st.ID}, Comment: "spam", Category: "spam", Forward: true})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Forwarded || rep.URI == "" {
		t.Fatalf("report %+v", rep)
	}
	inst, err := env.srv.Fed.InstanceActor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rc := r.waitInbox(t, "Flag", ofType("Flag"))
	checkSigned(t, rc, inst.PublicKeyID)
	if rc.Path != "/users/bob/inbox" {
		t.Errorf("Flag went to %s, want bob's inbox", rc.Path)
	}
	var flag struct {
		ID, Actor, Content string
		Object             []string
	}
	if err := json.Unmarshal(rc.Body, &flag); err != nil {
		t.Fatal(err)
	}
	if flag.ID != rep.URI || flag.Actor != inst.URI || flag.Content != "spam" ||
		!slices.Equal(flag.Object, []string{bob.ID, st.URI}) {
		t.Fatalf("Flag %s", rc.Body)
	}
	if n := len(slices.DeleteFunc(r.received(), func(rc received) bool { return rc.Activity.Type != "Flag" })); n != 1 {
		t.Fatalf("%d Flags delivered, want 1", n)
	}
}

// Mastodon's Flag (the documented example), signed by the other server's
// instance actor, becomes a report against alice and her status it names;
// a status of another account and unknown objects are left out, admins are
// notified, and the same Flag again changes nothing.
func TestIncomingFlagCreatesReport(t *testing.T) {
	env := newFedEnv(t, servertest.Options{})
	ctx := context.Background()
	root, err := env.srv.Social.CreateAccount(ctx, social.NewAccount{Username: "root", PasswordHash: "x", Admin: true})
	if err != nil {
		t.Fatal(err)
	}
	carol := env.srv.CreateUser(t, "carol", "")
	mine, err := env.srv.Social.CreateStatus(ctx, env.alice.ID, social.Draft{Text: "reported"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := env.srv.Social.CreateStatus(ctx, carol.ID, social.Draft{Text: "not alice's"})
	if err != nil {
		t.Fatal(err)
	}
	r := env.remote
	body := rehostFixture(t, "mastodon/flag-docs-example.json", map[string]string{
		"https://mastodon.example":           r.URL,
		"https://example.com/users/1":        env.alice.URI,
		"https://example.com/posts/380590":   mine.URI,
		"https://example.com/posts/380591":   other.URI,
		"https://example.com/posts/unknown/": "x",
	})
	inst := r.addActorAt("/actor", r.Host, map[string]any{"type": "Application"})
	for range 2 {
		if status, msg := r.post(t, inst, env.srv.URL+"/inbox", body, sendOpts{}); status != http.StatusAccepted {
			t.Fatalf("Flag: %d %s", status, msg)
		}
		if state, lastErr := waitProcessed(t, env.srv.DB, bodyID(body)); state != "done" {
			t.Fatalf("Flag: %s %s", state, lastErr)
		}
	}
	reps, err := env.srv.DB.Reports(ctx, true, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(reps) != 1 {
		t.Fatalf("%d reports, want 1: %+v", len(reps), reps)
	}
	got := reps[0]
	reporter, err := env.srv.DB.AccountByURI(ctx, inst.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.URI != bodyID(body) || got.AccountID != reporter.ID || got.TargetAccountID != env.alice.ID ||
		got.Comment != "Please take a look at this user and their posts" || !slices.Equal(got.StatusIDs, []int64{mine.ID}) ||
		got.Forwarded {
		t.Fatalf("report %+v", got)
	}
	notes, err := env.srv.DB.Notifications(ctx, root.ID, store.NotificationFilter{Types: []string{store.NotifyAdminReport}}, store.Page{})
	if err != nil || len(notes) != 1 || notes[0].ReportID != got.ID || notes[0].FromAccountID != reporter.ID {
		t.Fatalf("admin notifications %+v, %v", notes, err)
	}
}
