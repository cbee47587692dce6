package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/store"
)

// OOBRedirectURI is the redirect URI that asks for the code to be shown to
// the user instead of being sent to the app (toot, interop.md C.1).
const OOBRedirectURI = "urn:ietf:wg:oauth:2.0:oob"

// Registration limits (Mastodon's are similar; interop.md C.1).
const (
	maxAppNameLen     = 200
	maxURILen         = 2000
	maxRedirectURIs   = 16
	defaultCodeTTL    = 10 * time.Minute
	defaultMaxBody    = 64 << 10
	touchEvery        = time.Minute
	tokenBytes        = 32
	maxPresentedToken = 512
)

// OAuthOptions configures an OAuth server.
type OAuthOptions struct {
	// BaseURL is the instance's public origin, e.g. "https://pictor.example";
	// it is the RFC 8414 issuer and prefixes the advertised endpoints.
	BaseURL string
	// CodeTTL is how long an authorization code stays valid; 0 means 10 minutes.
	CodeTTL time.Duration
	// MaxBodyBytes bounds request bodies of the JSON endpoints; 0 means 64 KiB.
	MaxBodyBytes int64
	// Now returns the current time; nil means time.Now. Tests fix it.
	Now func() time.Time
	// Log receives failures that do not fail the request; nil discards them.
	Log *slog.Logger
	// VapidKey is the Web Push public key, shown as vapid_key to apps with
	// scope push; "" when Web Push is off.
	VapidKey string
}

// OAuth is Pictor's OAuth 2 authorization server: app registration, codes
// with PKCE, tokens, revocation and bearer authentication. It keeps no state
// of its own beyond the store and is safe for concurrent use.
type OAuth struct {
	db   *store.DB
	opts OAuthOptions
}

// NewOAuth returns an OAuth server over db.
func NewOAuth(db *store.DB, opts OAuthOptions) *OAuth {
	if opts.CodeTTL <= 0 {
		opts.CodeTTL = defaultCodeTTL
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = defaultMaxBody
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	opts.BaseURL = strings.TrimRight(opts.BaseURL, "/")
	return &OAuth{db: db, opts: opts}
}

func (o *OAuth) now() time.Time { return o.opts.Now().UTC().Truncate(time.Millisecond) }

// App is a registered client application. Its client secret is never kept
// in plain text, so it is not part of App.
type App struct {
	ID           int64
	Name         string
	Website      string
	RedirectURIs []string
	Scopes       Scopes
	ClientID     string
	CreatedAt    time.Time
}

func appFromStore(a store.OAuthApp) App {
	scopes, _ := Parse(a.Scopes) // validated when stored
	return App{ID: a.ID, Name: a.Name, Website: a.Website, RedirectURIs: a.RedirectURIs, Scopes: scopes,
		ClientID: a.ClientID, CreatedAt: a.CreatedAt}
}

// AppRequest is the input of POST /api/v1/apps.
type AppRequest struct {
	ClientName string
	// RedirectURIs holds the redirect_uris values as sent: one string that
	// may carry several URIs separated by any whitespace, or an array.
	RedirectURIs []string
	Scopes       string // space- or '+'-separated; "" means "read"
	Website      string
}

// RegisterApp validates req and stores a new app with a random client id
// and secret. It returns the app and the plain secret, which is shown only
// this once. Bad input is an apperr.Invalid (422, as Mastodon answers).
func (o *OAuth) RegisterApp(ctx context.Context, req AppRequest) (App, string, error) {
	name := strings.TrimSpace(req.ClientName)
	if name == "" {
		return App{}, "", apperr.Invalid("Validation failed: Application name can't be blank")
	}
	if utf8.RuneCountInString(name) > maxAppNameLen {
		return App{}, "", apperr.Invalid("Validation failed: Application name is too long (maximum is %d characters)", maxAppNameLen)
	}
	website := strings.TrimSpace(req.Website)
	if err := checkWebsite(website); err != nil {
		return App{}, "", err
	}
	uris, err := splitRedirectURIs(req.RedirectURIs)
	if err != nil {
		return App{}, "", err
	}
	scopes, err := Parse(req.Scopes)
	if err != nil {
		return App{}, "", apperr.Invalid("Validation failed: Scopes are invalid (%v)", err)
	}
	if len(scopes) == 0 {
		scopes = Scopes{ScopeRead}
	}
	secret := RandomToken(tokenBytes)
	rec := store.OAuthApp{Name: name, Website: website, RedirectURIs: uris, Scopes: scopes.String(),
		ClientID: RandomToken(tokenBytes), ClientSecretHash: digest(secret), CreatedAt: o.now()}
	if err := o.db.Write(ctx, func(tx *store.Tx) error { return tx.InsertOAuthApp(ctx, &rec) }); err != nil {
		return App{}, "", fmt.Errorf("register app: %w", err)
	}
	return appFromStore(rec), secret, nil
}

func checkWebsite(website string) error {
	if website == "" {
		return nil
	}
	u, err := url.Parse(website)
	if len(website) > maxURILen || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return apperr.Invalid("Validation failed: Website is not a valid URL")
	}
	return nil
}

// splitRedirectURIs splits every value on any whitespace (oauth-dropins
// separates with newlines; interop.md C.1), validates each URI and drops
// duplicates, keeping the order.
func splitRedirectURIs(values []string) ([]string, error) {
	var out []string
	for _, v := range values {
		for _, u := range strings.Fields(v) {
			if err := checkRedirectURI(u); err != nil {
				return nil, err
			}
			if !slices.Contains(out, u) {
				out = append(out, u)
			}
		}
	}
	if len(out) == 0 {
		return nil, apperr.Invalid("Validation failed: Redirect URI can't be blank")
	}
	if len(out) > maxRedirectURIs {
		return nil, apperr.Invalid("Validation failed: at most %d redirect URIs are allowed", maxRedirectURIs)
	}
	return out, nil
}

// checkRedirectURI accepts https URLs with a host, http only to loopback,
// the OOB URN, and private-use schemes in every shape apps use: with a host
// ("oauth2redirect://com.keylesspalace.tusky/"), scheme only
// ("icecubesapp://") or "scheme:/path" ("com.tapbots.Ivory.19:/request_token").
// Fragments and script-capable schemes are refused (RFC 6749 §3.1.2).
func checkRedirectURI(s string) error {
	invalid := apperr.Invalid("Validation failed: Redirect URI must be an absolute URI (%s)", truncate(s, 100))
	if s == OOBRedirectURI {
		return nil
	}
	u, err := url.Parse(s)
	if len(s) > maxURILen || err != nil || u.Scheme == "" || u.Fragment != "" || strings.Contains(s, "#") {
		return invalid
	}
	switch u.Scheme {
	case "https":
		if u.Host == "" {
			return invalid
		}
	case "http":
		if !isLoopback(u.Hostname()) {
			return apperr.Invalid("Validation failed: Redirect URI must use https unless it points to this device")
		}
	case "javascript", "data", "vbscript", "file", "blob", "about":
		return invalid
	case "urn":
		return invalid // only the OOB URN means something to us
	}
	return nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// AppByClientID returns the app with the given client id, or an
// apperr.NotFound.
func (o *OAuth) AppByClientID(ctx context.Context, clientID string) (App, error) {
	a, err := o.db.OAuthAppByClientID(ctx, clientID)
	if errors.Is(err, store.ErrNotFound) {
		return App{}, apperr.Wrap(apperr.NotFound("Application not found"), err)
	}
	if err != nil {
		return App{}, fmt.Errorf("app by client id: %w", err)
	}
	return appFromStore(a), nil
}

// clientApp looks the app up by client id and, when secret is not empty,
// checks it. It answers invalid_client for an unknown app or a wrong secret.
func (o *OAuth) clientApp(ctx context.Context, clientID, secret string) (store.OAuthApp, error) {
	if clientID == "" {
		return store.OAuthApp{}, errInvalidClient()
	}
	a, err := o.db.OAuthAppByClientID(ctx, clientID)
	if errors.Is(err, store.ErrNotFound) {
		return store.OAuthApp{}, errInvalidClient()
	}
	if err != nil {
		return store.OAuthApp{}, fmt.Errorf("client app: %w", err)
	}
	if secret != "" && !equalDigest(digest(secret), a.ClientSecretHash) {
		return store.OAuthApp{}, errInvalidClient()
	}
	return a, nil
}

// digest is the stored form of a secret, code or token: hex SHA-256. The
// inputs are 32 random bytes, so a fast hash is enough.
func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func equalDigest(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
