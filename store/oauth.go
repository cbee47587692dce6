package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// OAuthApp is a client application registered through POST /api/v1/apps.
// Only a digest of its client secret is kept.
type OAuthApp struct {
	ID               int64
	Name             string
	Website          string
	RedirectURIs     []string
	Scopes           string // space-separated
	ClientID         string
	ClientSecretHash string
	CreatedAt        time.Time
}

// InsertOAuthApp stores app. A zero ID is assigned and a zero CreatedAt
// becomes tx.Now(). A duplicate client id gives ErrConflict.
func (tx *Tx) InsertOAuthApp(ctx context.Context, app *OAuthApp) error {
	if app.ID == 0 {
		app.ID = tx.NewID(tx.now)
	}
	if app.CreatedAt.IsZero() {
		app.CreatedAt = tx.now
	}
	err := tx.insertNew(ctx, `INSERT INTO oauth_apps
		(id, name, website, redirect_uris, scopes, client_id, client_secret_hash, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, app.ID, app.Name, app.Website, strings.Join(app.RedirectURIs, "\n"),
		app.Scopes, app.ClientID, app.ClientSecretHash, ms(app.CreatedAt))
	if errors.Is(err, ErrConflict) {
		return ErrConflict
	}
	if err != nil {
		return fmt.Errorf("insert oauth app %q: %w", app.Name, err)
	}
	return nil
}

const oauthAppCols = `id, name, website, redirect_uris, scopes, client_id, client_secret_hash, created_at`

func oauthAppWhere(ctx context.Context, q querier, where string, args ...any) (OAuthApp, error) {
	var app OAuthApp
	var uris string
	var created int64
	err := q.QueryRowContext(ctx, `SELECT `+oauthAppCols+` FROM oauth_apps WHERE `+where, args...).Scan(
		&app.ID, &app.Name, &app.Website, &uris, &app.Scopes, &app.ClientID, &app.ClientSecretHash, &created)
	if err != nil {
		return OAuthApp{}, notFound(err, "oauth app")
	}
	app.RedirectURIs = strings.Split(uris, "\n")
	app.CreatedAt = fromMS(created)
	return app, nil
}

// OAuthAppByClientID returns the app with the given client id, or ErrNotFound.
func (db *DB) OAuthAppByClientID(ctx context.Context, clientID string) (OAuthApp, error) {
	return oauthAppWhere(ctx, db.read, `client_id = ?`, clientID)
}

// OAuthAppByID returns the app with the given id, or ErrNotFound.
func (db *DB) OAuthAppByID(ctx context.Context, id int64) (OAuthApp, error) {
	return oauthAppWhere(ctx, db.read, `id = ?`, id)
}

// OAuthAppByClientID returns the app inside the transaction, or ErrNotFound.
func (tx *Tx) OAuthAppByClientID(ctx context.Context, clientID string) (OAuthApp, error) {
	return oauthAppWhere(ctx, tx.tx, `client_id = ?`, clientID)
}

// OAuthCode is an issued authorization code, keyed by its digest.
type OAuthCode struct {
	CodeHash            string
	AppID               int64
	AccountID           int64
	RedirectURI         string
	Scopes              string
	CodeChallenge       string // "" when the client did not use PKCE
	CodeChallengeMethod string
	CreatedAt           time.Time
	ExpiresAt           time.Time
	UsedAt              time.Time // zero until exchanged
}

// InsertOAuthCode stores a fresh code. A zero CreatedAt becomes tx.Now().
func (tx *Tx) InsertOAuthCode(ctx context.Context, c *OAuthCode) error {
	if c.CreatedAt.IsZero() {
		c.CreatedAt = tx.now
	}
	err := tx.insertNew(ctx, `INSERT INTO oauth_codes (code_hash, app_id, account_id, redirect_uri, scopes,
		code_challenge, code_challenge_method, created_at, expires_at, used_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`,
		c.CodeHash, c.AppID, c.AccountID, c.RedirectURI, c.Scopes, c.CodeChallenge, c.CodeChallengeMethod,
		ms(c.CreatedAt), ms(c.ExpiresAt), ms(c.UsedAt))
	if errors.Is(err, ErrConflict) {
		return ErrConflict
	}
	if err != nil {
		return fmt.Errorf("insert oauth code: %w", err)
	}
	return nil
}

// OAuthCodeByHash returns the code with the given digest, used or not, or
// ErrNotFound. Reading it in the writing transaction makes check-then-mark
// atomic.
func (tx *Tx) OAuthCodeByHash(ctx context.Context, codeHash string) (OAuthCode, error) {
	var c OAuthCode
	var created, expires, used int64
	err := tx.tx.QueryRowContext(ctx, `SELECT code_hash, app_id, account_id, redirect_uri, scopes, code_challenge,
		code_challenge_method, created_at, expires_at, used_at FROM oauth_codes WHERE code_hash = ?`, codeHash).Scan(
		&c.CodeHash, &c.AppID, &c.AccountID, &c.RedirectURI, &c.Scopes, &c.CodeChallenge, &c.CodeChallengeMethod,
		&created, &expires, &used)
	if err != nil {
		return OAuthCode{}, notFound(err, "oauth code")
	}
	c.CreatedAt, c.ExpiresAt, c.UsedAt = fromMS(created), fromMS(expires), fromMS(used)
	return c, nil
}

// MarkOAuthCodeUsed records that the code was exchanged at time at. It
// returns ErrNotFound if the code does not exist or was already used.
func (tx *Tx) MarkOAuthCodeUsed(ctx context.Context, codeHash string, at time.Time) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE oauth_codes SET used_at = ? WHERE code_hash = ? AND used_at = 0`,
		ms(at), codeHash)
	if err != nil {
		return fmt.Errorf("mark oauth code used: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// DeleteExpiredOAuthCodes removes codes that expired before t and returns
// how many went.
func (tx *Tx) DeleteExpiredOAuthCodes(ctx context.Context, t time.Time) (int64, error) {
	res, err := tx.tx.ExecContext(ctx, `DELETE FROM oauth_codes WHERE expires_at < ?`, ms(t))
	if err != nil {
		return 0, fmt.Errorf("delete expired oauth codes: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// OAuthToken is an access token, keyed by its digest.
type OAuthToken struct {
	ID         int64
	TokenHash  string
	AppID      int64
	AccountID  int64  // 0 for client_credentials (app-only) tokens
	Scopes     string // space-separated
	CodeHash   string // the code it was exchanged for, "" for other grants
	CreatedAt  time.Time
	LastUsedAt time.Time
	RevokedAt  time.Time
	// AccountDisabled is filled by OAuthTokenByHash: true when the token's
	// user is disabled or its account suspended or deleted.
	AccountDisabled bool
	// AccountAdmin is filled by OAuthTokenByHash: true when the token's
	// user is an administrator now.
	AccountAdmin bool
}

// InsertOAuthToken stores a new token. A zero ID is assigned and a zero
// CreatedAt becomes tx.Now(). A duplicate digest gives ErrConflict.
func (tx *Tx) InsertOAuthToken(ctx context.Context, t *OAuthToken) error {
	if t.ID == 0 {
		t.ID = tx.NewID(tx.now)
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = tx.now
	}
	err := tx.insertNew(ctx, `INSERT INTO oauth_tokens (id, token_hash, app_id, account_id, scopes, code_hash,
		created_at, last_used_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		t.ID, t.TokenHash, t.AppID, nullID(t.AccountID), t.Scopes, t.CodeHash, ms(t.CreatedAt), ms(t.LastUsedAt),
		ms(t.RevokedAt))
	if errors.Is(err, ErrConflict) {
		return ErrConflict
	}
	if err != nil {
		return fmt.Errorf("insert oauth token: %w", err)
	}
	return nil
}

func oauthTokenByHash(ctx context.Context, q querier, tokenHash string) (OAuthToken, error) {
	var t OAuthToken
	var created, used, revoked int64
	err := q.QueryRowContext(ctx, `SELECT t.id, t.token_hash, t.app_id, COALESCE(t.account_id, 0), t.scopes, t.code_hash,
			t.created_at, t.last_used_at, t.revoked_at,
			t.account_id IS NOT NULL AND (COALESCE(u.disabled, 1) <> 0 OR COALESCE(a.suspended_at, 1) <> 0
				OR COALESCE(a.deleted_at, 1) <> 0),
			COALESCE(u.admin, 0) <> 0
		FROM oauth_tokens t
		LEFT JOIN accounts a ON a.id = t.account_id
		LEFT JOIN users u ON u.account_id = t.account_id
		WHERE t.token_hash = ?`, tokenHash).Scan(&t.ID, &t.TokenHash, &t.AppID, &t.AccountID, &t.Scopes,
		&t.CodeHash, &created, &used, &revoked, &t.AccountDisabled, &t.AccountAdmin)
	if err != nil {
		return OAuthToken{}, notFound(err, "oauth token")
	}
	t.CreatedAt, t.LastUsedAt, t.RevokedAt = fromMS(created), fromMS(used), fromMS(revoked)
	return t, nil
}

// OAuthTokenByHash returns the token inside the transaction, or ErrNotFound.
func (tx *Tx) OAuthTokenByHash(ctx context.Context, tokenHash string) (OAuthToken, error) {
	return oauthTokenByHash(ctx, tx.tx, tokenHash)
}

// RevokeOAuthToken marks the token revoked at tx.Now(). Revoking a revoked
// token keeps the first time and is not an error; a missing one is ErrNotFound.
func (tx *Tx) RevokeOAuthToken(ctx context.Context, id int64) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE oauth_tokens SET revoked_at = CASE WHEN revoked_at = 0 THEN ? ELSE revoked_at END
		WHERE id = ?`, ms(tx.now), id)
	if err != nil {
		return fmt.Errorf("revoke oauth token %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// RevokeOAuthTokensByCode revokes every live token exchanged for the code
// (RFC 6749 §4.1.2: a replayed code should void what it granted) and returns
// how many it revoked.
func (tx *Tx) RevokeOAuthTokensByCode(ctx context.Context, codeHash string) (int64, error) {
	return tx.revokeTokensWhere(ctx, `code_hash = ? AND code_hash <> ''`, codeHash)
}

// RevokeOAuthTokensOfAccount revokes every live token of the account (for a
// password change or a suspension) and returns how many it revoked.
func (tx *Tx) RevokeOAuthTokensOfAccount(ctx context.Context, accountID int64) (int64, error) {
	return tx.revokeTokensWhere(ctx, `account_id = ?`, accountID)
}

func (tx *Tx) revokeTokensWhere(ctx context.Context, where string, arg any) (int64, error) {
	res, err := tx.tx.ExecContext(ctx, `UPDATE oauth_tokens SET revoked_at = ? WHERE revoked_at = 0 AND `+where,
		ms(tx.now), arg)
	if err != nil {
		return 0, fmt.Errorf("revoke oauth tokens: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// TouchOAuthToken sets the token's last use to at unless it was already
// recorded after at-every, so a busy token costs at most one write per
// interval.
func (tx *Tx) TouchOAuthToken(ctx context.Context, id int64, at time.Time, every time.Duration) error {
	_, err := tx.tx.ExecContext(ctx, `UPDATE oauth_tokens SET last_used_at = ? WHERE id = ? AND last_used_at <= ?`,
		ms(at), id, ms(at.Add(-every)))
	if err != nil {
		return fmt.Errorf("touch oauth token %d: %w", id, err)
	}
	return nil
}

// UserByUsername returns the login data of the local account whose username
// matches case-insensitively, or ErrNotFound. Suspended and deleted accounts
// are not found, so they cannot sign in; disabled users are returned with
// Disabled set.
func (db *DB) UserByUsername(ctx context.Context, username string) (User, error) {
	var u User
	var created int64
	err := db.read.QueryRowContext(ctx, `SELECT u.account_id, u.email, u.password_hash, u.admin, u.disabled, u.created_at
		FROM users u JOIN accounts a ON a.id = u.account_id
		WHERE lower(a.username) = lower(?) AND a.domain = '' AND a.suspended_at = 0 AND a.deleted_at = 0`,
		username).Scan(&u.AccountID, &u.Email, &u.PasswordHash, &u.Admin, &u.Disabled, &created)
	if err != nil {
		return User{}, notFound(err, "user")
	}
	u.CreatedAt = fromMS(created)
	return u, nil
}
