package web_test

import (
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

const subscribeRel = "http://ostatus.org/schema/1.0/subscribe"

// fediPeer is another fediverse server on loopback (HTTPS, trusted by the
// test CA) that answers WebFinger for a few accounts and records the
// resources it was asked about.
type fediPeer struct {
	Host string // 127.0.0.1:port
	URL  string

	mu    sync.Mutex
	asked []string
}

func (p *fediPeer) Asked() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.asked...)
}

// startPeer serves WebFinger: "tpl" has a subscribe template on the peer,
// "plain" has none, "evil" has a javascript: template, "huge" answers
// with a JRD far over the size limit, and everyone else is unknown.
func startPeer(t *testing.T, srv *servertest.Server) *fediPeer {
	t.Helper()
	p := &fediPeer{}
	ts := srv.CA.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/webfinger" {
			http.NotFound(w, r)
			return
		}
		res := r.URL.Query().Get("resource")
		p.mu.Lock()
		p.asked = append(p.asked, res)
		p.mu.Unlock()
		user, _, _ := strings.Cut(strings.TrimPrefix(res, "acct:"), "@")
		links := []map[string]string{{"rel": "self", "type": "application/activity+json", "href": p.URL + "/users/" + user}}
		switch user {
		case "tpl":
			links = append(links, map[string]string{"rel": subscribeRel, "template": p.URL + "/authorize_interaction?uri={uri}&via=tpl"})
		case "plain":
		case "evil":
			links = append(links, map[string]string{"rel": subscribeRel, "template": "javascript:alert('{uri}')"})
		case "huge":
			links = append(links, map[string]string{"rel": "padding", "href": strings.Repeat("x", 200<<10)})
		default:
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/jrd+json")
		json.NewEncoder(w).Encode(map[string]any{"subject": res, "links": links})
	}))
	p.URL = ts.URL
	p.Host = strings.TrimPrefix(ts.URL, "https://")
	return p
}

// closedHost returns a loopback host:port where nothing listens.
func closedHost(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host := ln.Addr().String()
	ln.Close()
	return host
}

// Remote follow and remote interaction do what Mastodon does: WebFinger the
// visitor's handle on their own server and redirect to its subscribe
// template, falling back to /authorize_interaction only when it has none.
func TestRemoteInteractionFollowsTheSubscribeTemplate(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	alice := srv.CreateUser(t, "alice", "")
	st := postImage(t, srv, alice.ID, "a lighthouse", social.Draft{Text: "hello"})
	priv := postImage(t, srv, alice.ID, "a secret garden", social.Draft{Visibility: "private"})
	peer := startPeer(t, srv)
	down := closedHost(t)
	esc := url.QueryEscape
	postPath := "/@alice/" + store.FormatID(st.ID)
	follow := func(acct string) string { return "/remote_follow?name=alice&acct=" + esc(acct) }
	interact := func(id int64, acct string) string {
		return "/remote_interaction?name=alice&id=" + store.FormatID(id) + "&acct=" + esc(acct)
	}
	cases := []struct {
		name, path   string
		wantStatus   int
		wantLocation string
		wantBody     string
	}{
		{"follow through the template", follow("@tpl@" + peer.Host), http.StatusSeeOther,
			peer.URL + "/authorize_interaction?uri=" + esc(alice.URI) + "&via=tpl", ""},
		{"post through the template", interact(st.ID, "tpl@"+peer.Host), http.StatusSeeOther,
			peer.URL + "/authorize_interaction?uri=" + esc(st.URI) + "&via=tpl", ""},
		{"no template: authorize_interaction", follow("plain@" + peer.Host), http.StatusSeeOther,
			"https://" + peer.Host + "/authorize_interaction?uri=" + esc(alice.URI), ""},
		{"unknown account", follow("nobody@" + peer.Host), http.StatusNotFound, "",
			"does not know the account @nobody@" + peer.Host},
		{"unreachable server", follow("bob@" + down), http.StatusServiceUnavailable, "", "Could not reach " + down},
		{"oversized answer", follow("huge@" + peer.Host), http.StatusServiceUnavailable, "", "Could not reach"},
		{"template that is no web page", follow("evil@" + peer.Host), http.StatusServiceUnavailable, "", "not a web page"},
		{"handle on this server", interact(st.ID, "bob@"+strings.TrimPrefix(srv.URL, "https://")), http.StatusSeeOther,
			srv.URL + postPath, ""},
		{"private post", interact(priv.ID, "tpl@"+peer.Host), http.StatusNotFound, "", "doesn&#39;t exist"},
		{"no such account here", "/remote_follow?name=nobody&acct=" + esc("tpl@"+peer.Host), http.StatusNotFound, "", ""},
		{"not a handle", follow("bob"), http.StatusUnprocessableEntity, "", "Enter your fediverse address"},
		{"empty host", follow("bob@"), http.StatusUnprocessableEntity, "", ""},
		{"path in host", follow("bob@evil.example/path"), http.StatusUnprocessableEntity, "", ""},
		{"scheme as user", follow("javascript:alert(1)@x.y"), http.StatusUnprocessableEntity, "", ""},
	}
	b := newBrowser(t, srv)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := b.get(tc.path)
			if p.Status != tc.wantStatus || p.Location != tc.wantLocation {
				t.Fatalf("%d %q, want %d %q\n%.1500s", p.Status, p.Location, tc.wantStatus, tc.wantLocation, p.Body)
			}
			if tc.wantBody != "" {
				mustContain(t, p, tc.wantBody)
			}
		})
	}
	// Only the handles that passed the checks were looked up, each on its own server.
	want := []string{"acct:tpl@" + peer.Host, "acct:tpl@" + peer.Host, "acct:plain@" + peer.Host,
		"acct:nobody@" + peer.Host, "acct:huge@" + peer.Host, "acct:evil@" + peer.Host}
	if got := peer.Asked(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("peer was asked %q, want %q", got, want)
	}
}

// The post page offers anonymous visitors the interact-from-your-server
// form, and the profile the follow form; both are plain GET forms.
func TestRemoteInteractionForms(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	alice := srv.CreateUser(t, "alice", "")
	st := postImage(t, srv, alice.ID, "a lighthouse", social.Draft{})
	b := newBrowser(t, srv)
	mustContain(t, b.get("/@alice/"+store.FormatID(st.ID)), `action="/remote_interaction"`,
		`name="name" value="alice"`, `name="id" value="`+store.FormatID(st.ID)+`"`, `name="acct"`)
	mustContain(t, b.get("/@alice"), `action="/remote_follow"`, `name="acct"`)
}
