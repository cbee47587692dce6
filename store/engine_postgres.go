package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"runtime"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

//go:embed migrations_postgres/*.sql
var postgresMigrationFS embed.FS

// changesChannel is the NOTIFY channel every committing write transaction
// signals on, with its process's token as payload (changes.go).
const changesChannel = "pictor_changes"

// postgresEngine serves instances that outgrow one machine or run several
// processes: transactions are SERIALIZABLE and retried on serialization
// failures, commits are announced with NOTIFY.
var postgresEngine = &engine{
	name:       "postgres",
	migrations: mustSub(postgresMigrationFS, "migrations_postgres"),
	createMigrations: `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`,
	migrationLock: `SELECT pg_advisory_xact_lock(7364584)`, // any number no one else uses
	txOptions:     &sql.TxOptions{Isolation: sql.LevelSerializable},
	retryable:     pgRetryable,
	notifyCommit:  `SELECT pg_notify('` + changesChannel + `', ?)`,
	savepoint:     `SAVEPOINT pictor_guard`,
	release:       `RELEASE SAVEPOINT pictor_guard`,
	rollbackTo:    `ROLLBACK TO SAVEPOINT pictor_guard`,
	watch: func(db *DB, _ time.Duration) func() {
		return db.listenOtherWriters()
	},
	afterMigrate: func(context.Context, *DB) error { return nil },
	unsupported:  "not available on PostgreSQL: back it up with pg_dump (and pg_restore), check it with pg_amcheck",
	q: engineQueries{
		// PostgreSQL implements no LIMIT inside a recursive query: the
		// thread is cut after sorting instead.
		descendants: `WITH RECURSIVE thread(id, path) AS (
			SELECT id, lpad(id::text, 20, '0') FROM statuses WHERE in_reply_to_id = ?1
			UNION ALL
			SELECT s.id, t.path || '/' || lpad(s.id::text, 20, '0') FROM statuses s JOIN thread t ON s.in_reply_to_id = t.id
		)
		SELECT ` + statusColsS + ` FROM thread t JOIN statuses s ON s.id = t.id
		WHERE s.deleted_at = 0 ORDER BY t.path COLLATE "C" LIMIT ?2`,
		heldPairs: func(n int) string {
			return fmt.Sprintf(`SELECT key, value::bigint FROM json_each_text(?%d::json)`, n)
		},
		joinSpaced: func(expr string) string { return `string_agg(` + expr + `, ' ')` },
		// Rows of an insert-only table stay in insertion order on disk.
		insertOrder:    `ctid`,
		skipLocked:     ` FOR UPDATE SKIP LOCKED`,
		claimIsolation: `SET TRANSACTION ISOLATION LEVEL READ COMMITTED`,
		joinInOrder:    `JOIN`, // the planner orders joins by cost
	},
}

// OpenPostgres opens the PostgreSQL database at url (postgres://…) and
// applies pending migrations. The url carries a password: errors never
// quote it. opts.ReadConns bounds the reading pool.
func OpenPostgres(ctx context.Context, url string, opts Options) (*DB, error) {
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.ReadConns == 0 {
		opts.ReadConns = 2 * runtime.GOMAXPROCS(0)
	}
	if _, err := pgx.ParseConfig(url); err != nil {
		return nil, errors.New("open store: the PostgreSQL URL does not parse")
	}
	open := func() *sql.DB {
		return sql.OpenDB(&stmtCacheConnector{drv: stdlib.GetDefaultDriver(), dsn: url, dollarParams: true})
	}
	// Writes are serialised in the process (DB.writeMu); the writer pool
	// keeps a second connection for the statements run beside a Write.
	w, r := open(), open()
	w.SetMaxOpenConns(2)
	w.SetMaxIdleConns(2)
	r.SetMaxOpenConns(opts.ReadConns)
	r.SetMaxIdleConns(opts.ReadConns)
	token := make([]byte, 12)
	rand.Read(token)
	db := &DB{eng: postgresEngine, write: w, read: r, url: url, token: hex.EncodeToString(token), clock: opts.Clock,
		ids: NewIDGen(), changes: &changeLog{}, accounts: newAccountCache(), versions: &tableVersions{},
		statusCache: newStatusCache(maxCachedStatuses)}
	// The caches are invalidated from SQLite's change reports; PostgreSQL
	// has none in the process, so they stay off (exactness first).
	db.accounts.disable()
	db.versions.disable()
	db.statusCache.disable()
	if err := w.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store: connect to PostgreSQL: %w", err)
	}
	return db.start(ctx, opts)
}

// pgRetryable reports a serialization failure or deadlock, after which the
// whole transaction may be run again.
func pgRetryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// pgUnique reports a unique_violation.
func pgUnique(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// listenOtherWriters LISTENs on changesChannel on a connection of its own
// until the returned stop function is called; a notification from another
// process (another token) is an external change. After a lost connection it
// reconnects and counts one change, since notifications may have been lost.
func (db *DB) listenOtherWriters() (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	finished := make(chan struct{})
	listening := make(chan struct{})
	go func() {
		defer close(finished)
		first := true
		for ctx.Err() == nil {
			conn, err := pgx.Connect(ctx, db.url)
			if err == nil {
				_, err = conn.Exec(ctx, `LISTEN `+changesChannel)
			}
			if err != nil {
				if conn != nil {
					conn.Close(context.WithoutCancel(ctx))
				}
				if first {
					first = false
					close(listening)
				}
				if !sleepCtx(ctx, time.Second+jitter(time.Second)) {
					return
				}
				continue
			}
			if first {
				first = false
				close(listening)
			} else {
				db.externalChange()
			}
			for {
				n, err := conn.WaitForNotification(ctx)
				if err != nil {
					break
				}
				if n.Payload != db.token {
					db.externalChange()
				}
			}
			conn.Close(context.WithoutCancel(ctx))
		}
	}()
	// Open returns once LISTEN runs (or failed once), so that a commit made
	// after Open returns is never missed.
	<-listening
	return func() {
		cancel()
		<-finished
	}
}

// jitter returns a random duration below d.
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	n, err := rand.Int(rand.Reader, big.NewInt(int64(d)))
	if err != nil {
		return d / 2
	}
	return time.Duration(n.Int64())
}
