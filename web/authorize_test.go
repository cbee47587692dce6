package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// homeAndRemote starts two Pictor servers on loopback that trust each
// other's certificates: the visitor's home and another server.
func homeAndRemote(t *testing.T) (home, remote *servertest.Server) {
	t.Helper()
	home = servertest.Start(t, servertest.Options{})
	remote = servertest.Start(t, servertest.Options{CA: home.CA})
	return home, remote
}

// hostOf returns host:port of a test server.
func hostOf(srv *servertest.Server) string {
	return strings.TrimPrefix(strings.TrimPrefix(srv.URL, "https://"), "http://")
}

// learnedAccount waits until srv knows the account with uri (after a
// delivery from its server) and returns it.
func learnedAccount(t *testing.T, srv *servertest.Server, uri string) store.Account {
	t.Helper()
	var a store.Account
	servertest.Eventually(t, 20*time.Second, "remote server learns "+uri, func() bool {
		var err error
		a, err = srv.DB.AccountByURI(context.Background(), uri)
		return err == nil
	})
	return a
}

func authorizePath(uri string) string { return "/authorize_interaction?uri=" + url.QueryEscape(uri) }

// WebFinger answers for local accounts carry the subscribe template that
// other servers' remote-interaction forms follow, pointing here.
func TestWebFingerPublishesTheSubscribeTemplate(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	srv.CreateUser(t, "bob", "")
	resp, err := srv.Client.Get(srv.URL + "/.well-known/webfinger?resource=acct:bob@" + hostOf(srv))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var jrd struct {
		Links []struct{ Rel, Template, Href string } `json:"links"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&jrd); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("webfinger: %d %v", resp.StatusCode, err)
	}
	var tpl string
	for _, l := range jrd.Links {
		if l.Rel == subscribeRel {
			tpl = l.Template
		}
	}
	if want := srv.URL + "/authorize_interaction?uri={uri}"; tpl != want {
		t.Fatalf("subscribe template %q, want %q (links %+v)", tpl, want, jrd.Links)
	}
}

// A signed-out visitor is sent to sign in and, once signed in, back to the
// very page they were sent to; the return path stays on this site.
func TestAuthorizeInteractionSignInAndReturn(t *testing.T) {
	home, remote := homeAndRemote(t)
	home.CreateUser(t, "bob", "")
	carol := remote.CreateUser(t, "carol", "")
	b := newBrowser(t, home)
	path := authorizePath(carol.URI)
	p := b.get(path)
	if p.Status != http.StatusSeeOther || p.Location != "/signin?next="+url.QueryEscape(path) {
		t.Fatalf("signed out: %d %q", p.Status, p.Location)
	}
	form := b.get(p.Location)
	mustContain(t, form, `name="next" value="`+strings.ReplaceAll(path, "&", "&amp;")+`"`)
	res := b.post("/signin", url.Values{"csrf_token": {csrf(t, form)}, "username": {"bob"},
		"password": {"correct horse battery"}, "next": {path}})
	if res.Status != http.StatusSeeOther || res.Location != path {
		t.Fatalf("sign in: %d %q", res.Status, res.Location)
	}
	mustContain(t, b.get(res.Location), "@carol@"+hostOf(remote), ">Follow</button>")
	// Signing in never returns anywhere but this site.
	b2 := newBrowser(t, home)
	form = b2.get("/signin?next=" + url.QueryEscape("//evil.example/authorize_interaction"))
	res = b2.post("/signin", url.Values{"csrf_token": {csrf(t, form)}, "username": {"bob"},
		"password": {"correct horse battery"}, "next": {"https://evil.example/"}})
	if res.Location != "/" {
		t.Fatalf("sign in with a foreign next went to %q", res.Location)
	}
}

// Following from the page sends a Follow to the other server's inbox; an
// open account accepts (the button turns to Unfollow), a locked one leaves
// it requested. Unfollow withdraws both. The forms are CSRF-checked.
func TestAuthorizeInteractionFollow(t *testing.T) {
	home, remote := homeAndRemote(t)
	bob := home.CreateUser(t, "bob", "")
	carol := remote.CreateUser(t, "carol", "")
	dave := remote.CreateUser(t, "dave", "")
	locked := true
	if _, err := remote.Social.UpdateProfile(context.Background(), dave.ID, social.ProfileUpdate{Locked: &locked}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	b := newBrowser(t, home)
	b.signIn("bob")

	// By handle (acct=, as older Mastodon sent) and by actor id alike.
	page := b.get("/authorize_interaction?acct=" + url.QueryEscape("carol@"+hostOf(remote)))
	mustContain(t, page, "@carol@"+hostOf(remote), ">Follow</button>")
	mustContain(t, b.get("/authorize_follow?acct="+url.QueryEscape("carol@"+hostOf(remote))), ">Follow</button>")
	local, err := home.DB.AccountByURI(ctx, carol.URI)
	if err != nil {
		t.Fatal(err)
	}
	followPath := "/authorize_interaction/accounts/" + store.FormatID(local.ID) + "/follow"
	mustContain(t, page, `action="`+followPath+`"`)
	if p := b.post(followPath, url.Values{"csrf_token": {"forged"}}); p.Status != http.StatusForbidden {
		t.Fatalf("follow with a forged token: %d", p.Status)
	}
	if _, err := home.DB.FollowBetween(ctx, bob.ID, local.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("forged follow left a row: %v", err)
	}
	res := b.post(followPath, url.Values{"csrf_token": {csrf(t, page)}})
	if res.Status != http.StatusSeeOther || res.Location != authorizePath(carol.URI)+"#follow" {
		t.Fatalf("follow: %d %q\n%.1000s", res.Status, res.Location, res.Body)
	}
	// The Follow reached carol's inbox, and her server's Accept came back.
	bobThere := learnedAccount(t, remote, bob.URI)
	servertest.Eventually(t, 20*time.Second, "follow accepted", func() bool {
		fl, err := home.DB.FollowBetween(ctx, bob.ID, local.ID)
		return err == nil && fl.Accepted
	})
	if fl, err := remote.DB.FollowBetween(ctx, bobThere.ID, carol.ID); err != nil || !fl.Accepted {
		t.Fatalf("carol's server: follow %+v, %v", fl, err)
	}
	page = b.get(authorizePath(carol.URI))
	mustContain(t, page, "You follow", ">Unfollow</button>")
	if p := b.post("/authorize_interaction/accounts/"+store.FormatID(local.ID)+"/unfollow", url.Values{"csrf_token": {csrf(t, page)}}); p.Status != http.StatusSeeOther {
		t.Fatalf("unfollow: %d", p.Status)
	}
	servertest.Eventually(t, 20*time.Second, "Undo reaches carol's server", func() bool {
		_, err := remote.DB.FollowBetween(ctx, bobThere.ID, carol.ID)
		return errors.Is(err, store.ErrNotFound)
	})

	// A locked account: requested until dave answers.
	page = b.get(authorizePath(dave.URI))
	localDave, err := home.DB.AccountByURI(ctx, dave.URI)
	if err != nil {
		t.Fatal(err)
	}
	b.post("/authorize_interaction/accounts/"+store.FormatID(localDave.ID)+"/follow", url.Values{"csrf_token": {csrf(t, page)}})
	servertest.Eventually(t, 20*time.Second, "request reaches dave's server", func() bool {
		fl, err := remote.DB.FollowBetween(ctx, bobThere.ID, dave.ID)
		return err == nil && !fl.Accepted
	})
	mustContain(t, b.get(authorizePath(dave.URI)), "Follow requested", ">Cancel request</button>",
		`action="/authorize_interaction/accounts/`+store.FormatID(localDave.ID)+`/unfollow"`)
}

// A post from another server is shown with its images, alt text and
// content warning, and liked, boosted and answered from here; each action
// reaches the author's server.
func TestAuthorizeInteractionRemotePost(t *testing.T) {
	home, remote := homeAndRemote(t)
	bob := home.CreateUser(t, "bob", "")
	carol := remote.CreateUser(t, "carol", "")
	st := postImage(t, remote, carol.ID, "a lighthouse", social.Draft{Text: "the light at dusk", SpoilerText: "bright"})
	ctx := context.Background()
	b := newBrowser(t, home)
	b.signIn("bob")
	page := b.get(authorizePath(st.URI))
	mustContain(t, page, `<details class="cw cw-media" id="cw">`, "<span>bright</span>", `alt="Alt: a lighthouse"`,
		"the light at dusk", "@carol@"+hostOf(remote), `aria-pressed="false">☆ Like</button>`,
		`name="text" rows="3" maxlength="5000" required>@carol@`+hostOf(remote)+" </textarea>")
	local, err := home.DB.StatusByURI(ctx, st.URI)
	if err != nil {
		t.Fatal(err)
	}
	base := "/authorize_interaction/statuses/" + store.FormatID(local.ID)
	token := csrf(t, page)
	if p := b.post(base+"/favourite", url.Values{}); p.Status != http.StatusForbidden {
		t.Fatalf("like without a token: %d", p.Status)
	}
	for _, action := range []string{"favourite", "reblog"} {
		res := b.post(base+"/"+action, url.Values{"csrf_token": {token}})
		if res.Status != http.StatusSeeOther || res.Location != authorizePath(st.URI)+"#actions" {
			t.Fatalf("%s: %d %q\n%.1000s", action, res.Status, res.Location, res.Body)
		}
	}
	if f := flags(t, home, bob.ID, local.ID); !f.Favourited || !f.Reblogged {
		t.Fatalf("flags after like and boost: %+v", f)
	}
	mustContain(t, b.get(authorizePath(st.URI)), "★ Liked</button>", "⟲ Boosted</button>")
	res := b.post(base+"/reply", url.Values{"csrf_token": {token}, "text": {"@carol@" + hostOf(remote) + " lovely"},
		"visibility": {"public"}})
	if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location, "/@bob/") {
		t.Fatalf("reply: %d %q\n%.1000s", res.Status, res.Location, res.Body)
	}
	servertest.Eventually(t, 20*time.Second, "like, boost and reply reach carol's server", func() bool {
		c, err := remote.DB.StatusCountsByIDs(ctx, []int64{st.ID})
		return err == nil && c[st.ID].Favourites == 1 && c[st.ID].Reblogs == 1 && c[st.ID].Replies == 1
	})
}

// Addresses that are no account or post get an error page with the
// right status; nothing is fetched for a malformed one.
func TestAuthorizeInteractionErrors(t *testing.T) {
	home, remote := homeAndRemote(t)
	home.CreateUser(t, "bob", "")
	carol := remote.CreateUser(t, "carol", "")
	priv := postImage(t, remote, carol.ID, "a secret garden", social.Draft{Visibility: "private"})
	down := closedHost(t)
	cases := []struct {
		name   string
		path   string
		status int
		body   string
	}{
		{"no uri", "/authorize_interaction", http.StatusBadRequest, "Give the address"},
		{"not a URL", authorizePath("not an address"), http.StatusBadRequest, "is not the address"},
		{"other scheme", authorizePath("ftp://" + hostOf(remote) + "/users/carol"), http.StatusBadRequest, ""},
		{"credentials in URL", authorizePath("https://x:y@" + hostOf(remote) + "/users/carol"), http.StatusBadRequest, ""},
		{"too long", authorizePath("https://" + hostOf(remote) + "/" + strings.Repeat("a", 3000)), http.StatusBadRequest, ""},
		{"unknown actor", authorizePath(remote.URL + "/users/nobody"), http.StatusNotFound, ""},
		{"unknown post", authorizePath(remote.URL + "/users/carol/statuses/12345"), http.StatusNotFound, ""},
		{"followers-only post", authorizePath(priv.URI), http.StatusNotFound, ""},
		{"unknown handle", "/authorize_interaction?acct=" + url.QueryEscape("nobody@"+hostOf(remote)), http.StatusNotFound, ""},
		{"unreachable server", authorizePath("https://" + down + "/users/carol"), http.StatusServiceUnavailable, "Could not reach " + down + ". Try again later."},
		{"unreachable handle", "/authorize_interaction?acct=" + url.QueryEscape("carol@"+down), http.StatusServiceUnavailable,
			"Could not reach " + down},
	}
	b := newBrowser(t, home)
	b.signIn("bob")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := b.get(tc.path)
			if p.Status != tc.status {
				t.Fatalf("%d, want %d\n%.1500s", p.Status, tc.status, p.Body)
			}
			mustContain(t, p, `<p class="alert" role="alert">`, tc.body)
		})
	}
	// Forged actions on posts and accounts the page never showed are not found.
	token := csrf(t, b.get("/"))
	for _, path := range []string{"/authorize_interaction/statuses/999999/favourite",
		"/authorize_interaction/statuses/999999/reply", "/authorize_interaction/accounts/999999/follow"} {
		if p := b.post(path, url.Values{"csrf_token": {token}, "text": {"hi"}}); p.Status != http.StatusNotFound {
			t.Fatalf("%s: %d", path, p.Status)
		}
	}
}
