package web_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// A signed-in visitor reports a post from its page; the report reaches the
// admins with the post, the reason and the comment.
func TestPostPageReport(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	alice := srv.CreateUser(t, "alice", "")
	bob := srv.CreateUser(t, "bob", "")
	st := postImage(t, srv, alice.ID, "a lighthouse", social.Draft{Text: "hello"})
	path := "/@alice/" + store.FormatID(st.ID)

	mustNotContain(t, newBrowser(t, srv).get(path), `action="`+path+`/report"`)
	own := newBrowser(t, srv)
	own.signIn("alice")
	mustNotContain(t, own.get(path), `action="`+path+`/report"`)

	b := newBrowser(t, srv)
	b.signIn("bob")
	page := b.get(path)
	mustContain(t, page, `action="`+path+`/report"`, `value="spam" checked`, `name="comment"`)
	token := csrf(t, page)
	cases := []struct {
		name   string
		form   url.Values
		status int
	}{
		{"no token", url.Values{"category": {"spam"}}, http.StatusForbidden},
		{"unknown reason", url.Values{"csrf_token": {token}, "category": {"boring"}}, http.StatusUnprocessableEntity},
		{"report", url.Values{"csrf_token": {token}, "category": {"legal"}, "comment": {"my photo, not theirs"}}, http.StatusSeeOther},
	}
	for _, tc := range cases {
		if res := b.post(path+"/report", tc.form); res.Status != tc.status {
			t.Fatalf("%s: %d, want %d\n%.1000s", tc.name, res.Status, tc.status, res.Body)
		} else if tc.status == http.StatusSeeOther && res.Location != path+"?reported=1#report" {
			t.Fatalf("%s: redirected to %q", tc.name, res.Location)
		}
	}
	reports, err := srv.DB.Reports(context.Background(), true, 10)
	if err != nil || len(reports) != 1 {
		t.Fatalf("reports %+v, %v", reports, err)
	}
	r := reports[0]
	if r.AccountID != bob.ID || r.TargetAccountID != alice.ID || r.Category != store.ReportLegal ||
		r.Comment != "my photo, not theirs" || len(r.StatusIDs) != 1 || r.StatusIDs[0] != st.ID {
		t.Fatalf("report %+v", r)
	}
	mustContain(t, b.get(path+"?reported=1"), "The admins of this server will look at your report.")
}
