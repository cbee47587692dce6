package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pictor-social/pictor/server/servertest"
)

func TestSignInAndOut(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	srv.CreateUser(t, "alice", "")
	b := newBrowser(t, srv)

	p := b.get("/signin?next=/compose")
	token := csrf(t, p)
	cases := []struct {
		name   string
		form   url.Values
		status int
		text   string
	}{
		{"no CSRF token", url.Values{"username": {"alice"}, "password": {"correct horse battery"}}, http.StatusForbidden, "expired"},
		{"wrong CSRF token", url.Values{"csrf_token": {token + "x"}, "username": {"alice"}, "password": {"correct horse battery"}}, http.StatusForbidden, "expired"},
		{"wrong password", url.Values{"csrf_token": {token}, "username": {"alice"}, "password": {"nope"}}, http.StatusUnauthorized, "Invalid username or password"},
		{"unknown user", url.Values{"csrf_token": {token}, "username": {"bob"}, "password": {"nope"}}, http.StatusUnauthorized, "Invalid username or password"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := b.post("/signin", tc.form)
			if res.Status != tc.status {
				t.Fatalf("status %d, want %d", res.Status, tc.status)
			}
			mustContain(t, res, tc.text)
		})
	}

	res := b.post("/signin", url.Values{"csrf_token": {token}, "username": {"@Alice"}, "password": {"correct horse battery"},
		"next": {"//evil.example/"}})
	if res.Status != http.StatusSeeOther || res.Location != "/" {
		t.Fatalf("sign in: %d %q (an off-site next must become /)", res.Status, res.Location)
	}
	home := b.get("/signin")
	if home.Status != http.StatusSeeOther {
		t.Fatalf("signed-in visitor sees the sign-in form: %d", home.Status)
	}
	p = b.get("/oauth/authorize?client_id=x") // any page with the layout's sign-out form
	session := csrf(t, p)
	if session == token {
		t.Fatal("the session reuses the anonymous CSRF token")
	}
	if res := b.post("/signout", url.Values{"csrf_token": {token}}); res.Status != http.StatusForbidden {
		t.Fatalf("sign out with the anonymous token: %d", res.Status)
	}
	if res := b.post("/signout", url.Values{"csrf_token": {session}}); res.Status != http.StatusSeeOther {
		t.Fatalf("sign out: %d", res.Status)
	}
	if p := b.get("/signin"); p.Status != http.StatusOK || !strings.Contains(p.Body, `name="password"`) {
		t.Fatalf("after sign out: %d", p.Status)
	}
}

func TestSignInRateLimited(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	srv.CreateUser(t, "alice", "")
	b := newBrowser(t, srv)
	token := csrf(t, b.get("/signin"))
	for i := 0; i < 5; i++ {
		b.post("/signin", url.Values{"csrf_token": {token}, "username": {"alice"}, "password": {"wrong"}})
	}
	res := b.post("/signin", url.Values{"csrf_token": {token}, "username": {"alice"}, "password": {"correct horse battery"}})
	if res.Status != http.StatusTooManyRequests {
		t.Fatalf("status %d, want 429", res.Status)
	}
	mustContain(t, res, "Too many failed sign-in attempts")
}
