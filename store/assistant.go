package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// TakeAssistantCall counts one call of feature by accountID on day (days
// since the Unix epoch, UTC) if fewer than limit were counted there; limit
// <= 0 counts without a limit. ok is false, and nothing is counted, when the
// quota is used up. The check and the count are one statement, so
// concurrent takers never overrun the limit.
func (db *DB) TakeAssistantCall(ctx context.Context, accountID int64, feature string, day int64, limit int) (ok bool, err error) {
	if limit <= 0 {
		limit = int(^uint(0) >> 2) // effectively unlimited, and still an INTEGER on every engine
	}
	err = db.Write(ctx, func(tx *Tx) error {
		res, err := tx.tx.ExecContext(ctx, `INSERT INTO assistant_usage (account_id, feature, day, calls)
			VALUES (?, ?, ?, 1) ON CONFLICT (account_id, feature, day)
			DO UPDATE SET calls = assistant_usage.calls + 1 WHERE assistant_usage.calls < ?`,
			accountID, feature, day, limit)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		ok = n > 0
		return err
	})
	if err != nil {
		return false, fmt.Errorf("count assistant call %s of %d: %w", feature, accountID, err)
	}
	return ok, nil
}

// RefundAssistantCall uncounts one call that TakeAssistantCall counted on
// day, for a call that never reached the model.
func (db *DB) RefundAssistantCall(ctx context.Context, accountID int64, feature string, day int64) error {
	err := db.Write(ctx, func(tx *Tx) error {
		_, err := tx.tx.ExecContext(ctx, `UPDATE assistant_usage SET calls = calls - 1
			WHERE account_id = ? AND feature = ? AND day = ? AND calls > 0`, accountID, feature, day)
		return err
	})
	if err != nil {
		return fmt.Errorf("refund assistant call %s of %d: %w", feature, accountID, err)
	}
	return nil
}

// AssistantCalls returns the calls of feature counted for accountID on day.
func (db *DB) AssistantCalls(ctx context.Context, accountID int64, feature string, day int64) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT calls FROM assistant_usage
		WHERE account_id = ? AND feature = ? AND day = ?`, accountID, feature, day).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("assistant calls %s of %d: %w", feature, accountID, err)
	}
	return n, nil
}

// PruneAssistantUsage deletes the counts of days before day.
func (db *DB) PruneAssistantUsage(ctx context.Context, day int64) error {
	err := db.Write(ctx, func(tx *Tx) error {
		_, err := tx.tx.ExecContext(ctx, `DELETE FROM assistant_usage WHERE day < ?`, day)
		return err
	})
	if err != nil {
		return fmt.Errorf("prune assistant usage: %w", err)
	}
	return nil
}

// AssistantSettings are a user's choices about the assistant's features.
// The zero value (everything off) is what a user who never chose has.
type AssistantSettings struct {
	ReplySuggestions bool
}

// AssistantSettingsOf returns accountID's assistant settings, the zero
// value when the user never chose.
func (db *DB) AssistantSettingsOf(ctx context.Context, accountID int64) (AssistantSettings, error) {
	var s AssistantSettings
	var suggestions int
	err := db.read.QueryRowContext(ctx, `SELECT reply_suggestions FROM assistant_settings WHERE account_id = ?`,
		accountID).Scan(&suggestions)
	if errors.Is(err, sql.ErrNoRows) {
		return AssistantSettings{}, nil
	}
	if err != nil {
		return AssistantSettings{}, fmt.Errorf("assistant settings of %d: %w", accountID, err)
	}
	s.ReplySuggestions = suggestions == 1
	return s, nil
}

// SetAssistantSettings replaces accountID's assistant settings.
func (db *DB) SetAssistantSettings(ctx context.Context, accountID int64, s AssistantSettings) error {
	err := db.Write(ctx, func(tx *Tx) error {
		_, err := tx.tx.ExecContext(ctx, `INSERT INTO assistant_settings (account_id, reply_suggestions, updated_at)
			VALUES (?, ?, ?) ON CONFLICT (account_id) DO UPDATE SET reply_suggestions = excluded.reply_suggestions,
			updated_at = excluded.updated_at`, accountID, b2i(s.ReplySuggestions), ms(tx.now))
		return err
	})
	if err != nil {
		return fmt.Errorf("set assistant settings of %d: %w", accountID, err)
	}
	return nil
}
