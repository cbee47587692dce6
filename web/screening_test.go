package web_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/pictor-social/pictor/screening"
	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// A warned reply shows why, with "Post anyway", which publishes it.
func TestReplyScreeningWarningPostAnyway(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	alice := srv.CreateUser(t, "alice", "")
	srv.CreateUser(t, "bob", "")
	st := postImage(t, srv, alice.ID, "a lighthouse", social.Draft{Text: "hello"})
	path := "/@alice/" + store.FormatID(st.ID)
	b := newBrowser(t, srv)
	b.signIn("bob")
	token := csrf(t, b.get(path))

	p := b.post(path+"/reply", url.Values{"csrf_token": {token}, "text": {"@alice kys"}, "visibility": {"public"}})
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("warned reply: status %d", p.Status)
	}
	mustContain(t, p, "<strong>harassment</strong>", "Post anyway", `name="pictor_screening_ack" value="1"`, "@alice kys")
	if n := len(replies(t, srv, st.ID)); n != 0 {
		t.Fatalf("%d replies stored before confirming", n)
	}
	p = b.post(path+"/reply", url.Values{"csrf_token": {csrf(t, p)}, "text": {"@alice kys"}, "visibility": {"public"},
		"pictor_screening_ack": {"1"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("confirmed reply: status %d\n%.1500s", p.Status, p.Body)
	}
	if n := len(replies(t, srv, st.ID)); n != 1 {
		t.Fatalf("%d replies after confirming, want 1", n)
	}
	queue, err := srv.Social.ScreeningQueue(context.Background(), true, 0, 10)
	if err != nil || len(queue) != 1 || queue[0].Decision != screening.DecisionWarn {
		t.Fatalf("queue = %+v, %v", queue, err)
	}
}

func replies(t *testing.T, srv *servertest.Server, id int64) []store.Status {
	t.Helper()
	list, err := srv.DB.Replies(context.Background(), id, 20)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// A flagged remote reply is collapsed on the thread page (hidden or shown
// per the reader's settings), listed in the admin's Screening queue, and
// overturning it shows it plainly and sends its held notification.
func TestFlaggedReplyCollapsedQueuedAndOverturned(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	ctx := context.Background()
	alice := srv.CreateUser(t, "alice", "")
	createAdmin(t, srv, "root")
	st := postImage(t, srv, alice.ID, "a lighthouse", social.Draft{Text: "hello"})
	path := "/@alice/" + store.FormatID(st.ID)
	troll := remoteAccount(t, srv, "troll", "bad.example")
	reply := store.Status{AccountID: troll.ID, URI: "https://bad.example/notes/1", URL: "https://bad.example/notes/1",
		Content: "<p>you are subhuman</p>", Visibility: store.VisibilityPublic, InReplyToID: st.ID, InReplyToURI: st.URI,
		InReplyToAccountID: alice.ID}
	var d store.ScreeningDecision
	err := srv.DB.Write(ctx, func(tx *store.Tx) error {
		if err := tx.InsertStatus(ctx, &reply); err != nil {
			return err
		}
		d = store.ScreeningDecision{StatusID: reply.ID, AccountID: troll.ID, Backend: "wordlist", Model: "builtin",
			Category: screening.Hate, Score: 1, Decision: screening.DecisionFlag, Review: true, Reason: `contains "subhuman*"`}
		if err := tx.InsertScreeningDecision(ctx, &d); err != nil {
			return err
		}
		return tx.HoldNotification(ctx, d.ID, store.Notification{AccountID: alice.ID, FromAccountID: troll.ID,
			Type: store.NotifyMention, StatusID: reply.ID})
	})
	if err != nil {
		t.Fatal(err)
	}
	collapsed := "Collapsed: flagged by screening (hate)"
	anon := newBrowser(t, srv)
	mustContain(t, anon.get(path), collapsed, "you are subhuman")

	b := newBrowser(t, srv)
	b.signIn("alice")
	mustContain(t, b.get(path), collapsed)
	setting := func(v string) {
		p := b.get("/settings/screening")
		mustContain(t, p, `name="hate" value="`+v+`"`)
		if res := b.post("/settings/screening", url.Values{"csrf_token": {csrf(t, p)}, "hate": {v}}); res.Status != http.StatusSeeOther {
			t.Fatalf("settings: %d\n%.1000s", res.Status, res.Body)
		}
	}
	setting(screening.Hide)
	mustNotContain(t, b.get(path), "you are subhuman")
	setting(screening.Show)
	p := b.get(path)
	mustContain(t, p, "you are subhuman")
	mustNotContain(t, p, collapsed)

	admin := newBrowser(t, srv)
	admin.signIn("root")
	page := admin.get("/admin")
	mustContain(t, page, `id="screening-`+store.FormatID(d.ID)+`"`, `<span class="chip">hate</span>`, "score 100%",
		"from another server", "wordlist (builtin)")
	res := admin.post("/admin/screening/"+store.FormatID(d.ID)+"/overturn", url.Values{"csrf_token": {csrf(t, page)}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("overturn: %d\n%.1000s", res.Status, res.Body)
	}
	mustNotContain(t, anon.get(path), collapsed)
	mustContain(t, admin.get("/admin"), "Nothing waits for review.")
	ns, err := srv.DB.Notifications(ctx, alice.ID, store.NotificationFilter{}, store.Page{Limit: 10})
	if err != nil || len(ns) != 1 || ns[0].StatusID != reply.ID || ns[0].Type != store.NotifyMention {
		t.Fatalf("notifications after overturning = %+v, %v", ns, err)
	}
}
