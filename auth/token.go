package auth

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"regexp"

	"github.com/pictor-social/pictor/store"
)

// TokenError is an RFC 6749 §5.2 error from the token and revocation
// endpoints, rendered as {"error": Code, "error_description": Description}.
type TokenError struct {
	Code        string // invalid_request, invalid_client, invalid_grant, invalid_scope, unsupported_grant_type, unauthorized_client
	Description string
	Status      int // HTTP status: 400, 401 for invalid_client, 403 for revoking another client's token
}

func (e *TokenError) Error() string { return "oauth " + e.Code + ": " + e.Description }

func errInvalidRequest(desc string) error {
	return &TokenError{Code: "invalid_request", Description: desc, Status: http.StatusBadRequest}
}

func errInvalidClient() error {
	return &TokenError{Code: "invalid_client", Status: http.StatusUnauthorized, Description: "Client authentication " +
		"failed due to unknown client, no client authentication included, or unsupported authentication method."}
}

func errInvalidGrant(desc string) error {
	return &TokenError{Code: "invalid_grant", Description: desc, Status: http.StatusBadRequest}
}

func errInvalidScope() error {
	return &TokenError{Code: "invalid_scope", Status: http.StatusBadRequest,
		Description: "The requested scope is invalid, unknown, or malformed."}
}

// TokenRequest is the input of POST /oauth/token. The handler fills
// ClientID and ClientSecret from the body or from HTTP Basic auth.
type TokenRequest struct {
	GrantType    string
	Code         string
	RedirectURI  string
	ClientID     string
	ClientSecret string
	CodeVerifier string
	Scope        string // client_credentials only; ignored for codes, which carry their scopes
}

// TokenResponse is the token endpoint's success body.
type TokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	Scope       string `json:"scope"`
	CreatedAt   int64  `json:"created_at"` // Unix seconds; Toot! requires it (interop.md C.1)
}

// Token issues an access token for the authorization_code or
// client_credentials grant. Failures are *TokenError values; other errors
// are internal.
//
// For authorization_code the client authenticates with its secret, or, as a
// public client, by PKCE alone: a code with a challenge needs no secret. A
// code is spent by the first exchange attempt from its own client, even one
// that fails on redirect_uri or code_verifier, and presenting a spent code
// again revokes the tokens it granted (RFC 6749 §4.1.2).
func (o *OAuth) Token(ctx context.Context, req TokenRequest) (TokenResponse, error) {
	switch req.GrantType {
	case "authorization_code":
		return o.exchangeCode(ctx, req)
	case "client_credentials":
		return o.clientCredentials(ctx, req)
	case "":
		return TokenResponse{}, errInvalidRequest("Missing required parameter: grant_type.")
	}
	return TokenResponse{}, &TokenError{Code: "unsupported_grant_type", Status: http.StatusBadRequest,
		Description: "The authorization grant type is not supported by the authorization server."}
}

func (o *OAuth) exchangeCode(ctx context.Context, req TokenRequest) (TokenResponse, error) {
	app, err := o.clientApp(ctx, req.ClientID, req.ClientSecret)
	if err != nil {
		return TokenResponse{}, err
	}
	if req.Code == "" {
		return TokenResponse{}, errInvalidRequest("Missing required parameter: code.")
	}
	now := o.now()
	tok := store.OAuthToken{AppID: app.ID, CreatedAt: now}
	plain := RandomToken(tokenBytes)
	var grantErr error // a refusal that must still commit the code's spent state
	err = o.db.Write(ctx, func(tx *store.Tx) error {
		code, err := tx.OAuthCodeByHash(ctx, digest(req.Code))
		if errors.Is(err, store.ErrNotFound) || (err == nil && code.AppID != app.ID) {
			return errInvalidGrant("The authorization code is invalid.")
		}
		if err != nil {
			return err
		}
		if !code.UsedAt.IsZero() {
			_, err := tx.RevokeOAuthTokensByCode(ctx, code.CodeHash)
			grantErr = errInvalidGrant("The authorization code was already used.")
			return err
		}
		if !now.Before(code.ExpiresAt) {
			return errInvalidGrant("The authorization code expired.")
		}
		if err := tx.MarkOAuthCodeUsed(ctx, code.CodeHash, now); err != nil {
			return err
		}
		if grantErr = checkCodeExchange(code, req); grantErr != nil {
			return nil
		}
		tok.TokenHash, tok.AccountID, tok.Scopes, tok.CodeHash = digest(plain), code.AccountID, code.Scopes, code.CodeHash
		return tx.InsertOAuthToken(ctx, &tok)
	})
	if err == nil {
		err = grantErr
	}
	if err != nil {
		return TokenResponse{}, fmt.Errorf("exchange code: %w", err)
	}
	return tokenResponse(plain, tok), nil
}

// checkCodeExchange checks what the token request must repeat or prove
// about the code: the redirect URI and the PKCE verifier, or else the
// client secret.
func checkCodeExchange(code store.OAuthCode, req TokenRequest) error {
	if req.RedirectURI != "" && req.RedirectURI != code.RedirectURI {
		return errInvalidGrant("The redirect_uri does not match the one used in the authorization request.")
	}
	if code.CodeChallenge == "" {
		if req.ClientSecret == "" {
			return errInvalidClient()
		}
		return nil
	}
	if !pkceVerifier.MatchString(req.CodeVerifier) || !equalDigest(s256(req.CodeVerifier), code.CodeChallenge) {
		return errInvalidGrant("The code_verifier does not match the code_challenge.")
	}
	return nil
}

// pkceVerifier is RFC 7636 §4.1's code_verifier and §4.2's code_challenge
// alphabet and length.
var pkceVerifier = regexp.MustCompile(`^[A-Za-z0-9._~-]{43,128}$`)

// s256 is the S256 code challenge of a verifier (RFC 7636 §4.2).
func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func (o *OAuth) clientCredentials(ctx context.Context, req TokenRequest) (TokenResponse, error) {
	if req.ClientSecret == "" {
		return TokenResponse{}, errInvalidClient()
	}
	app, err := o.clientApp(ctx, req.ClientID, req.ClientSecret)
	if err != nil {
		return TokenResponse{}, err
	}
	scopes, err := Parse(req.Scope)
	if err != nil {
		return TokenResponse{}, errInvalidScope()
	}
	if len(scopes) == 0 {
		scopes = Scopes{ScopeRead}
	}
	if !appFromStore(app).Scopes.Covers(scopes) {
		return TokenResponse{}, errInvalidScope()
	}
	plain := RandomToken(tokenBytes)
	tok := store.OAuthToken{TokenHash: digest(plain), AppID: app.ID, Scopes: scopes.String(), CreatedAt: o.now()}
	if err := o.db.Write(ctx, func(tx *store.Tx) error { return tx.InsertOAuthToken(ctx, &tok) }); err != nil {
		return TokenResponse{}, fmt.Errorf("client credentials: %w", err)
	}
	return tokenResponse(plain, tok), nil
}

func tokenResponse(plain string, tok store.OAuthToken) TokenResponse {
	return TokenResponse{AccessToken: plain, TokenType: "Bearer", Scope: tok.Scopes, CreatedAt: tok.CreatedAt.Unix()}
}

// Revoke revokes token on behalf of the client (RFC 7009). The client must
// exist, and its secret must be right when given (401 invalid_client); a
// public client may omit it, since holding the token is proof enough to
// give it up. Unknown or already revoked tokens succeed; a token of another
// client is a 403 unauthorized_client.
func (o *OAuth) Revoke(ctx context.Context, clientID, clientSecret, token string) error {
	app, err := o.clientApp(ctx, clientID, clientSecret)
	if err != nil {
		return err
	}
	if token == "" {
		return errInvalidRequest("Missing required parameter: token.")
	}
	if len(token) > maxPresentedToken {
		return nil
	}
	err = o.db.Write(ctx, func(tx *store.Tx) error {
		tok, err := tx.OAuthTokenByHash(ctx, digest(token))
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if tok.AppID != app.ID {
			return &TokenError{Code: "unauthorized_client", Status: http.StatusForbidden,
				Description: "You are not authorized to revoke this token."}
		}
		return tx.RevokeOAuthToken(ctx, tok.ID)
	})
	if err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	return nil
}
