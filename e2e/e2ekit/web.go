// Package e2ekit holds the helpers that both end-to-end test packages use:
// e2e (interop with real peers and clients) and e2e/browser (the web pages,
// in Chromium and without JavaScript). They are two packages so that
// `go test -p N` runs them side by side; a helper they share lives here
// rather than being copied into each.
package e2ekit

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/pictor-social/pictor/server/servertest"
)

// WebClient is a browser without JavaScript: it keeps cookies and does not
// follow redirects, so tests see each response.
type WebClient struct {
	t    *testing.T
	base string
	c    *http.Client
}

// WebPage is one response as WebClient saw it.
type WebPage struct {
	Status         int
	Location, Type string
	Body           string
}

// NewWebClient returns a WebClient for srv with an empty cookie jar.
func NewWebClient(t *testing.T, srv *servertest.Server) *WebClient {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := *srv.Client
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &WebClient{t: t, base: srv.URL, c: &c}
}

// Do sends req (with a browser's Accept header unless it has one) and
// reads up to 8 MiB of the response.
func (w *WebClient) Do(req *http.Request) WebPage {
	w.t.Helper()
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8")
	}
	resp, err := w.c.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		w.t.Fatal(err)
	}
	return WebPage{Status: resp.StatusCode, Location: resp.Header.Get("Location"), Type: resp.Header.Get("Content-Type"),
		Body: string(body)}
}

// Get fetches path with the given Accept header (a browser's when empty).
func (w *WebClient) Get(path, accept string) WebPage {
	w.t.Helper()
	req, err := http.NewRequest(http.MethodGet, w.base+path, nil)
	if err != nil {
		w.t.Fatal(err)
	}
	req.Header.Set("Accept", accept)
	return w.Do(req)
}

// Post submits form to path as a browser submits an HTML form.
func (w *WebClient) Post(path string, form url.Values) WebPage {
	w.t.Helper()
	req, err := http.NewRequest(http.MethodPost, w.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		w.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return w.Do(req)
}

// SignIn signs in through the /signin form and fails the test unless it
// redirects.
func (w *WebClient) SignIn(user, password string) {
	w.t.Helper()
	p := w.Get("/signin", "")
	res := w.Post("/signin", url.Values{"csrf_token": {p.CSRF(w.t)}, "username": {user}, "password": {password}})
	if res.Status != http.StatusSeeOther {
		w.t.Fatalf("sign in: %d\n%.1500s", res.Status, res.Body)
	}
}

var csrfFieldRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// CSRF returns the page's CSRF form field, failing the test without one.
func (p WebPage) CSRF(t *testing.T) string {
	t.Helper()
	m := csrfFieldRE.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no CSRF field in the page (%d):\n%.1500s", p.Status, p.Body)
	}
	return m[1]
}

// MustContain fails the test, naming the page what, unless its body
// contains every one of wants.
func (p WebPage) MustContain(t *testing.T, what string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(p.Body, want) {
			t.Fatalf("%s: %q missing (status %d):\n%.3000s", what, want, p.Status, p.Body)
		}
	}
}
