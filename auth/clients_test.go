package auth

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/pictor-social/pictor/internal/apperr"
)

// clientCase is one real app's login, with bodies shaped as that app sends
// them (interop.md C.1).
type clientCase struct {
	name        string
	regType     string // Content-Type of POST /api/v1/apps
	regBody     string
	redirect    string // redirect_uri the app then uses
	wantURIs    []string
	wantScopes  Scopes
	authScope   string
	pkce        bool
	tokenType   string
	tokenBody   func(t *testing.T, id, secret, code string) string
	basicAuth   bool // send client credentials with HTTP Basic instead of in the body
	wantTokenSc string
}

const formType = "application/x-www-form-urlencoded"

func form(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v.Encode()
}

const dropinsScopes = "read read:accounts read:blocks read:bookmarks read:favourites read:filters read:follows " +
	"read:lists read:mutes read:notifications read:search read:statuses write write:accounts write:blocks " +
	"write:bookmarks write:conversations write:favourites write:filters write:follows write:lists write:media " +
	"write:mutes write:notifications write:reports write:statuses push"

func clientCases() []clientCase {
	rwfp := Scopes{ScopeRead, ScopeWrite, ScopeFollow, ScopePush}
	return []clientCase{{
		name:    "Tusky form",
		regType: formType,
		regBody: form("client_name", "Tusky", "redirect_uris", "oauth2redirect://com.keylesspalace.tusky/",
			"scopes", "read write follow push", "website", "https://tusky.app"),
		redirect: "oauth2redirect://com.keylesspalace.tusky/", wantURIs: []string{"oauth2redirect://com.keylesspalace.tusky/"},
		wantScopes: rwfp, authScope: "read write follow push", tokenType: formType,
		tokenBody: func(_ *testing.T, id, secret, code string) string {
			return form("client_id", id, "client_secret", secret, "redirect_uri", "oauth2redirect://com.keylesspalace.tusky/",
				"code", code, "grant_type", "authorization_code")
		},
		wantTokenSc: "read write follow push",
	}, {
		name:     "Ice Cubes JSON with scope",
		regType:  "application/json",
		regBody:  `{"client_name":"IceCubesApp","redirect_uris":"icecubesapp://","scopes":"read write follow push","website":"https://github.com/Dimillian/IceCubesApp"}`,
		redirect: "icecubesapp://", wantURIs: []string{"icecubesapp://"}, wantScopes: rwfp,
		authScope: "read write follow push", tokenType: "application/json",
		tokenBody: func(t *testing.T, id, secret, code string) string {
			return jsonBody(t, map[string]any{"grant_type": "authorization_code", "client_id": id, "client_secret": secret,
				"redirect_uri": "icecubesapp://", "code": code, "scope": "read write follow push"})
		},
		wantTokenSc: "read write follow push",
	}, {
		name:     "Elk JSON",
		regType:  "application/json",
		regBody:  `{"client_name":"Elk","website":"https://elk.zone","redirect_uris":"https://elk.zone/api/mastodon.social/oauth/https%3A%2F%2Felk.zone","scopes":"read write follow push"}`,
		redirect: "https://elk.zone/api/mastodon.social/oauth/https%3A%2F%2Felk.zone",
		wantURIs: []string{"https://elk.zone/api/mastodon.social/oauth/https%3A%2F%2Felk.zone"}, wantScopes: rwfp,
		authScope: "read write follow push", tokenType: "application/json; charset=utf-8",
		tokenBody: func(t *testing.T, id, secret, code string) string {
			return jsonBody(t, map[string]any{"client_id": id, "client_secret": secret, "code": code,
				"grant_type": "authorization_code", "redirect_uri": "https://elk.zone/api/mastodon.social/oauth/https%3A%2F%2Felk.zone",
				"scope": "read write follow push"})
		},
		wantTokenSc: "read write follow push",
	}, {
		name:    "Phanpy form with client_secret and code_verifier",
		regType: formType,
		regBody: form("client_name", "Phanpy", "redirect_uris", "https://phanpy.social/", "scopes", "read write follow push",
			"website", "https://phanpy.social"),
		redirect: "https://phanpy.social/", wantURIs: []string{"https://phanpy.social/"}, wantScopes: rwfp,
		authScope: "read write follow push", pkce: true, tokenType: formType,
		tokenBody: func(_ *testing.T, id, secret, code string) string {
			return form("redirect_uri", "https://phanpy.social/", "grant_type", "authorization_code", "client_id", id,
				"client_secret", secret, "code", code, "code_verifier", pkceVerifierFixture)
		},
		wantTokenSc: "read write follow push",
	}, {
		name:     "toot JSON with oob",
		regType:  "application/json",
		regBody:  `{"client_name":"toot - a Mastodon CLI client","redirect_uris":"urn:ietf:wg:oauth:2.0:oob","scopes":"read write follow","website":"https://github.com/ihabunek/toot"}`,
		redirect: OOBRedirectURI, wantURIs: []string{OOBRedirectURI},
		wantScopes: Scopes{ScopeRead, ScopeWrite, ScopeFollow}, authScope: "read write follow", tokenType: formType,
		tokenBody: func(_ *testing.T, id, secret, code string) string {
			return form("grant_type", "authorization_code", "client_id", id, "client_secret", secret, "code", code,
				"redirect_uri", OOBRedirectURI)
		},
		wantTokenSc: "read write follow",
	}, {
		name:    "oauth-dropins form, newline-separated redirects, granular scopes",
		regType: formType,
		regBody: form("client_name", "Bridgy Fed", "redirect_uris", "https://fed.brid.gy/mastodon/finish\nhttps://fed.brid.gy/mastodon/finish_other",
			"scopes", dropinsScopes, "website", "https://fed.brid.gy/"),
		redirect:  "https://fed.brid.gy/mastodon/finish",
		wantURIs:  []string{"https://fed.brid.gy/mastodon/finish", "https://fed.brid.gy/mastodon/finish_other"},
		authScope: "read:accounts write:statuses", tokenType: formType,
		tokenBody: func(_ *testing.T, id, secret, code string) string {
			return form("client_id", id, "client_secret", secret, "code", code, "grant_type", "authorization_code",
				"redirect_uri", "https://fed.brid.gy/mastodon/finish")
		},
		wantTokenSc: "read:accounts write:statuses",
	}, {
		name:     "Ivory-style reverse-DNS scheme, JSON array, Basic auth",
		regType:  "application/json",
		regBody:  `{"client_name":"Ivory for iOS","redirect_uris":["com.tapbots.Ivory.19:/request_token"],"scopes":"read write follow push"}`,
		redirect: "com.tapbots.Ivory.19:/request_token", wantURIs: []string{"com.tapbots.Ivory.19:/request_token"},
		wantScopes: rwfp, authScope: "read write", tokenType: formType, basicAuth: true,
		tokenBody: func(_ *testing.T, _, _, code string) string {
			return form("grant_type", "authorization_code", "code", code, "redirect_uri", "com.tapbots.Ivory.19:/request_token")
		},
		wantTokenSc: "read write",
	}, {
		name:     "multipart form, repeated redirect_uris[]",
		regType:  "multipart",
		regBody:  "client_name=Multi|redirect_uris[]=https://m.test/a|redirect_uris[]=https://m.test/b|scopes=read+write",
		redirect: "https://m.test/b", wantURIs: []string{"https://m.test/a", "https://m.test/b"},
		wantScopes: Scopes{ScopeRead, ScopeWrite}, authScope: "", tokenType: "multipart",
		tokenBody: func(_ *testing.T, id, secret, code string) string {
			return "grant_type=authorization_code|client_id=" + id + "|client_secret=" + secret + "|code=" + code
		},
		wantTokenSc: "read",
	}}
}

// multipartBody turns "k=v|k=v" into a multipart body.
func multipartBody(t *testing.T, spec string) (string, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, kv := range strings.Split(spec, "|") {
		k, v, _ := strings.Cut(kv, "=")
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	mw.Close()
	return mw.FormDataContentType(), buf.String()
}

func (e *testEnv) send(t *testing.T, path, ct, body string, edit func(*http.Request)) (int, map[string]any) {
	t.Helper()
	if ct == "multipart" {
		ct, body = multipartBody(t, body)
	}
	return e.do(t, http.MethodPost, path, ct, body, edit)
}

func TestClientLogins(t *testing.T) {
	for _, tc := range clientCases() {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			status, app := e.send(t, "/api/v1/apps", tc.regType, tc.regBody, nil)
			if status != http.StatusOK {
				t.Fatalf("register: %d %v", status, app)
			}
			checkAppJSON(t, app, tc.wantURIs, tc.wantScopes)
			id, secret := app["client_id"].(string), app["client_secret"].(string)

			req := AuthorizeRequest{ResponseType: "code", ClientID: id, RedirectURI: tc.redirect, Scope: tc.authScope, State: "xyz"}
			if tc.pkce {
				req.CodeChallenge, req.CodeChallengeMethod = pkceChallengeFixture, "S256"
			}
			res, err := e.o.Authorize(context.Background(), req, e.alice)
			if err != nil {
				t.Fatalf("authorize: %v", err)
			}
			checkRedirect(t, res, tc.redirect)

			edit := func(*http.Request) {}
			if tc.basicAuth {
				edit = func(r *http.Request) { r.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret)) }
			}
			status, tok := e.send(t, "/oauth/token", tc.tokenType, tc.tokenBody(t, id, secret, res.Code), edit)
			if status != http.StatusOK {
				t.Fatalf("token: %d %v", status, tok)
			}
			if tok["token_type"] != "Bearer" || tok["scope"] != tc.wantTokenSc || tok["access_token"] == "" ||
				tok["created_at"] != float64(e.clock.Now().Unix()) {
				t.Fatalf("token response %v", tok)
			}
			status, verified := e.do(t, http.MethodGet, "/api/v1/apps/verify_credentials", "", "", bearer(tok["access_token"].(string)))
			if status != http.StatusOK || verified["name"] != app["name"] || verified["client_secret"] != nil {
				t.Fatalf("verify_credentials: %d %v", status, verified)
			}
		})
	}
}

func checkAppJSON(t *testing.T, app map[string]any, uris []string, scopes Scopes) {
	t.Helper()
	for _, k := range []string{"id", "name", "website", "scopes", "redirect_uri", "redirect_uris", "client_id",
		"client_secret", "client_secret_expires_at", "vapid_key"} {
		if _, ok := app[k]; !ok {
			t.Errorf("app JSON lacks %q: %v", k, app)
		}
	}
	if _, ok := app["id"].(string); !ok {
		t.Errorf("id is not a string: %v", app["id"])
	}
	if app["client_secret_expires_at"] != float64(0) || app["vapid_key"] != "" {
		t.Errorf("client_secret_expires_at/vapid_key: %v", app)
	}
	if app["redirect_uri"] != strings.Join(uris, "\n") || fmt.Sprint(app["redirect_uris"]) != fmt.Sprint(uris) {
		t.Errorf("redirect uris %q / %v, want %v", app["redirect_uri"], app["redirect_uris"], uris)
	}
	if scopes != nil && fmt.Sprint(app["scopes"]) != fmt.Sprint([]Scope(scopes)) {
		t.Errorf("scopes %v, want %v", app["scopes"], scopes)
	}
}

func checkRedirect(t *testing.T, res Authorization, registered string) {
	t.Helper()
	if res.Code == "" || res.Params.Get("state") != "xyz" || res.Params.Get("code") != res.Code {
		t.Fatalf("authorization %+v", res)
	}
	if registered == OOBRedirectURI {
		if res.Mode != "oob" || res.URL() != "" {
			t.Fatalf("oob authorization %+v, url %q", res, res.URL())
		}
		return
	}
	want := registered + "?code=" + url.QueryEscape(res.Code) + "&state=xyz"
	if got := res.URL(); got != want {
		t.Fatalf("redirect = %q, want %q", got, want)
	}
}

func TestAuthorizeResponseModesAndDeny(t *testing.T) {
	e := newEnv(t)
	app, _ := e.registerApp(t, "read", "https://app.test/cb?x=1")
	ctx := context.Background()
	base := AuthorizeRequest{ClientID: app.ClientID, State: "s 1"}
	res, err := e.o.Authorize(ctx, base, e.alice) // redirect_uri defaults to the only registered one
	if err != nil || !strings.HasPrefix(res.URL(), "https://app.test/cb?x=1&code=") || !strings.HasSuffix(res.URL(), "&state=s+1") {
		t.Fatalf("query mode: %q, %v", res.URL(), err)
	}
	frag := base
	frag.ResponseMode = "fragment"
	if res, _ := e.o.Authorize(ctx, frag, e.alice); !strings.HasPrefix(res.URL(), "https://app.test/cb?x=1#code=") {
		t.Fatalf("fragment mode: %q", res.URL())
	}
	post := base
	post.ResponseMode = "form_post"
	if res, _ := e.o.Authorize(ctx, post, e.alice); res.URL() != "" || res.Mode != "form_post" || res.Params.Get("code") == "" {
		t.Fatalf("form_post: %+v", res)
	}
	denied, err := e.o.Deny(ctx, base)
	if err != nil || denied.Code != "" || !strings.Contains(denied.URL(), "error=access_denied") || denied.Params.Get("state") != "s 1" {
		t.Fatalf("deny: %q, %v", denied.URL(), err)
	}
	for _, bad := range []AuthorizeRequest{
		{ClientID: app.ClientID, ResponseType: "token"},
		{ClientID: app.ClientID, ResponseMode: "web_message"},
		{ClientID: "unknown"},
		{ClientID: app.ClientID, RedirectURI: "https://app.test/cb"}, // not the exact registered string
		{ClientID: app.ClientID, CodeChallenge: pkceChallengeFixture, CodeChallengeMethod: "plain"},
		{ClientID: app.ClientID, CodeChallenge: "short", CodeChallengeMethod: "S256"},
		{ClientID: app.ClientID, CodeChallenge: pkceChallengeFixture},
	} {
		if _, _, err := e.o.ValidateAuthorizeRequest(ctx, bad); apperr.StatusOf(err) != http.StatusBadRequest {
			t.Errorf("%+v: err = %v, want 400", bad, err)
		}
		if _, err := e.o.Authorize(ctx, bad, e.alice); err == nil {
			t.Errorf("%+v: Authorize accepted it", bad)
		}
	}
}

func TestMetadata(t *testing.T) {
	e := newEnv(t)
	status, m := e.do(t, http.MethodGet, "/.well-known/oauth-authorization-server", "", "", nil)
	if status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	want := map[string]string{
		"issuer":                                "https://pictor.test/",
		"authorization_endpoint":                "https://pictor.test/oauth/authorize",
		"token_endpoint":                        "https://pictor.test/oauth/token",
		"revocation_endpoint":                   "https://pictor.test/oauth/revoke",
		"app_registration_endpoint":             "https://pictor.test/api/v1/apps",
		"response_types_supported":              "[code]",
		"response_modes_supported":              "[query fragment form_post]",
		"code_challenge_methods_supported":      "[S256]",
		"grant_types_supported":                 "[authorization_code client_credentials]",
		"token_endpoint_auth_methods_supported": "[client_secret_basic client_secret_post none]",
	}
	for k, v := range want {
		if got := fmt.Sprint(m[k]); got != v {
			t.Errorf("%s = %s, want %s", k, got, v)
		}
	}
	scopes, _ := m["scopes_supported"].([]any)
	for _, s := range []string{"read", "write", "follow", "push", "profile", "write:media", "read:statuses"} {
		if !slices.Contains(scopes, any(s)) {
			t.Errorf("scopes_supported lacks %s", s)
		}
	}
}
