package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// SnapshotTo writes a consistent copy of the whole database to the new file
// path with VACUUM INTO: one read transaction, so writers of this and other
// processes go on meanwhile and the copy is exactly the database as of that
// transaction's start. The copy is compact, has no WAL beside it and is made
// readable by its owner only (it holds private keys, password hashes and
// tokens). path must not exist.
func (db *DB) SnapshotTo(ctx context.Context, path string) error {
	if db.eng.vacuumInto == "" {
		return fmt.Errorf("snapshot: %s", db.eng.unsupported)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	if _, err := os.Lstat(abs); err == nil {
		return fmt.Errorf("snapshot: %s already exists", abs)
	}
	// Create the file first with the right mode; VACUUM INTO accepts an
	// existing empty file and keeps its permissions.
	f, err := os.OpenFile(abs, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	f.Close()
	// Not cancelled with ctx: modernc can leave an interrupted connection
	// behind (architecture.md), and this is the writer connection.
	if _, err := db.write.ExecContext(context.WithoutCancel(ctx), db.eng.vacuumInto, abs); err != nil {
		os.Remove(abs)
		return fmt.Errorf("snapshot to %s: %w", abs, err)
	}
	return os.Chmod(abs, 0o600)
}

// MediaFileNames returns every media file name the database refers to
// (attachments' web, thumbnail and original files, avatars, headers), so a
// backup can check that it holds all of them.
func (db *DB) MediaFileNames(ctx context.Context) ([]string, error) {
	rows, err := db.read.QueryContext(ctx, `
		SELECT file_name FROM media_attachments WHERE file_name <> ''
		UNION SELECT thumb_name FROM media_attachments WHERE thumb_name <> ''
		UNION SELECT original_name FROM media_attachments WHERE original_name <> ''
		UNION SELECT avatar_file FROM accounts WHERE avatar_file <> ''
		UNION SELECT header_file FROM accounts WHERE header_file <> ''`)
	if err != nil {
		return nil, fmt.Errorf("media file names: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("media file names: %w", err)
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// IntegrityCheck runs SQLite's integrity check and returns an error naming
// the first problem it reports.
func (db *DB) IntegrityCheck(ctx context.Context) error {
	var res string
	if db.eng.integrityCheck == "" {
		return fmt.Errorf("integrity check: %s", db.eng.unsupported)
	}
	if err := db.read.QueryRowContext(ctx, db.eng.integrityCheck).Scan(&res); err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	if res != "ok" {
		return fmt.Errorf("integrity check: %s", res)
	}
	return nil
}
