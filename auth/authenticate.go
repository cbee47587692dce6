package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/store"
)

// ErrNoToken is in the chain of Authenticate's error when the request
// carried no token at all, so endpoints that also serve anonymous callers
// can tell "no token" from "bad token" with errors.Is.
var ErrNoToken = errors.New("no access token")

// Grant is what an access token allows: who (AccountID is 0 for an app-only
// client_credentials token), through which app, with which scopes.
type Grant struct {
	TokenID   int64
	AppID     int64
	AccountID int64
	Scopes    Scopes
}

// Authenticate reads the bearer token from the Authorization header, or
// from the access_token query parameter (the streaming API passes it so),
// and checks that it is live and grants need ("" checks no scope). Errors,
// with Mastodon's messages: 401 for a missing, unknown or revoked token
// (ErrNoToken in the chain when there was none), 403 for a disabled or
// suspended account and 403 for a missing scope. The token is read through
// the store's token cache, exact on write, so a revocation takes effect on
// the next request; last use is written at most once a minute per token.
func (o *OAuth) Authenticate(r *http.Request, need Scope) (Grant, error) {
	plain := bearerToken(r)
	if plain == "" {
		return Grant{}, apperr.Wrap(apperr.Unauthorized("The access token is invalid"), ErrNoToken)
	}
	if len(plain) > maxPresentedToken {
		return Grant{}, apperr.Unauthorized("The access token is invalid")
	}
	ctx := r.Context()
	tok, err := o.db.OAuthTokenByHash(ctx, digest(plain))
	if errors.Is(err, store.ErrNotFound) {
		return Grant{}, apperr.Unauthorized("The access token is invalid")
	}
	if err != nil {
		return Grant{}, fmt.Errorf("authenticate: %w", err)
	}
	if !tok.RevokedAt.IsZero() {
		return Grant{}, apperr.Unauthorized("The access token was revoked")
	}
	if tok.AccountDisabled {
		return Grant{}, apperr.Forbidden("Your login is currently disabled")
	}
	scopes, _ := Parse(tok.Scopes) // validated when issued
	if !tok.AccountAdmin {
		// Issued to an administrator since demoted, or to an app alone.
		scopes = scopes.WithoutAdmin()
	}
	if need != "" && !scopes.Has(need) {
		return Grant{}, apperr.Forbidden("This action is outside the authorized scopes")
	}
	o.touch(ctx, tok)
	return Grant{TokenID: tok.ID, AppID: tok.AppID, AccountID: tok.AccountID, Scopes: scopes}, nil
}

// AuthenticateUser is Authenticate for endpoints that act as a user: an
// app-only token is refused with 422 "This method requires an authenticated
// user", as Mastodon does.
func (o *OAuth) AuthenticateUser(r *http.Request, need Scope) (Grant, error) {
	g, err := o.Authenticate(r, need)
	if err != nil {
		return Grant{}, err
	}
	if g.AccountID == 0 {
		return Grant{}, apperr.Invalid("This method requires an authenticated user")
	}
	return g, nil
}

// VerifyAppToken returns the app behind the request's token, of any scope
// (GET /api/v1/apps/verify_credentials). It fails as Authenticate does.
func (o *OAuth) VerifyAppToken(r *http.Request) (App, error) {
	g, err := o.Authenticate(r, "")
	if err != nil {
		return App{}, err
	}
	a, err := o.db.OAuthAppByID(r.Context(), g.AppID)
	if err != nil {
		return App{}, fmt.Errorf("verify app token: %w", err)
	}
	return appFromStore(a), nil
}

// BearerToken returns the access token the request presents, as
// Authenticate reads it, or "".
func BearerToken(r *http.Request) string { return bearerToken(r) }

func bearerToken(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, ok := strings.Cut(h, " ")
		if ok && strings.EqualFold(scheme, "Bearer") {
			return strings.TrimSpace(tok)
		}
		return ""
	}
	return r.URL.Query().Get("access_token")
}

// touch records the token's use unless it was recorded within the last
// minute. A failure is logged, not returned: bookkeeping must not refuse a
// valid token.
func (o *OAuth) touch(ctx context.Context, tok store.OAuthToken) {
	now := o.now()
	if now.Sub(tok.LastUsedAt) < touchEvery {
		return
	}
	err := o.db.Write(ctx, func(tx *store.Tx) error { return tx.TouchOAuthToken(ctx, tok.ID, now, touchEvery) })
	if err != nil {
		o.opts.Log.Warn("record token use failed", "err", err)
	}
}
