package store

import (
	"context"
	"fmt"
)

// PostingDefaults are what a local user's new statuses get when the request
// leaves them out (Mastodon's source[privacy], source[sensitive] and
// source[language]).
type PostingDefaults struct {
	Visibility string // public, unlisted, private or direct
	Sensitive  bool
	Language   string // ISO 639-1, "" for none
}

// PostingDefaultsOf returns the posting defaults of local account id, or
// ErrNotFound when it has no user.
func (db *DB) PostingDefaultsOf(ctx context.Context, id int64) (PostingDefaults, error) {
	var d PostingDefaults
	err := db.read.QueryRowContext(ctx, `SELECT default_visibility, default_sensitive, default_language
		FROM users WHERE account_id = ?`, id).Scan(&d.Visibility, &d.Sensitive, &d.Language)
	if err != nil {
		return PostingDefaults{}, notFound(err, "user")
	}
	return d, nil
}

// SetPostingDefaults replaces the posting defaults of local account id.
func (tx *Tx) SetPostingDefaults(ctx context.Context, id int64, d PostingDefaults) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE users SET default_visibility = ?, default_sensitive = ?, default_language = ?
		WHERE account_id = ?`, d.Visibility, b2i(d.Sensitive), d.Language, id)
	if err != nil {
		return fmt.Errorf("set posting defaults %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// SetAccountNote stores accountID's private note on targetID; an empty
// comment removes it.
func (tx *Tx) SetAccountNote(ctx context.Context, accountID, targetID int64, comment string) error {
	var err error
	if comment == "" {
		_, err = tx.tx.ExecContext(ctx, `DELETE FROM account_notes WHERE account_id = ? AND target_account_id = ?`,
			accountID, targetID)
	} else {
		_, err = tx.tx.ExecContext(ctx, `INSERT INTO account_notes (account_id, target_account_id, comment, updated_at)
			VALUES (?1, ?2, ?3, ?4) ON CONFLICT (account_id, target_account_id) DO UPDATE SET comment = ?3, updated_at = ?4`,
			accountID, targetID, comment, ms(tx.now))
	}
	if err != nil {
		return fmt.Errorf("note of %d on %d: %w", accountID, targetID, err)
	}
	return nil
}

// PinAccount makes accountID endorse targetID; endorsing twice is harmless.
// The caller checks that accountID follows targetID.
func (tx *Tx) PinAccount(ctx context.Context, accountID, targetID int64) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO account_pins (id, account_id, target_account_id, created_at)
		VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`, tx.NewID(tx.now), accountID, targetID, ms(tx.now))
	if err != nil {
		return fmt.Errorf("endorse %d by %d: %w", targetID, accountID, err)
	}
	return nil
}

// UnpinAccount ends accountID's endorsement of targetID, if any.
func (tx *Tx) UnpinAccount(ctx context.Context, accountID, targetID int64) error {
	_, err := tx.tx.ExecContext(ctx, `DELETE FROM account_pins WHERE account_id = ? AND target_account_id = ?`,
		accountID, targetID)
	if err != nil {
		return fmt.Errorf("unendorse %d by %d: %w", targetID, accountID, err)
	}
	return nil
}

// EndorsementsOf lists the accounts accountID endorses, keyed by the
// endorsement.
func (db *DB) EndorsementsOf(ctx context.Context, accountID int64, p Page) (KeyedIDs, error) {
	return db.keyedList(ctx, "p.id", "p.target_account_id", "account_pins p JOIN accounts a ON a.id = p.target_account_id",
		"p.account_id = ? AND a.deleted_at = 0 AND a.suspended_at = 0", p, accountID)
}
