package store

import (
	"context"
	"fmt"
)

// Setting returns a stored named value, or ErrNotFound.
func (db *DB) Setting(ctx context.Context, key string) (string, error) {
	var v string
	if err := db.read.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v); err != nil {
		return "", notFound(err, "setting "+key)
	}
	return v, nil
}

// SetSetting stores a named value.
func (tx *Tx) SetSetting(ctx context.Context, key, value string) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	if err != nil {
		return fmt.Errorf("set %s: %w", key, err)
	}
	return nil
}

// SettingOrSet stores value under key unless the key holds a value
// already, and returns the value the key holds afterwards: the first
// writer wins when several processes race to set a value on first use.
func (tx *Tx) SettingOrSet(ctx context.Context, key, value string) (string, error) {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO NOTHING`, key, value)
	if err != nil {
		return "", fmt.Errorf("set %s: %w", key, err)
	}
	var v string
	if err := tx.tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v); err != nil {
		return "", fmt.Errorf("read %s: %w", key, err)
	}
	return v, nil
}
