package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/pictor-social/pictor/config"
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

// postFrom posts a sign-in form with X-Forwarded-For set to from.
func (b *browser) postFrom(from, path string, form url.Values) page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.abs(path), strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.base)
	req.Header.Set("X-Forwarded-For", from)
	return b.do(req)
}

// 60 parallel wrong passwords from one address: the attempts are counted
// before hashing, so at most 5 are checked and the rest are refused.
func TestSignInParallelGuessesRefusedBeforeHashing(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	srv.CreateUser(t, "root", "")
	b := newBrowser(t, srv)
	token := csrf(t, b.get("/signin"))
	statuses := make(chan int, 60)
	var wg sync.WaitGroup
	for i := 0; i < 60; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses <- b.post("/signin", url.Values{"csrf_token": {token}, "username": {"root"},
				"password": {fmt.Sprintf("guess %d", i)}}).Status
		}()
	}
	wg.Wait()
	close(statuses)
	counts := map[int]int{}
	for s := range statuses {
		counts[s]++
	}
	if counts[http.StatusUnauthorized] > 5 || counts[http.StatusUnauthorized]+counts[http.StatusTooManyRequests] != 60 {
		t.Fatalf("statuses %v: want at most 5 checked (401), the rest 429", counts)
	}
}

// Behind a trusted proxy, guesses from one address lock out that address
// only: the owner signs in from another one.
func TestSignInGuessesDoNotLockOutOwner(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{Configure: func(c *config.File) {
		c.TrustedProxies = []string{"127.0.0.1/32", "::1/128"}
	}})
	srv.CreateUser(t, "root", "")
	b := newBrowser(t, srv)
	token := csrf(t, b.get("/signin"))
	form := func(pw string) url.Values {
		return url.Values{"csrf_token": {token}, "username": {"root"}, "password": {pw}, "next": {"/"}}
	}
	for i := 0; i < 5; i++ {
		if p := b.postFrom("203.0.113.66", "/signin", form("guess")); p.Status != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d", i, p.Status)
		}
	}
	if p := b.postFrom("203.0.113.66", "/signin", form("correct horse battery")); p.Status != http.StatusTooManyRequests {
		t.Fatalf("the guessing address: %d, want 429", p.Status)
	}
	if p := b.postFrom("198.51.100.5", "/signin", form("correct horse battery")); p.Status != http.StatusSeeOther {
		t.Fatalf("the owner from another address: %d, want 303\n%.1000s", p.Status, p.Body)
	}
}

// Without trusted_proxies, X-Forwarded-For is not believed: rotating it
// does not escape the limit of the real address.
func TestSignInIgnoresForwardedForFromUntrustedPeer(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	srv.CreateUser(t, "root", "")
	b := newBrowser(t, srv)
	token := csrf(t, b.get("/signin"))
	form := url.Values{"csrf_token": {token}, "username": {"root"}, "password": {"guess"}}
	for i := 0; i < 5; i++ {
		b.postFrom(fmt.Sprintf("203.0.113.%d", i), "/signin", form)
	}
	if p := b.postFrom("198.51.100.5", "/signin", form); p.Status != http.StatusTooManyRequests {
		t.Fatalf("with a forged X-Forwarded-For: %d, want 429", p.Status)
	}
}
