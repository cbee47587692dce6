package auth

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gorilla/mux"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/store"
)

// Routes mounts the JSON endpoints of the OAuth server on r:
// POST /api/v1/apps, GET /api/v1/apps/verify_credentials, POST /oauth/token,
// POST /oauth/revoke and GET /.well-known/oauth-authorization-server.
// CORS and OPTIONS preflights are the server's middleware (checklist 72).
func (o *OAuth) Routes(r *mux.Router) {
	r.HandleFunc("/api/v1/apps", o.HandleCreateApp).Methods(http.MethodPost)
	r.HandleFunc("/api/v1/apps/verify_credentials", o.HandleVerifyApp).Methods(http.MethodGet)
	r.HandleFunc("/oauth/token", o.HandleToken).Methods(http.MethodPost)
	r.HandleFunc("/oauth/revoke", o.HandleRevoke).Methods(http.MethodPost)
	r.HandleFunc("/.well-known/oauth-authorization-server", o.HandleMetadata).Methods(http.MethodGet, http.MethodHead)
}

// AppEntity is Mastodon's Application JSON. The client fields are omitted
// where Mastodon omits them (verify_credentials).
type AppEntity struct {
	ID                    string   `json:"id"`
	Name                  string   `json:"name"`
	Website               *string  `json:"website"`
	Scopes                Scopes   `json:"scopes"`
	RedirectURI           string   `json:"redirect_uri"`
	RedirectURIs          []string `json:"redirect_uris"`
	ClientID              string   `json:"client_id,omitempty"`
	ClientSecret          string   `json:"client_secret,omitempty"`
	ClientSecretExpiresAt *int64   `json:"client_secret_expires_at,omitempty"`
	VapidKey              string   `json:"vapid_key"`
}

// Entity renders the app; a non-empty secret (only right after
// registration) adds client_id, client_secret and client_secret_expires_at.
func (a App) Entity(secret string) AppEntity {
	e := AppEntity{ID: store.FormatID(a.ID), Name: a.Name, Scopes: a.Scopes, RedirectURI: strings.Join(a.RedirectURIs, "\n"),
		RedirectURIs: a.RedirectURIs}
	if a.Website != "" {
		e.Website = &a.Website
	}
	if secret != "" {
		never := int64(0)
		e.ClientID, e.ClientSecret, e.ClientSecretExpiresAt = a.ClientID, secret, &never
	}
	return e
}

// HandleCreateApp serves POST /api/v1/apps from a form, multipart or JSON
// body (interop.md C.1); errors are Mastodon JSON ({"error": …}).
func (o *OAuth) HandleCreateApp(w http.ResponseWriter, r *http.Request) {
	p, err := readParams(w, r, o.opts.MaxBodyBytes)
	if err != nil {
		o.writeAPIError(w, err)
		return
	}
	uris := append(p["redirect_uris"], p["redirect_uris[]"]...)
	if len(uris) == 0 {
		uris = p["redirect_uri"]
	}
	scopes := strings.Join(append(p["scopes"], p["scopes[]"]...), " ")
	req := AppRequest{ClientName: p.Get("client_name"), RedirectURIs: uris, Scopes: scopes, Website: p.Get("website")}
	app, secret, err := o.RegisterApp(r.Context(), req)
	if err != nil {
		o.writeAPIError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, o.withVapid(app.Entity(secret)))
}

// withVapid adds the Web Push key for apps that may subscribe.
func (o *OAuth) withVapid(e AppEntity) AppEntity {
	if e.Scopes.Has(ScopePush) {
		e.VapidKey = o.opts.VapidKey
	}
	return e
}

// HandleVerifyApp serves GET /api/v1/apps/verify_credentials.
func (o *OAuth) HandleVerifyApp(w http.ResponseWriter, r *http.Request) {
	app, err := o.VerifyAppToken(r)
	if err != nil {
		o.writeAPIError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, o.withVapid(app.Entity("")))
}

// HandleToken serves POST /oauth/token from a form, multipart or JSON body,
// with client credentials in the body or in HTTP Basic auth. Errors are
// RFC 6749 JSON.
func (o *OAuth) HandleToken(w http.ResponseWriter, r *http.Request) {
	p, err := readParams(w, r, o.opts.MaxBodyBytes)
	if err != nil {
		o.writeTokenError(w, r, err)
		return
	}
	id, secret := clientCredentials(r, p)
	resp, err := o.Token(r.Context(), TokenRequest{GrantType: p.Get("grant_type"), Code: p.Get("code"),
		RedirectURI: p.Get("redirect_uri"), ClientID: id, ClientSecret: secret,
		CodeVerifier: p.Get("code_verifier"), Scope: strings.Join(p["scope"], " ")})
	if err != nil {
		o.writeTokenError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, resp)
}

// HandleRevoke serves POST /oauth/revoke (RFC 7009); success is 200 {}.
func (o *OAuth) HandleRevoke(w http.ResponseWriter, r *http.Request) {
	p, err := readParams(w, r, o.opts.MaxBodyBytes)
	if err != nil {
		o.writeTokenError(w, r, err)
		return
	}
	id, secret := clientCredentials(r, p)
	if err := o.Revoke(r.Context(), id, secret, p.Get("token")); err != nil {
		o.writeTokenError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct{}{})
}

// Metadata is the RFC 8414 authorization server metadata document.
type Metadata struct {
	Issuer                            string   `json:"issuer"`
	AuthorizationEndpoint             string   `json:"authorization_endpoint"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	RevocationEndpoint                string   `json:"revocation_endpoint"`
	AppRegistrationEndpoint           string   `json:"app_registration_endpoint"`
	ScopesSupported                   Scopes   `json:"scopes_supported"`
	ResponseTypesSupported            []string `json:"response_types_supported"`
	ResponseModesSupported            []string `json:"response_modes_supported"`
	CodeChallengeMethodsSupported     []string `json:"code_challenge_methods_supported"`
	GrantTypesSupported               []string `json:"grant_types_supported"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
}

// Metadata returns the RFC 8414 document for this server. Phanpy uses PKCE
// only when code_challenge_methods_supported lists S256 (interop.md C.1).
func (o *OAuth) Metadata() Metadata {
	base := o.opts.BaseURL
	return Metadata{
		Issuer: base + "/", AuthorizationEndpoint: base + "/oauth/authorize", TokenEndpoint: base + "/oauth/token",
		RevocationEndpoint: base + "/oauth/revoke", AppRegistrationEndpoint: base + "/api/v1/apps",
		ScopesSupported:                   SupportedScopes(),
		ResponseTypesSupported:            []string{"code"},
		ResponseModesSupported:            []string{"query", "fragment", "form_post"},
		CodeChallengeMethodsSupported:     []string{"S256"},
		GrantTypesSupported:               []string{"authorization_code", "client_credentials"},
		TokenEndpointAuthMethodsSupported: []string{"client_secret_basic", "client_secret_post", "none"},
	}
}

// HandleMetadata serves GET /.well-known/oauth-authorization-server.
func (o *OAuth) HandleMetadata(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=3600")
	writeJSON(w, http.StatusOK, o.Metadata())
}

// clientCredentials takes the client id and secret from HTTP Basic auth
// (form-encoded inside, RFC 6749 §2.3.1) or else from the body.
func clientCredentials(r *http.Request, p url.Values) (id, secret string) {
	if u, pw, ok := r.BasicAuth(); ok {
		if v, err := url.QueryUnescape(u); err == nil {
			u = v
		}
		if v, err := url.QueryUnescape(pw); err == nil {
			pw = v
		}
		return u, pw
	}
	return p.Get("client_id"), p.Get("client_secret")
}

func (o *OAuth) writeAPIError(w http.ResponseWriter, err error) {
	status := apperr.StatusOf(err)
	if status == http.StatusInternalServerError {
		o.opts.Log.Error("oauth request failed", "err", err)
	}
	writeJSON(w, status, map[string]string{"error": apperr.MessageOf(err)})
}

func (o *OAuth) writeTokenError(w http.ResponseWriter, r *http.Request, err error) {
	var te *TokenError
	if !errors.As(err, &te) {
		if _, ok := apperr.As(err); !ok && apperr.StatusOf(err) == http.StatusInternalServerError {
			o.opts.Log.Error("oauth token request failed", "err", err)
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "server_error",
				"error_description": "The authorization server encountered an unexpected condition."})
			return
		}
		te = &TokenError{Code: "invalid_request", Description: apperr.MessageOf(err), Status: apperr.StatusOf(err)}
	}
	if te.Status == http.StatusUnauthorized && r.Header.Get("Authorization") != "" {
		w.Header().Set("WWW-Authenticate", `Basic realm="oauth"`)
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, te.Status, map[string]string{"error": te.Code, "error_description": te.Description})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client went away; nothing to do
}
