package auth

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/mux"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/store"
)

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *testClock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type testEnv struct {
	db    *store.DB
	o     *OAuth
	clock *testClock
	srv   *httptest.Server
	alice int64 // a local user's account id
}

func newEnv(t *testing.T) *testEnv {
	t.Helper()
	clock := &testClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "pictor.db"), store.Options{Clock: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	o := NewOAuth(db, OAuthOptions{BaseURL: "https://pictor.test/", Now: clock.Now})
	r := mux.NewRouter()
	o.Routes(r)
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	e := &testEnv{db: db, o: o, clock: clock, srv: srv}
	e.alice = e.addUser(t, "alice", "correct horse", false)
	return e
}

func (e *testEnv) addUser(t *testing.T, name, password string, disabled bool) int64 {
	t.Helper()
	ctx := context.Background()
	hash, err := HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	a := store.Account{Username: name, URI: "https://pictor.test/users/" + name}
	err = e.db.Write(ctx, func(tx *store.Tx) error {
		if err := tx.InsertAccount(ctx, &a); err != nil {
			return err
		}
		return tx.InsertUser(ctx, &store.User{AccountID: a.ID, PasswordHash: hash, Disabled: disabled})
	})
	if err != nil {
		t.Fatal(err)
	}
	return a.ID
}

// do sends a request to the test server and decodes the JSON answer.
func (e *testEnv) do(t *testing.T, method, path, contentType, body string, edit func(*http.Request)) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if edit != nil {
		edit(req)
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s %s: status %d, body not a JSON object: %q", method, path, resp.StatusCode, raw)
	}
	return resp.StatusCode, out
}

func bearer(tok string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok) }
}

func (e *testEnv) registerApp(t *testing.T, scopes string, redirects ...string) (App, string) {
	t.Helper()
	app, secret, err := e.o.RegisterApp(context.Background(), AppRequest{ClientName: "test", RedirectURIs: redirects, Scopes: scopes})
	if err != nil {
		t.Fatal(err)
	}
	return app, secret
}

// codeFor runs the consent step for alice and returns the issued code.
func (e *testEnv) codeFor(t *testing.T, req AuthorizeRequest) string {
	t.Helper()
	a, err := e.o.Authorize(context.Background(), req, e.alice)
	if err != nil {
		t.Fatalf("authorize: %v", err)
	}
	return a.Code
}

// userToken returns a token for alice with the given scopes.
func (e *testEnv) userToken(t *testing.T, scopes string) (App, string) {
	t.Helper()
	app, secret := e.registerApp(t, scopes, "https://app.test/cb")
	code := e.codeFor(t, AuthorizeRequest{ClientID: app.ClientID, RedirectURI: "https://app.test/cb", Scope: scopes})
	resp, err := e.o.Token(context.Background(), TokenRequest{GrantType: "authorization_code", Code: code,
		ClientID: app.ClientID, ClientSecret: secret, RedirectURI: "https://app.test/cb"})
	if err != nil {
		t.Fatal(err)
	}
	return app, resp.AccessToken
}

func tokenErrCode(err error) string {
	var te *TokenError
	if errors.As(err, &te) {
		return te.Code
	}
	return ""
}

func jsonBody(t *testing.T, v map[string]any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const pkceVerifierFixture = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk" // RFC 7636 appendix B
const pkceChallengeFixture = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

func TestS256MatchesRFC7636Example(t *testing.T) {
	if got := s256(pkceVerifierFixture); got != pkceChallengeFixture {
		t.Fatalf("s256 = %s, want %s", got, pkceChallengeFixture)
	}
}

func TestRedirectURIValidation(t *testing.T) {
	cases := []struct {
		uri string
		ok  bool
	}{
		{"https://phanpy.social/", true},
		{"https://elk.zone/api/mastodon.social/oauth/https%3A%2F%2Felk.zone", true},
		{"https://app.test/cb?x=1", true},
		{"oauth2redirect://com.keylesspalace.tusky/", true},
		{"icecubesapp://", true},
		{"com.tapbots.Ivory.19:/request_token", true},
		{"urn:ietf:wg:oauth:2.0:oob", true},
		{"http://localhost:5173/", true},
		{"http://127.0.0.1:8080/cb", true},
		{"http://[::1]/cb", true},
		{"http://example.com/cb", false},
		{"https:///nohost", false},
		{"https://app.test/cb#frag", false},
		{"/relative/path", false},
		{"app.test/cb", false},
		{"javascript:alert(1)", false},
		{"data:text/html,hi", false},
		{"urn:ietf:wg:oauth:2.0:other", false},
		{"https://app.test/" + strings.Repeat("a", maxURILen), false},
	}
	for _, tc := range cases {
		err := checkRedirectURI(tc.uri)
		if (err == nil) != tc.ok {
			t.Errorf("checkRedirectURI(%q) = %v, want ok=%v", tc.uri, err, tc.ok)
		}
		if err != nil && apperr.StatusOf(err) != http.StatusUnprocessableEntity {
			t.Errorf("checkRedirectURI(%q) status %d, want 422", tc.uri, apperr.StatusOf(err))
		}
	}
}

func TestRegisterAppValidation(t *testing.T) {
	e := newEnv(t)
	ok := []string{"https://app.test/cb"}
	cases := []struct {
		name string
		req  AppRequest
	}{
		{"no name", AppRequest{ClientName: "  ", RedirectURIs: ok}},
		{"long name", AppRequest{ClientName: strings.Repeat("x", maxAppNameLen+1), RedirectURIs: ok}},
		{"no redirect", AppRequest{ClientName: "x"}},
		{"blank redirect", AppRequest{ClientName: "x", RedirectURIs: []string{" \n "}}},
		{"one bad among good", AppRequest{ClientName: "x", RedirectURIs: []string{"https://a.test/ javascript:x"}}},
		{"bad scope", AppRequest{ClientName: "x", RedirectURIs: ok, Scopes: "read everything"}},
		{"bad website", AppRequest{ClientName: "x", RedirectURIs: ok, Website: "ftp://x.test"}},
		{"too many redirects", AppRequest{ClientName: "x", RedirectURIs: manyURIs(maxRedirectURIs + 1)}},
	}
	for _, tc := range cases {
		_, _, err := e.o.RegisterApp(context.Background(), tc.req)
		if apperr.StatusOf(err) != http.StatusUnprocessableEntity {
			t.Errorf("%s: err = %v, want 422", tc.name, err)
		}
	}
	app, secret, err := e.o.RegisterApp(context.Background(), AppRequest{ClientName: "x", RedirectURIs: []string{"https://a.test/1 https://a.test/1\nhttps://a.test/2"}})
	if err != nil || !slices.Equal(app.RedirectURIs, []string{"https://a.test/1", "https://a.test/2"}) ||
		!slices.Equal(app.Scopes, Scopes{ScopeRead}) || secret == "" || app.ClientID == "" {
		t.Fatalf("defaults and dedupe: %+v, %q, %v", app, secret, err)
	}
}

func manyURIs(n int) []string {
	var out []string
	for i := 0; i < n; i++ {
		out = append(out, "https://a.test/"+strings.Repeat("x", i+1))
	}
	return out
}
