package store

import (
	"context"
	"fmt"
	"io/fs"
	"time"
)

// sqliteEngine is the zero-setup default: one file, one writer connection.
var sqliteEngine = &engine{
	name:       "sqlite",
	migrations: mustSub(migrationFS, "migrations"),
	createMigrations: `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`,
	// _txlock=immediate in the DSN takes the write lock at BEGIN.
	txOptions: nil,
	watch: func(db *DB, every time.Duration) func() {
		return db.watchOtherWriters(every)
	},
	afterMigrate: func(ctx context.Context, db *DB) error {
		if err := db.resolveStatusColumns(ctx); err != nil {
			return err
		}
		if err := db.resolveTokenColumns(ctx); err != nil {
			return err
		}
		return db.resolveFlagColumns(ctx)
	},
	vacuumInto:     `VACUUM INTO ?`,
	integrityCheck: `PRAGMA integrity_check(1)`,
	q: engineQueries{
		descendants: `WITH RECURSIVE thread(id, path) AS (
			SELECT id, printf('%020d', id) FROM statuses WHERE in_reply_to_id = ?1
			UNION ALL
			SELECT s.id, t.path || '/' || printf('%020d', s.id) FROM statuses s JOIN thread t ON s.in_reply_to_id = t.id
			LIMIT ?2
		)
		SELECT ` + statusColsS + ` FROM thread t JOIN statuses s ON s.id = t.id
		WHERE s.deleted_at = 0 ORDER BY t.path`,
		heldPairs:      func(n int) string { return fmt.Sprintf(`SELECT key, value FROM json_each(?%d)`, n) },
		joinSpaced:     func(expr string) string { return `group_concat(` + expr + `, ' ')` },
		insertOrder:    `rowid`,
		skipLocked:     ``, // one writer at a time: nothing to skip
		otherProcesses: `SELECT 0 WHERE ?1 IS NOT NULL`,
		joinInOrder:    `CROSS JOIN`, // SQLite's planner never reorders a CROSS JOIN
	},
}

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return sub
}
