package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// WebSession is a browser sign-in. TokenHash is the digest of the cookie's
// token; the token itself is never stored.
type WebSession struct {
	TokenHash string
	AccountID int64
	CSRFToken string
	UserAgent string
	CreatedAt time.Time
	RenewedAt time.Time
	ExpiresAt time.Time
}

const webSessionCols = `token_hash, account_id, csrf_token, user_agent, created_at, renewed_at, expires_at`

// InsertWebSession stores a new session; a duplicate token hash is ErrConflict.
func (tx *Tx) InsertWebSession(ctx context.Context, s *WebSession) error {
	if s.CreatedAt.IsZero() {
		s.CreatedAt = tx.now
	}
	if s.RenewedAt.IsZero() {
		s.RenewedAt = s.CreatedAt
	}
	err := tx.insertNew(ctx, `INSERT INTO web_sessions (`+webSessionCols+`) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`,
		s.TokenHash, s.AccountID, s.CSRFToken, s.UserAgent, ms(s.CreatedAt), ms(s.RenewedAt), ms(s.ExpiresAt))
	if errors.Is(err, ErrConflict) {
		return ErrConflict
	}
	if err != nil {
		return fmt.Errorf("insert web session: %w", err)
	}
	return nil
}

// WebSessionByHash returns the session with the given token digest, expired
// or not (callers compare ExpiresAt), or ErrNotFound.
func (db *DB) WebSessionByHash(ctx context.Context, hash string) (WebSession, error) {
	var s WebSession
	var created, renewed, expires int64
	err := db.read.QueryRowContext(ctx, `SELECT `+webSessionCols+` FROM web_sessions WHERE token_hash = ?`, hash).Scan(
		&s.TokenHash, &s.AccountID, &s.CSRFToken, &s.UserAgent, &created, &renewed, &expires)
	if err != nil {
		return WebSession{}, notFound(err, "web session")
	}
	s.CreatedAt, s.RenewedAt, s.ExpiresAt = fromMS(created), fromMS(renewed), fromMS(expires)
	return s, nil
}

// RenewWebSession moves a session's expiry to expires, recording the renewal
// time; it is ErrNotFound when the session is gone.
func (tx *Tx) RenewWebSession(ctx context.Context, hash string, expires time.Time) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE web_sessions SET renewed_at = ?, expires_at = ? WHERE token_hash = ?`,
		ms(tx.now), ms(expires), hash)
	if err != nil {
		return fmt.Errorf("renew web session: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// DeleteWebSession removes one session (sign out); a missing one is not an error.
func (tx *Tx) DeleteWebSession(ctx context.Context, hash string) error {
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM web_sessions WHERE token_hash = ?`, hash); err != nil {
		return fmt.Errorf("delete web session: %w", err)
	}
	return nil
}

// DeleteWebSessionsOf removes every session of an account (suspension,
// password change) and returns how many there were.
func (tx *Tx) DeleteWebSessionsOf(ctx context.Context, accountID int64) (int64, error) {
	res, err := tx.tx.ExecContext(ctx, `DELETE FROM web_sessions WHERE account_id = ?`, accountID)
	if err != nil {
		return 0, fmt.Errorf("delete web sessions of %d: %w", accountID, err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// DeleteExpiredWebSessions removes sessions that expired at or before t and
// returns how many went.
func (tx *Tx) DeleteExpiredWebSessions(ctx context.Context, t time.Time) (int64, error) {
	res, err := tx.tx.ExecContext(ctx, `DELETE FROM web_sessions WHERE expires_at <= ?`, ms(t))
	if err != nil {
		return 0, fmt.Errorf("delete expired web sessions: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}
