package store

import (
	"context"
	"database/sql"
	"io/fs"
	"time"
)

// engine is what differs between the database engines the store runs on.
// Every query of the store is shared and written once, in the SQL both
// engines speak (`?` parameters are rewritten for PostgreSQL centrally,
// placeholders.go); the few texts and behaviours that must differ are
// named here, each engine's side by side in engine_sqlite.go and
// engine_postgres.go, so that no method asks which engine runs.
type engine struct {
	name string // "sqlite" or "postgres"
	// migrations holds the engine's numbered migration files at its root.
	migrations fs.FS
	// createMigrations creates the table recording applied migrations.
	createMigrations string
	// migrationLock, when set, runs first in each migration's transaction
	// and holds off other processes migrating at the same time.
	migrationLock string
	// txOptions begins each write transaction.
	txOptions *sql.TxOptions
	// retryable reports whether a failed write transaction may be run
	// again (a serialization failure); nil means never.
	retryable func(error) bool
	// commitChanges, when set, runs inside every write transaction just
	// before it commits, with the DB's process token: it returns the
	// transaction's change report for this process's caches and sends it
	// to the other processes (changes_postgres.go).
	commitChanges string
	// watch starts following other processes' commits (changes.go).
	watch func(db *DB, every time.Duration) (stop func())
	// afterMigrate runs once the schema is current.
	afterMigrate func(ctx context.Context, db *DB) error
	// vacuumInto copies the database to a new file (backup.go); empty when
	// the engine has its own tools for that.
	vacuumInto string
	// integrityCheck returns "ok" or the first problem; empty when the
	// engine has none.
	integrityCheck string
	// unsupported explains what to use instead of what is empty above.
	unsupported string

	q engineQueries
}

// engineQueries are the statements, or fragments of them, whose text
// differs by engine.
type engineQueries struct {
	// descendants lists a thread below ?1 (at most ?2 replies) as
	// (id, path) rows ordered by path: statusColsS are selected from it.
	descendants string
	// heldPairs selects (host, n) pairs from the JSON object in ?N.
	heldPairs func(n int) string
	// joinSpaced aggregates text expr joined by single spaces.
	joinSpaced func(expr string) string
	// claimIsolation, when set, runs before a queue claim that is its
	// transaction's first statement: a claim that passes over locked rows
	// needs no more than READ COMMITTED, and SERIALIZABLE would make
	// concurrent claimers fail (and rerun) on each other's reads.
	claimIsolation string
	// skipLocked ends the SELECT (with its LIMIT) that picks queue rows to
	// claim: on PostgreSQL, rows another process's open claim holds are
	// passed over instead of waited for.
	skipLocked string
	// joinInOrder joins with the left table kept as the outer loop.
	joinInOrder string
	// insertOrder orders the rows of a table as they were inserted.
	insertOrder string
	// otherProcesses counts the other live processes on the database,
	// given this process's id node as ?1: SQLite has one process.
	otherProcesses string
}
