package web_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// The post page shows a poll's results to everyone and, to a signed-in
// visitor who has not voted, a no-JS vote form guarded by CSRF; after the
// vote the page shows the visitor's choice and the new shares.
func TestPostPagePollVote(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	alice := srv.CreateUser(t, "alice", "")
	srv.CreateUser(t, "bob", "")
	st, err := srv.Social.CreateStatus(context.Background(), alice.ID, social.Draft{Text: "Best season?",
		Poll: &social.PollDraft{Options: []string{"spring", "autumn"}, ExpiresIn: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	path := "/@alice/" + store.FormatID(st.ID)

	anon := newBrowser(t, srv)
	p := anon.get(path)
	mustContain(t, p, `id="poll"`, "spring", "autumn", "0 voters")
	mustNotContain(t, p, `action="`+path+`/vote"`)

	b := newBrowser(t, srv)
	b.signIn("bob")
	p = b.get(path)
	mustContain(t, p, `action="`+path+`/vote"`, `type="radio" name="choice" value="1"`)
	if bad := b.post(path+"/vote", url.Values{"choice": {"1"}, "csrf_token": {"wrong"}}); bad.Status == http.StatusSeeOther || bad.Status == http.StatusOK {
		t.Fatalf("vote without a valid CSRF token: %d", bad.Status)
	}
	if got := b.post(path+"/vote", url.Values{"choice": {"7"}, "csrf_token": {csrf(t, p)}}); got.Status != http.StatusUnprocessableEntity {
		t.Fatalf("invalid choice: %d", got.Status)
	}
	if got := b.post(path+"/vote", url.Values{"choice": {"1"}, "csrf_token": {csrf(t, p)}}); got.Status != http.StatusSeeOther {
		t.Fatalf("vote: %d", got.Status)
	}
	after := b.get(path)
	mustContain(t, after, "(your vote)", `value="100"`, "1 voter")
	mustNotContain(t, after, `action="`+path+`/vote"`)
	if again := b.post(path+"/vote", url.Values{"choice": {"0"}, "csrf_token": {csrf(t, after)}}); again.Status != http.StatusUnprocessableEntity {
		t.Fatalf("second vote: %d", again.Status)
	}

	a := newBrowser(t, srv)
	a.signIn("alice")
	mustNotContain(t, a.get(path), `action="`+path+`/vote"`) // no voting on one's own poll
	mustContain(t, anon.get("/@alice"), "Poll · 1 voter · open")
}
