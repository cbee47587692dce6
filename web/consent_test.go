package web_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/pictor-social/pictor/server/servertest"
)

type app struct{ ID, Secret string }

func registerApp(t *testing.T, srv *servertest.Server, redirects ...string) app {
	t.Helper()
	form := url.Values{"client_name": {"Test App"}, "redirect_uris": {strings.Join(redirects, "\n")},
		"scopes": {"read write follow"}, "website": {"https://app.example"}}
	resp, err := srv.Client.PostForm(srv.URL+"/api/v1/apps", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil || a.ClientID == "" {
		t.Fatalf("register app: %d %v", resp.StatusCode, err)
	}
	return app{a.ClientID, a.ClientSecret}
}

func pkce() (verifier, challenge string) {
	verifier = strings.Repeat("v3rifier-", 6)
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

// formFields returns the hidden fields of the page's first form with an
// "action" button, as a browser would submit them.
var hiddenRE = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

func hidden(p page) url.Values {
	v := url.Values{}
	for _, m := range hiddenRE.FindAllStringSubmatch(p.Body, -1) {
		if m[1] == "next" {
			continue
		}
		v.Set(m[1], html.UnescapeString(m[2]))
	}
	return v
}

// The whole authorization code flow, as a browser and an app do it: the
// consent page asks for a sign-in first, then shows the app and its scopes;
// Authorize redirects with a code that the token endpoint exchanges.
func TestConsentFlowOverHTTP(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	srv.CreateUser(t, "alice", "")
	const redirect = "https://app.example/callback"
	a := registerApp(t, srv, redirect, "com.example.app:/oauth")
	verifier, challenge := pkce()
	q := url.Values{"response_type": {"code"}, "client_id": {a.ID}, "redirect_uri": {redirect}, "scope": {"read write"},
		"state": {"xyz 123"}, "code_challenge": {challenge}, "code_challenge_method": {"S256"}, "lang": {"en"}}

	b := newBrowser(t, srv)
	p := b.get("/oauth/authorize/?" + q.Encode()) // trailing slash, as some apps send
	if p.Status != http.StatusOK {
		t.Fatalf("consent page: %d\n%.2000s", p.Status, p.Body)
	}
	mustContain(t, p, "Test App", "Sign in to continue", "write")
	form := hidden(p)
	form.Set("username", "alice")
	form.Set("password", "correct horse battery")
	p = b.post("/oauth/authorize/", form)
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/oauth/authorize/?") {
		t.Fatalf("sign-in on consent page: %d %q\n%.2000s", p.Status, p.Location, p.Body)
	}
	p = b.get(p.Location)
	mustContain(t, p, "Test App", "@alice@", `value="approve"`, `value="deny"`)
	form = hidden(p)
	form.Set("action", "approve")
	p = b.post("/oauth/authorize/", form)
	if p.Status != http.StatusFound || !strings.HasPrefix(p.Location, redirect+"?") {
		t.Fatalf("approve: %d %q", p.Status, p.Location)
	}
	back, _ := url.Parse(p.Location)
	code := back.Query().Get("code")
	if code == "" || back.Query().Get("state") != "xyz 123" {
		t.Fatalf("redirect %q lacks code or state", p.Location)
	}

	tok := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect},
		"client_id": {a.ID}, "client_secret": {a.Secret}, "code_verifier": {verifier}}
	resp, err := srv.Client.PostForm(srv.URL+"/oauth/token", tok)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var token struct {
		AccessToken string `json:"access_token"`
		Scope       string `json:"scope"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&token); err != nil || resp.StatusCode != 200 || token.AccessToken == "" {
		t.Fatalf("token: %d %+v %v", resp.StatusCode, token, err)
	}
	if token.Scope != "read write" {
		t.Fatalf("scope = %q", token.Scope)
	}
}

func TestConsentModesAndErrors(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	srv.CreateUser(t, "alice", "")
	const redirect = "https://app.example/callback"
	a := registerApp(t, srv, redirect, "urn:ietf:wg:oauth:2.0:oob", "com.example.app:/oauth")
	b := newBrowser(t, srv)
	b.signIn("alice")

	consent := func(t *testing.T, q url.Values, action string) page {
		t.Helper()
		p := b.get("/oauth/authorize?" + q.Encode())
		if p.Status != http.StatusOK {
			t.Fatalf("consent page: %d\n%.1500s", p.Status, p.Body)
		}
		form := hidden(p)
		form.Set("action", action)
		return b.post("/oauth/authorize", form)
	}
	base := func(redirectURI string) url.Values {
		return url.Values{"response_type": {"code"}, "client_id": {a.ID}, "redirect_uri": {redirectURI}, "scope": {"read"}}
	}

	t.Run("oob shows the code", func(t *testing.T) {
		p := consent(t, base("urn:ietf:wg:oauth:2.0:oob"), "approve")
		if p.Status != http.StatusOK {
			t.Fatalf("status %d", p.Status)
		}
		mustContain(t, p, "Authorization code", `id="oauth-code"`)
	})
	t.Run("form_post submits a form to the app", func(t *testing.T) {
		q := base(redirect)
		q.Set("response_mode", "form_post")
		q.Set("state", "s1")
		p := consent(t, q, "approve")
		mustContain(t, p, `action="https://app.example/callback"`, `name="code"`, `name="state" value="s1"`, "data-autosubmit")
	})
	t.Run("custom scheme redirect kept byte for byte", func(t *testing.T) {
		p := consent(t, base("com.example.app:/oauth"), "approve")
		if p.Status != http.StatusFound || !strings.HasPrefix(p.Location, "com.example.app:/oauth?code=") {
			t.Fatalf("%d %q", p.Status, p.Location)
		}
	})
	t.Run("deny", func(t *testing.T) {
		p := consent(t, base(redirect), "deny")
		if p.Status != http.StatusFound || !strings.Contains(p.Location, "error=access_denied") {
			t.Fatalf("%d %q", p.Status, p.Location)
		}
	})
	t.Run("force_login asks again", func(t *testing.T) {
		q := base(redirect)
		q.Set("force_login", "true")
		p := b.get("/oauth/authorize?" + q.Encode())
		mustContain(t, p, "Sign in to continue")
	})

	errorCases := []struct {
		name string
		edit func(url.Values)
	}{
		{"unknown client", func(q url.Values) { q.Set("client_id", "nope") }},
		{"unregistered redirect", func(q url.Values) { q.Set("redirect_uri", "https://evil.example/") }},
		{"scope beyond the app", func(q url.Values) { q.Set("scope", "admin:write") }},
		{"plain PKCE", func(q url.Values) { q.Set("code_challenge", "abc"); q.Set("code_challenge_method", "plain") }},
	}
	for _, tc := range errorCases {
		t.Run(tc.name, func(t *testing.T) {
			q := base(redirect)
			tc.edit(q)
			p := b.get("/oauth/authorize?" + q.Encode())
			if p.Status != http.StatusBadRequest || p.Location != "" {
				t.Fatalf("status %d location %q, want a 400 page", p.Status, p.Location)
			}
			mustContain(t, p, "<!doctype html>")
		})
	}

	t.Run("approve without CSRF token is refused", func(t *testing.T) {
		p := b.get("/oauth/authorize?" + base(redirect).Encode())
		form := hidden(p)
		form.Del("csrf_token")
		form.Set("action", "approve")
		res := b.post("/oauth/authorize", form)
		if res.Status != http.StatusForbidden || res.Location != "" {
			t.Fatalf("status %d location %q", res.Status, res.Location)
		}
	})
}

// A user who is not an administrator is not offered the admin scopes an
// app asks for, and cannot grant them alone.
func TestConsentLeavesOutAdminScopesForUsers(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	srv.CreateUser(t, "alice", "")
	form := url.Values{"client_name": {"Mod Tool"}, "redirect_uris": {"urn:ietf:wg:oauth:2.0:oob"},
		"scopes": {"read admin:read admin:write"}}
	resp, err := srv.Client.PostForm(srv.URL+"/api/v1/apps", form)
	if err != nil {
		t.Fatal(err)
	}
	var a struct {
		ClientID string `json:"client_id"`
	}
	json.NewDecoder(resp.Body).Decode(&a)
	resp.Body.Close()
	b := newBrowser(t, srv)
	b.signIn("alice")
	q := url.Values{"client_id": {a.ClientID}, "redirect_uri": {"urn:ietf:wg:oauth:2.0:oob"}, "response_type": {"code"}}
	q.Set("scope", "read admin:read admin:write")
	p := b.get("/oauth/authorize?" + q.Encode())
	if p.Status != http.StatusOK {
		t.Fatalf("consent page: %d", p.Status)
	}
	mustContain(t, p, "Read everything in your account")
	mustNotContain(t, p, "(admin)")
	q.Set("scope", "admin:read")
	if p := b.get("/oauth/authorize?" + q.Encode()); p.Status != http.StatusForbidden {
		t.Fatalf("admin scopes alone: %d, want 403", p.Status)
	}
}
