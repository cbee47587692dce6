package auth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/store"
)

func TestPKCE(t *testing.T) {
	ctx := context.Background()
	const cb = "https://app.test/cb"
	cases := []struct {
		name      string
		verifier  string
		noSecret  bool // public client: PKCE alone authenticates it
		challenge bool
		want      string // "" for success, else the RFC 6749 error code
	}{
		{"S256 right verifier", pkceVerifierFixture, false, true, ""},
		{"public client with PKCE", pkceVerifierFixture, true, true, ""},
		{"wrong verifier", strings.Repeat("a", 43), false, true, "invalid_grant"},
		{"missing verifier", "", false, true, "invalid_grant"},
		{"verifier too short", "dBjftJeZ4CVP", false, true, "invalid_grant"},
		{"public client without PKCE", "", true, false, "invalid_client"},
		{"verifier without challenge is ignored", pkceVerifierFixture, false, false, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			app, secret := e.registerApp(t, "read", cb)
			req := AuthorizeRequest{ClientID: app.ClientID, RedirectURI: cb}
			if tc.challenge {
				req.CodeChallenge, req.CodeChallengeMethod = pkceChallengeFixture, "S256"
			}
			code := e.codeFor(t, req)
			treq := TokenRequest{GrantType: "authorization_code", Code: code, ClientID: app.ClientID,
				ClientSecret: secret, RedirectURI: cb, CodeVerifier: tc.verifier}
			if tc.noSecret {
				treq.ClientSecret = ""
			}
			_, err := e.o.Token(ctx, treq)
			if got := tokenErrCode(err); got != tc.want || (tc.want == "" && err != nil) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if tc.want != "" {
				// A failed exchange spends the code, so guessing verifiers gets one try.
				treq.CodeVerifier, treq.ClientSecret = pkceVerifierFixture, secret
				if _, err := e.o.Token(ctx, treq); tokenErrCode(err) != "invalid_grant" {
					t.Fatalf("retry after failure: %v, want invalid_grant", err)
				}
			}
		})
	}
}

func TestCodeExchangeRefusals(t *testing.T) {
	ctx := context.Background()
	const cb = "https://app.test/cb"
	cases := []struct {
		name string
		edit func(e *testEnv, r *TokenRequest)
		want string
	}{
		{"redirect mismatch", func(_ *testEnv, r *TokenRequest) { r.RedirectURI = "https://app.test/other" }, "invalid_grant"},
		{"unknown code", func(_ *testEnv, r *TokenRequest) { r.Code = "nope" }, "invalid_grant"},
		{"missing code", func(_ *testEnv, r *TokenRequest) { r.Code = "" }, "invalid_request"},
		{"wrong secret", func(_ *testEnv, r *TokenRequest) { r.ClientSecret = "wrong" }, "invalid_client"},
		{"unknown client", func(_ *testEnv, r *TokenRequest) { r.ClientID = "nope" }, "invalid_client"},
		{"another app's code", func(e *testEnv, r *TokenRequest) {
			other, secret := e.registerApp(t, "read", cb)
			r.ClientID, r.ClientSecret = other.ClientID, secret
		}, "invalid_grant"},
		{"expired code", func(e *testEnv, _ *TokenRequest) { e.clock.Advance(10*time.Minute + time.Second) }, "invalid_grant"},
		{"unsupported grant", func(_ *testEnv, r *TokenRequest) { r.GrantType = "password" }, "unsupported_grant_type"},
		{"missing grant", func(_ *testEnv, r *TokenRequest) { r.GrantType = "" }, "invalid_request"},
		{"redirect omitted is fine", func(_ *testEnv, r *TokenRequest) { r.RedirectURI = "" }, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			app, secret := e.registerApp(t, "read", cb, "https://app.test/other")
			code := e.codeFor(t, AuthorizeRequest{ClientID: app.ClientID, RedirectURI: cb})
			req := TokenRequest{GrantType: "authorization_code", Code: code, ClientID: app.ClientID, ClientSecret: secret, RedirectURI: cb}
			tc.edit(e, &req)
			_, err := e.o.Token(ctx, req)
			if got := tokenErrCode(err); got != tc.want || (tc.want == "" && err != nil) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestCodeReuseRevokesFirstToken(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	app, secret := e.registerApp(t, "read", "https://app.test/cb")
	code := e.codeFor(t, AuthorizeRequest{ClientID: app.ClientID})
	req := TokenRequest{GrantType: "authorization_code", Code: code, ClientID: app.ClientID, ClientSecret: secret}
	first, err := e.o.Token(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.o.Authenticate(authReq(first.AccessToken), ScopeRead); err != nil {
		t.Fatalf("fresh token: %v", err)
	}
	if _, err := e.o.Token(ctx, req); tokenErrCode(err) != "invalid_grant" {
		t.Fatalf("reuse: %v, want invalid_grant", err)
	}
	if _, err := e.o.Authenticate(authReq(first.AccessToken), ScopeRead); apperr.StatusOf(err) != http.StatusUnauthorized {
		t.Fatalf("token of a replayed code: %v, want 401", err)
	}
}

func TestScopeEscalation(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	app, secret := e.registerApp(t, "read write:statuses", "https://app.test/cb")
	for _, scope := range []string{"read write", "read push", "follow", "write:media", "bogus"} {
		_, err := e.o.Authorize(ctx, AuthorizeRequest{ClientID: app.ClientID, Scope: scope}, e.alice)
		if apperr.StatusOf(err) != http.StatusBadRequest {
			t.Errorf("authorize %q: %v, want 400", scope, err)
		}
		_, err = e.o.Token(ctx, TokenRequest{GrantType: "client_credentials", ClientID: app.ClientID, ClientSecret: secret, Scope: scope})
		if tokenErrCode(err) != "invalid_scope" {
			t.Errorf("client_credentials %q: %v, want invalid_scope", scope, err)
		}
	}
	for _, scope := range []string{"", "read", "read:statuses write:statuses", "read+write:statuses"} {
		if _, err := e.o.Authorize(ctx, AuthorizeRequest{ClientID: app.ClientID, Scope: scope}, e.alice); err != nil {
			t.Errorf("authorize %q: %v", scope, err)
		}
	}
	// The token carries the code's scopes, whatever the token request says (Ice Cubes and Elk repeat scope).
	code := e.codeFor(t, AuthorizeRequest{ClientID: app.ClientID, Scope: "read:statuses"})
	resp, err := e.o.Token(ctx, TokenRequest{GrantType: "authorization_code", Code: code, ClientID: app.ClientID,
		ClientSecret: secret, Scope: "read write"})
	if err != nil || resp.Scope != "read:statuses" {
		t.Fatalf("token scope %q, %v", resp.Scope, err)
	}
}

func TestClientCredentials(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	app, secret := e.registerApp(t, "read write", "https://app.test/cb")
	if _, err := e.o.Token(ctx, TokenRequest{GrantType: "client_credentials", ClientID: app.ClientID}); tokenErrCode(err) != "invalid_client" {
		t.Fatalf("without secret: %v", err)
	}
	resp, err := e.o.Token(ctx, TokenRequest{GrantType: "client_credentials", ClientID: app.ClientID, ClientSecret: secret})
	if err != nil || resp.Scope != "read" {
		t.Fatalf("default scope: %+v, %v", resp, err)
	}
	g, err := e.o.Authenticate(authReq(resp.AccessToken), ScopeReadStatuses)
	if err != nil || g.AccountID != 0 || g.AppID != app.ID {
		t.Fatalf("app token grant %+v, %v", g, err)
	}
	if _, err := e.o.AuthenticateUser(authReq(resp.AccessToken), ScopeReadStatuses); apperr.StatusOf(err) != http.StatusUnprocessableEntity ||
		apperr.MessageOf(err) != "This method requires an authenticated user" {
		t.Fatalf("app token on a user endpoint: %v, want 422", err)
	}
	verified, err := e.o.VerifyAppToken(authReq(resp.AccessToken))
	if err != nil || verified.ID != app.ID {
		t.Fatalf("verify app token: %+v, %v", verified, err)
	}
}

func authReq(token string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/api/v1/timelines/home", nil)
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	return r
}

func TestAuthenticate(t *testing.T) {
	e := newEnv(t)
	_, readTok := e.userToken(t, "read")
	_, profileTok := e.userToken(t, "profile")
	_, writeTok := e.userToken(t, "write follow")
	cases := []struct {
		name    string
		req     *http.Request
		need    Scope
		status  int
		message string
	}{
		{"read token on read scope", authReq(readTok), ScopeReadStatuses, 0, ""},
		{"read token on write scope", authReq(readTok), ScopeWriteStatuses, 403, "This action is outside the authorized scopes"},
		{"write token on write:media", authReq(writeTok), ScopeWriteMedia, 0, ""},
		{"follow grants write:blocks", authReq(writeTok), ScopeWriteBlocks, 0, ""},
		{"write token on read", authReq(writeTok), ScopeReadStatuses, 403, "This action is outside the authorized scopes"},
		{"profile token on verify_credentials", authReq(profileTok), ScopeProfile, 0, ""},
		{"profile token on read:accounts", authReq(profileTok), ScopeReadAccounts, 403, "This action is outside the authorized scopes"},
		{"no token", authReq(""), ScopeRead, 401, "The access token is invalid"},
		{"unknown token", authReq("garbage"), ScopeRead, 401, "The access token is invalid"},
		{"oversize token", authReq(strings.Repeat("x", 1000)), ScopeRead, 401, "The access token is invalid"},
		{"basic auth is no token", func() *http.Request { r := authReq(""); r.SetBasicAuth("a", "b"); return r }(), ScopeRead, 401, "The access token is invalid"},
		{"lower-case bearer", func() *http.Request { r := authReq(""); r.Header.Set("Authorization", "bearer "+readTok); return r }(), ScopeRead, 0, ""},
		{"query access_token (streaming)", httptest.NewRequest(http.MethodGet, "/api/v1/streaming?access_token="+url.QueryEscape(readTok), nil), ScopeRead, 0, ""},
		{"no scope needed", authReq(writeTok), "", 0, ""},
	}
	for _, tc := range cases {
		g, err := e.o.Authenticate(tc.req, tc.need)
		if tc.status == 0 {
			if err != nil || g.AccountID != e.alice || g.TokenID == 0 {
				t.Errorf("%s: grant %+v, err %v", tc.name, g, err)
			}
			continue
		}
		if apperr.StatusOf(err) != tc.status || apperr.MessageOf(err) != tc.message {
			t.Errorf("%s: err = %v (%d), want %d %q", tc.name, err, apperr.StatusOf(err), tc.status, tc.message)
		}
	}
	if _, err := e.o.Authenticate(authReq(""), ScopeRead); !errors.Is(err, ErrNoToken) {
		t.Errorf("missing token: %v lacks ErrNoToken", err)
	}
	if _, err := e.o.Authenticate(authReq("garbage"), ScopeRead); errors.Is(err, ErrNoToken) {
		t.Errorf("bad token reported as missing")
	}
}

func TestAuthenticateDisabledUser(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	bob := e.addUser(t, "bob", "pw", true)
	app, secret := e.registerApp(t, "read", "https://app.test/cb")
	a, err := e.o.Authorize(ctx, AuthorizeRequest{ClientID: app.ClientID}, bob)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := e.o.Token(ctx, TokenRequest{GrantType: "authorization_code", Code: a.Code, ClientID: app.ClientID, ClientSecret: secret})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.o.Authenticate(authReq(resp.AccessToken), ScopeRead); apperr.StatusOf(err) != http.StatusForbidden {
		t.Fatalf("disabled user: %v, want 403", err)
	}
}

func TestRevoke(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	app, tok := e.userToken(t, "read")
	other, otherSecret := e.registerApp(t, "read", "https://other.test/cb")
	var te *TokenError
	if err := e.o.Revoke(ctx, other.ClientID, otherSecret, tok); !errors.As(err, &te) || te.Status != http.StatusForbidden {
		t.Fatalf("another client's token: %v, want 403", err)
	}
	if err := e.o.Revoke(ctx, app.ClientID, "wrong", tok); tokenErrCode(err) != "invalid_client" {
		t.Fatalf("wrong secret: %v", err)
	}
	if err := e.o.Revoke(ctx, app.ClientID, "", "unknown-token"); err != nil {
		t.Fatalf("unknown token: %v, want success (RFC 7009)", err)
	}
	if _, err := e.o.Authenticate(authReq(tok), ScopeRead); err != nil {
		t.Fatalf("token revoked too early: %v", err)
	}
	status, body := e.send(t, "/oauth/revoke", formType, form("client_id", app.ClientID, "token", tok), nil)
	if status != http.StatusOK || len(body) != 0 {
		t.Fatalf("revoke: %d %v", status, body)
	}
	_, err := e.o.Authenticate(authReq(tok), ScopeRead)
	if apperr.StatusOf(err) != http.StatusUnauthorized || apperr.MessageOf(err) != "The access token was revoked" {
		t.Fatalf("revoked token: %v, want 401", err)
	}
	if err := e.o.Revoke(ctx, app.ClientID, "", tok); err != nil {
		t.Fatalf("revoking twice: %v", err)
	}
}

func TestLastUsedAtWrittenAtMostOncePerMinute(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, tok := e.userToken(t, "read")
	lastUsed := func() time.Time {
		rec, err := e.db.OAuthTokenByHash(ctx, digest(tok))
		if err != nil {
			t.Fatal(err)
		}
		return rec.LastUsedAt
	}
	start := e.clock.Now()
	if _, err := e.o.Authenticate(authReq(tok), ScopeRead); err != nil {
		t.Fatal(err)
	}
	if !lastUsed().Equal(start) {
		t.Fatalf("first use not recorded: %v", lastUsed())
	}
	e.clock.Advance(30 * time.Second)
	e.o.Authenticate(authReq(tok), ScopeRead)
	if !lastUsed().Equal(start) {
		t.Fatalf("recorded again within a minute: %v", lastUsed())
	}
	e.clock.Advance(31 * time.Second)
	e.o.Authenticate(authReq(tok), ScopeRead)
	if !lastUsed().Equal(start.Add(61 * time.Second)) {
		t.Fatalf("not recorded after a minute: %v", lastUsed())
	}
}

func TestTokenEndpointHTTPErrors(t *testing.T) {
	e := newEnv(t)
	app, secret := e.registerApp(t, "read", "https://app.test/cb")
	cases := []struct {
		name, ct, body string
		edit           func(*http.Request)
		status         int
		code           string
	}{
		{"wrong secret in body", formType, form("grant_type", "client_credentials", "client_id", app.ClientID, "client_secret", "x"), nil, 401, "invalid_client"},
		{"wrong secret in basic", formType, form("grant_type", "client_credentials"), func(r *http.Request) { r.SetBasicAuth(app.ClientID, "x") }, 401, "invalid_client"},
		{"password grant", "application/json", `{"grant_type":"password","username":"alice","password":"x"}`, nil, 400, "unsupported_grant_type"},
		{"bad code", "application/json", `{"grant_type":"authorization_code","code":"x","client_id":"` + app.ClientID + `","client_secret":"` + secret + `"}`, nil, 400, "invalid_grant"},
		{"bad scope", formType, form("grant_type", "client_credentials", "client_id", app.ClientID, "client_secret", secret, "scope", "write"), nil, 400, "invalid_scope"},
		{"malformed JSON", "application/json", `{"grant_type":`, nil, 400, "invalid_request"},
		{"oversize body", formType, "grant_type=" + strings.Repeat("x", defaultMaxBody+1), nil, 413, "invalid_request"},
		{"params in query string", formType, "", func(r *http.Request) {
			r.URL.RawQuery = form("grant_type", "client_credentials", "client_id", app.ClientID, "client_secret", secret)
		}, 200, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body := e.send(t, "/oauth/token", tc.ct, tc.body, func(r *http.Request) {
				if tc.edit != nil {
					tc.edit(r)
				}
			})
			if status != tc.status || (tc.code != "" && body["error"] != tc.code) {
				t.Fatalf("got %d %v, want %d %s", status, body, tc.status, tc.code)
			}
			if tc.code != "" && body["error_description"] == nil {
				t.Fatalf("no error_description: %v", body)
			}
		})
	}
}

func TestBasicAuthFailureAsksForBasic(t *testing.T) {
	e := newEnv(t)
	app, _ := e.registerApp(t, "read", "https://app.test/cb")
	for _, basic := range []bool{true, false} {
		body := form("grant_type", "client_credentials", "client_id", app.ClientID, "client_secret", "wrong")
		r := httptest.NewRequest(http.MethodPost, "/oauth/token", strings.NewReader(body))
		r.Header.Set("Content-Type", formType)
		if basic {
			r.SetBasicAuth(app.ClientID, "wrong")
		}
		w := httptest.NewRecorder()
		e.o.HandleToken(w, r)
		if w.Code != http.StatusUnauthorized || (w.Header().Get("WWW-Authenticate") != "") != basic {
			t.Fatalf("basic=%v: %d, WWW-Authenticate %q", basic, w.Code, w.Header().Get("WWW-Authenticate"))
		}
		if w.Header().Get("Cache-Control") != "no-store" {
			t.Fatalf("error response cacheable: %q", w.Header().Get("Cache-Control"))
		}
	}
}

func TestAppsEndpointErrors(t *testing.T) {
	e := newEnv(t)
	status, body := e.send(t, "/api/v1/apps", "application/json", `{"client_name":"x","redirect_uris":"ftp:x#y"}`, nil)
	if status != http.StatusUnprocessableEntity || !strings.HasPrefix(body["error"].(string), "Validation failed") {
		t.Fatalf("bad redirect: %d %v", status, body)
	}
	status, body = e.send(t, "/api/v1/apps", "application/json", `{"client_name":`, nil)
	if status != http.StatusBadRequest || body["error"] == nil {
		t.Fatalf("malformed JSON: %d %v", status, body)
	}
	status, body = e.do(t, http.MethodGet, "/api/v1/apps/verify_credentials", "", "", nil)
	if status != http.StatusUnauthorized || body["error"] != "The access token is invalid" {
		t.Fatalf("verify without token: %d %v", status, body)
	}
}

// Admin scopes are granted to administrators only: a user's grant leaves
// them out (the token response says so), a request for them alone is
// refused, and only a token of a current administrator carries them.
func TestAdminScopesOnlyForAdmins(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const cb = "https://app.test/cb"
	app, secret := e.registerApp(t, "read write admin:read admin:write", cb)
	exchange := func(account int64, scope string) (TokenResponse, error) {
		t.Helper()
		a, err := e.o.Authorize(ctx, AuthorizeRequest{ClientID: app.ClientID, RedirectURI: cb, Scope: scope}, account)
		if err != nil {
			return TokenResponse{}, err
		}
		return e.o.Token(ctx, TokenRequest{GrantType: "authorization_code", Code: a.Code, ClientID: app.ClientID,
			ClientSecret: secret, RedirectURI: cb})
	}
	resp, err := exchange(e.alice, "read admin:read admin:write:accounts")
	if err != nil || resp.Scope != "read" {
		t.Fatalf("a user's grant: scope %q, %v; want read", resp.Scope, err)
	}
	if _, err := exchange(e.alice, "admin:read"); apperr.StatusOf(err) != http.StatusForbidden {
		t.Fatalf("admin scopes alone for a user: %v, want 403", err)
	}
	root := store.Account{Username: "root", URI: "https://pictor.test/users/root"}
	err = e.db.Write(ctx, func(tx *store.Tx) error {
		if err := tx.InsertAccount(ctx, &root); err != nil {
			return err
		}
		return tx.InsertUser(ctx, &store.User{AccountID: root.ID, PasswordHash: "x", Admin: true})
	})
	if err != nil {
		t.Fatal(err)
	}
	resp, err = exchange(root.ID, "read admin:read")
	if err != nil || resp.Scope != "read admin:read" {
		t.Fatalf("an admin's grant: scope %q, %v", resp.Scope, err)
	}
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	bearer(resp.AccessToken)(req)
	if _, err := e.o.Authenticate(req, "admin:read:accounts"); err != nil {
		t.Fatalf("admin token: %v", err)
	}
	// An app-only token has no administrator behind it.
	cc, err := e.o.Token(ctx, TokenRequest{GrantType: "client_credentials", ClientID: app.ClientID,
		ClientSecret: secret, Scope: "read admin:read"})
	if err != nil {
		t.Fatal(err)
	}
	req = httptest.NewRequest(http.MethodGet, "/", nil)
	bearer(cc.AccessToken)(req)
	if _, err := e.o.Authenticate(req, "admin:read:accounts"); apperr.StatusOf(err) != http.StatusForbidden {
		t.Fatalf("app-only token with admin:read: %v, want 403", err)
	}
	if _, err := e.o.Authenticate(req, ScopeRead); err != nil {
		t.Fatalf("its other scopes: %v", err)
	}
}
