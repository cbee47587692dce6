package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// User is the login data of a local account.
type User struct {
	AccountID    int64
	Email        string
	PasswordHash string
	Admin        bool
	Disabled     bool
	CreatedAt    time.Time
}

// InsertUser stores the login data for an existing local account.
func (tx *Tx) InsertUser(ctx context.Context, u *User) error {
	if u.CreatedAt.IsZero() {
		u.CreatedAt = tx.now
	}
	err := tx.insertNew(ctx, `INSERT INTO users (account_id, email, password_hash, admin, disabled, created_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, u.AccountID, u.Email, u.PasswordHash, b2i(u.Admin), b2i(u.Disabled), ms(u.CreatedAt))
	if errors.Is(err, ErrConflict) {
		return ErrConflict
	}
	if err != nil {
		return fmt.Errorf("insert user %d: %w", u.AccountID, err)
	}
	return nil
}

// UserByAccountID returns the login data of a local account, or ErrNotFound.
func (db *DB) UserByAccountID(ctx context.Context, id int64) (User, error) {
	var u User
	var created int64
	err := db.read.QueryRowContext(ctx, `SELECT account_id, email, password_hash, admin, disabled, created_at
		FROM users WHERE account_id = ?`, id).Scan(&u.AccountID, &u.Email, &u.PasswordHash, &u.Admin, &u.Disabled, &created)
	if err != nil {
		return User{}, notFound(err, "user")
	}
	u.CreatedAt = fromMS(created)
	return u, nil
}

// SetUserPassword replaces the password hash of a local account.
func (tx *Tx) SetUserPassword(ctx context.Context, accountID int64, hash string) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE account_id = ?`, hash, accountID)
	if err != nil {
		return fmt.Errorf("set password %d: %w", accountID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}
