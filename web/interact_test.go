package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// flags returns accountID's like and boost marks on a status.
func flags(t *testing.T, srv *servertest.Server, accountID, statusID int64) store.ViewerFlags {
	t.Helper()
	f, err := srv.DB.StatusViewerFlags(context.Background(), accountID, []int64{statusID})
	if err != nil {
		t.Fatal(err)
	}
	return f[statusID]
}

// Like and boost are CSRF-checked POST forms that work without JavaScript;
// each button shows and toggles the visitor's current state.
func TestPostPageLikeAndBoost(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	alice := srv.CreateUser(t, "alice", "")
	bob := srv.CreateUser(t, "bob", "")
	st := postImage(t, srv, alice.ID, "a lighthouse", social.Draft{Text: "hello"})
	path := "/@alice/" + store.FormatID(st.ID)

	anon := newBrowser(t, srv)
	mustNotContain(t, anon.get(path), `action="`+path+`/favourite"`, `action="`+path+`/reply"`)
	if p := anon.post(path+"/favourite", url.Values{"csrf_token": {csrf(t, anon.get("/signin"))}}); p.Status != http.StatusUnauthorized {
		t.Fatalf("anonymous like: %d", p.Status)
	}

	b := newBrowser(t, srv)
	b.signIn("bob")
	page := b.get(path)
	mustContain(t, page, `action="`+path+`/favourite"`, `aria-pressed="false">☆ Like</button>`,
		`action="`+path+`/reblog"`, "⟲ Boost</button>", `action="`+path+`/reply"`)
	token := csrf(t, page)
	steps := []struct {
		name       string
		action     string
		form       url.Values
		tamper     func(*http.Request)
		wantStatus int
		want       store.ViewerFlags
		wantPage   []string
	}{
		{"no token", "favourite", url.Values{}, nil, http.StatusForbidden, store.ViewerFlags{}, nil},
		{"wrong token", "favourite", url.Values{"csrf_token": {"x" + token}}, nil, http.StatusForbidden, store.ViewerFlags{}, nil},
		{"cross-site", "favourite", url.Values{"csrf_token": {token}}, func(r *http.Request) { r.Header.Set("Sec-Fetch-Site", "cross-site") },
			http.StatusForbidden, store.ViewerFlags{}, nil},
		{"like", "favourite", url.Values{"csrf_token": {token}}, nil, http.StatusSeeOther, store.ViewerFlags{Favourited: true},
			[]string{`action="` + path + `/unfavourite"`, `aria-pressed="true">★ Liked</button>`, "<strong>1</strong> like"}},
		{"like again", "favourite", url.Values{"csrf_token": {token}}, nil, http.StatusSeeOther, store.ViewerFlags{Favourited: true},
			[]string{"<strong>1</strong> like"}},
		{"boost", "reblog", url.Values{"csrf_token": {token}}, nil, http.StatusSeeOther,
			store.ViewerFlags{Favourited: true, Reblogged: true}, []string{`action="` + path + `/unreblog"`, "⟲ Boosted</button>", "<strong>1</strong> boost"}},
		{"unlike", "unfavourite", url.Values{"csrf_token": {token}}, nil, http.StatusSeeOther, store.ViewerFlags{Reblogged: true},
			[]string{`action="` + path + `/favourite"`, "<strong>0</strong> likes"}},
		{"unboost", "unreblog", url.Values{"csrf_token": {token}}, nil, http.StatusSeeOther, store.ViewerFlags{},
			[]string{`action="` + path + `/reblog"`, "<strong>0</strong> boosts"}},
	}
	for _, s := range steps {
		req, err := http.NewRequest(http.MethodPost, srv.URL+path+"/"+s.action, strings.NewReader(s.form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if s.tamper != nil {
			s.tamper(req)
		}
		res := b.do(req)
		if res.Status != s.wantStatus {
			t.Fatalf("%s: %d, want %d\n%.1500s", s.name, res.Status, s.wantStatus, res.Body)
		}
		if s.wantStatus == http.StatusSeeOther && res.Location != path+"#actions" {
			t.Fatalf("%s: redirected to %q", s.name, res.Location)
		}
		if got := flags(t, srv, bob.ID, st.ID); got != s.want {
			t.Fatalf("%s: flags %+v, want %+v", s.name, got, s.want)
		}
		if s.wantPage != nil {
			mustContain(t, b.get(path), s.wantPage...)
		}
	}
}

var replyLocationRE = regexp.MustCompile(`^(/@alice/[0-9]+)#r([0-9]+)$`)

// A reply posted from the form lands in the thread, mentions the author
// and is counted.
func TestPostPageReply(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	alice := srv.CreateUser(t, "alice", "")
	srv.CreateUser(t, "bob", "")
	st := postImage(t, srv, alice.ID, "a lighthouse", social.Draft{Text: "hello", Visibility: "unlisted"})
	path := "/@alice/" + store.FormatID(st.ID)
	b := newBrowser(t, srv)
	b.signIn("bob")
	page := b.get(path)
	mustContain(t, page, `name="text" rows="3" maxlength="5000" required>@alice </textarea>`,
		`<option value="unlisted" selected>`)
	if p := b.post(path+"/reply", url.Values{"text": {"@alice forged"}}); p.Status != http.StatusForbidden {
		t.Fatalf("reply without token: %d", p.Status)
	}
	res := b.post(path+"/reply", url.Values{"csrf_token": {csrf(t, page)}, "text": {"@alice what a lovely light"},
		"visibility": {"public"}})
	m := replyLocationRE.FindStringSubmatch(res.Location)
	if res.Status != http.StatusSeeOther || m == nil || m[1] != path {
		t.Fatalf("reply: %d %q\n%.1500s", res.Status, res.Location, res.Body)
	}
	id, _ := store.ParseID(m[2])
	re, err := srv.DB.StatusByID(context.Background(), id)
	if err != nil || re.InReplyToID != st.ID || re.Visibility != store.VisibilityPublic {
		t.Fatalf("reply row %+v, %v", re, err)
	}
	mustContain(t, b.get(path), `<div class="reply" id="r`+m[2]+`">`, "what a lovely light", "<strong>1</strong> reply")
	if p := b.post(path+"/reply", url.Values{"csrf_token": {csrf(t, page)}, "text": {"  "}}); p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("blank reply: %d", p.Status)
	}
}

// The forms act only on posts the visitor may see (social.CanSee): a
// followers-only post is not found for others, even by a forged POST, and
// becomes likeable (not boostable) once they follow.
func TestPostActionsKeepPrivatePostsPrivate(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	alice := srv.CreateUser(t, "alice", "")
	bob := srv.CreateUser(t, "bob", "")
	priv := postImage(t, srv, alice.ID, "a secret garden", social.Draft{Visibility: "private"})
	path := "/@alice/" + store.FormatID(priv.ID)
	b := newBrowser(t, srv)
	b.signIn("bob")
	token := csrf(t, b.get("/"))
	for _, action := range []string{"favourite", "reblog", "reply"} {
		p := b.post(path+"/"+action, url.Values{"csrf_token": {token}, "text": {"peek"}})
		if p.Status != http.StatusNotFound {
			t.Fatalf("%s on an unseen private post: %d", action, p.Status)
		}
		mustNotContain(t, p, "a secret garden")
	}
	if f := flags(t, srv, bob.ID, priv.ID); f != (store.ViewerFlags{}) {
		t.Fatalf("flags on an unseen post: %+v", f)
	}
	if n, err := srv.DB.Replies(context.Background(), priv.ID, 10); err != nil || len(n) != 0 {
		t.Fatalf("replies to an unseen post: %d %v", len(n), err)
	}
	if _, err := srv.Social.Follow(context.Background(), bob.ID, alice.ID); err != nil {
		t.Fatal(err)
	}
	if p := b.post(path+"/favourite", url.Values{"csrf_token": {token}}); p.Status != http.StatusSeeOther {
		t.Fatalf("follower likes: %d\n%.1000s", p.Status, p.Body)
	}
	if p := b.post(path+"/reblog", url.Values{"csrf_token": {token}}); p.Status != http.StatusForbidden {
		t.Fatalf("follower boosts a followers-only post: %d", p.Status)
	}
	if f := flags(t, srv, bob.ID, priv.ID); f != (store.ViewerFlags{Favourited: true}) {
		t.Fatalf("follower flags %+v", f)
	}
}
