package auth

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/store"
)

// AuthorizeRequest holds the query parameters of GET /oauth/authorize
// (force_login and lang are the web page's business and not included).
type AuthorizeRequest struct {
	ResponseType        string // "" or "code"
	ResponseMode        string // "", "query", "fragment" or "form_post"
	ClientID            string
	RedirectURI         string // "" is allowed when the app registered exactly one
	Scope               string // "" means "read"
	State               string
	CodeChallenge       string
	CodeChallengeMethod string // "S256"; "plain" is refused, as Mastodon does
}

// Authorization is the outcome of the consent page: where and how to send
// the user back. For the OOB redirect URI the page shows Code instead.
type Authorization struct {
	RedirectURI string     // the registered URI the result goes to
	Mode        string     // "query", "fragment", "form_post" or "oob"
	Params      url.Values // code (or error) and state, as sent to the app
	Code        string     // the issued code; "" for a denial
}

// URL returns where to redirect the browser for the query and fragment
// modes, with Params appended to RedirectURI as it was registered (no
// re-encoding, so custom-scheme URIs survive byte for byte). It is "" for
// the oob and form_post modes, where the page renders Code or a
// self-submitting form of Params instead.
func (a Authorization) URL() string {
	switch a.Mode {
	case "query":
		sep := "?"
		if strings.Contains(a.RedirectURI, "?") {
			sep = "&"
		}
		return a.RedirectURI + sep + a.Params.Encode()
	case "fragment":
		return a.RedirectURI + "#" + a.Params.Encode()
	}
	return ""
}

// ValidateAuthorizeRequest checks an authorization request before the
// consent page is shown and returns the app and the scopes to display.
// Errors are apperr values with a message for the page; the page must not
// redirect on them, since the redirect URI itself may be what is wrong.
func (o *OAuth) ValidateAuthorizeRequest(ctx context.Context, req AuthorizeRequest) (App, Scopes, error) {
	app, _, scopes, err := o.checkAuthorize(ctx, req)
	return app, scopes, err
}

func (o *OAuth) checkAuthorize(ctx context.Context, req AuthorizeRequest) (App, string, Scopes, error) {
	if req.ResponseType != "" && req.ResponseType != "code" {
		return App{}, "", nil, apperr.BadRequest("The authorization server does not support this response type.")
	}
	if !slices.Contains([]string{"", "query", "fragment", "form_post"}, req.ResponseMode) {
		return App{}, "", nil, apperr.BadRequest("The authorization server does not support this response mode.")
	}
	app, err := o.AppByClientID(ctx, req.ClientID)
	if errors.Is(err, store.ErrNotFound) {
		return App{}, "", nil, apperr.BadRequest("Client authentication failed due to unknown client.")
	}
	if err != nil {
		return App{}, "", nil, err
	}
	redirect := req.RedirectURI
	if redirect == "" && len(app.RedirectURIs) == 1 {
		redirect = app.RedirectURIs[0]
	}
	if !slices.Contains(app.RedirectURIs, redirect) {
		return App{}, "", nil, apperr.BadRequest("The redirect uri included is not valid.")
	}
	scopes, err := Parse(req.Scope)
	if err != nil || !app.Scopes.Covers(scopes) {
		return App{}, "", nil, apperr.BadRequest("The requested scope is invalid, unknown, or malformed.")
	}
	if len(scopes) == 0 {
		scopes = Scopes{ScopeRead}
		if !app.Scopes.Covers(scopes) {
			return App{}, "", nil, apperr.BadRequest("The requested scope is invalid, unknown, or malformed.")
		}
	}
	if err := checkChallenge(req.CodeChallenge, req.CodeChallengeMethod); err != nil {
		return App{}, "", nil, err
	}
	return app, redirect, scopes, nil
}

func checkChallenge(challenge, method string) error {
	if challenge == "" && method == "" {
		return nil
	}
	if method != "S256" {
		return apperr.BadRequest("The code challenge method must be S256.")
	}
	if !pkceVerifier.MatchString(challenge) {
		return apperr.BadRequest("The code challenge is malformed.")
	}
	return nil
}

// Authorize records the signed-in account's consent and issues a
// single-use code valid for OAuthOptions.CodeTTL, bound to the app, the
// redirect URI, the scopes and the PKCE challenge. It fails as
// ValidateAuthorizeRequest does. The admin:* scopes are granted only to
// administrators: for anyone else they are left out of the grant (RFC 6749
// §3.3 lets the server issue fewer scopes than asked; the token response's
// scope tells the app), and a request for admin scopes alone is
// apperr.Forbidden.
func (o *OAuth) Authorize(ctx context.Context, req AuthorizeRequest, accountID int64) (Authorization, error) {
	app, redirect, scopes, err := o.checkAuthorize(ctx, req)
	if err != nil {
		return Authorization{}, err
	}
	if scopes, err = o.GrantableScopes(ctx, scopes, accountID); err != nil {
		return Authorization{}, err
	}
	now := o.now()
	plain := RandomToken(tokenBytes)
	code := store.OAuthCode{CodeHash: digest(plain), AppID: app.ID, AccountID: accountID, RedirectURI: redirect,
		Scopes: scopes.String(), CodeChallenge: req.CodeChallenge, CodeChallengeMethod: req.CodeChallengeMethod,
		CreatedAt: now, ExpiresAt: now.Add(o.opts.CodeTTL)}
	err = o.db.Write(ctx, func(tx *store.Tx) error {
		// Spent codes are kept a day past expiry so a replay can still
		// revoke what they granted; older ones go.
		if _, err := tx.DeleteExpiredOAuthCodes(ctx, now.Add(-24*time.Hour)); err != nil {
			return err
		}
		return tx.InsertOAuthCode(ctx, &code)
	})
	if err != nil {
		return Authorization{}, fmt.Errorf("authorize: %w", err)
	}
	params := url.Values{"code": {plain}}
	return resultFor(req, redirect, params, plain), nil
}

// GrantableScopes returns the scopes accountID's user may grant out of
// scopes: all of them for an administrator, the others without admin:*.
// Nothing grantable is apperr.Forbidden.
func (o *OAuth) GrantableScopes(ctx context.Context, scopes Scopes, accountID int64) (Scopes, error) {
	u, err := o.db.UserByAccountID(ctx, accountID)
	if err != nil {
		return nil, fmt.Errorf("grantable scopes of %d: %w", accountID, err)
	}
	if u.Admin {
		return scopes, nil
	}
	out := scopes.WithoutAdmin()
	if len(out) == 0 {
		return nil, apperr.Forbidden("Only administrators can grant the admin scopes.")
	}
	return out, nil
}

// Deny builds the access_denied answer for a user who refused consent. It
// fails as ValidateAuthorizeRequest does.
func (o *OAuth) Deny(ctx context.Context, req AuthorizeRequest) (Authorization, error) {
	_, redirect, _, err := o.checkAuthorize(ctx, req)
	if err != nil {
		return Authorization{}, err
	}
	params := url.Values{"error": {"access_denied"},
		"error_description": {"The resource owner or authorization server denied the request."}}
	return resultFor(req, redirect, params, ""), nil
}

func resultFor(req AuthorizeRequest, redirect string, params url.Values, code string) Authorization {
	if req.State != "" {
		params.Set("state", req.State)
	}
	mode := req.ResponseMode
	switch {
	case redirect == OOBRedirectURI:
		mode = "oob"
	case mode == "":
		mode = "query"
	}
	return Authorization{RedirectURI: redirect, Mode: mode, Params: params, Code: code}
}
