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
// signals on, with its process's token and its change report as payload
// (changes_postgres.go).
const changesChannel = "pictor_changes"

// postgresEngine serves instances that outgrow one machine or run several
// processes: transactions are SERIALIZABLE and retried on serialization
// failures, commits and the cached rows they change are announced with
// NOTIFY.
var postgresEngine = &engine{
	name:       "postgres",
	migrations: mustSub(postgresMigrationFS, "migrations_postgres"),
	createMigrations: `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`,
	migrationLock: `SELECT pg_advisory_xact_lock(7364584)`, // any number no one else uses
	txOptions:     &sql.TxOptions{Isolation: sql.LevelSerializable},
	retryable:     pgRetryable,
	commitChanges: `SELECT pictor_changes_commit(?)`,
	watch: func(db *DB, _ time.Duration) func() {
		return db.listenOtherWriters()
	},
	afterMigrate: func(ctx context.Context, db *DB) error { return db.readWatchedTables(ctx) },
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
		// Every process holds an id node's advisory lock (holdIDNode)
		// while it runs, and PostgreSQL frees it when the process dies.
		otherProcesses: `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted
			AND classid = 7364585 AND objsubid = 2 AND objid::bigint <> ?1`,
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
		return sql.OpenDB(&stmtCacheConnector{drv: stdlib.GetDefaultDriver(), dsn: url, dollarParams: true,
			trace: opts.traceStatements})
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
		statusCache: newStatusCache(maxCachedStatuses), flags: newFlagCache(), listenHeartbeat: opts.listenHeartbeat}
	if db.listenHeartbeat <= 0 {
		db.listenHeartbeat = defaultListenHeartbeat
	}
	// The caches stay off until the change reports of other processes
	// are listened to (listenOtherWriters).
	db.setCachesOn(false)
	// The flag cache applies the marks a write adds and removes from the
	// rows SQLite's hook reports; PostgreSQL's change reports name tables
	// and ids only, so it stays off here (exactness first).
	db.flags.disable()
	if err := w.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store: connect to PostgreSQL: %w", err)
	}
	if _, err := db.start(ctx, opts); err != nil {
		return nil, err
	}
	stop, err := db.holdIDNode(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	db.stopNode = stop
	return db, nil
}

// pgRetryable reports a serialization failure or deadlock, after which the
// whole transaction may be run again.
func pgRetryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// listenOtherWriters LISTENs on changesChannel (listen) until the returned
// stop function is called; a commit of another process drops the rows it
// changed from the caches and is an external change. The caches are on
// only while the connection listens: from its loss until it listens again
// they are off, and they start empty (notifications may have been lost),
// with one external change counted on reconnecting.
func (db *DB) listenOtherWriters() (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	finished := make(chan struct{})
	listening := make(chan struct{})
	go func() {
		defer close(finished)
		first := true
		db.listen(ctx, changesChannel, func(conn *pgx.Conn, err error) {
			if err == nil {
				db.listenPID.Store(conn.PgConn().PID())
				db.setCachesOn(db.cachesAllowed)
				if !first {
					db.poke()
				}
			}
			if first {
				first = false
				close(listening)
			}
		}, func(error) { db.setCachesOn(false) }, db.otherCommit)
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

// idNodeLock is the first key of the advisory locks that reserve id nodes
// (ids.go); the second key is the node.
const idNodeLock = 7364585

// holdIDNode reserves an id node for this process: it takes the first free
// advisory lock (idNodeLock, node) on a connection of its own and keeps the
// connection until the returned stop function is called. PostgreSQL frees
// the lock when the process dies, so a node is never held by a dead
// process. If the connection is lost, the lock is gone with it: the
// goroutine reconnects and takes a node again (the same one when it is still
// free) before the generator mints in it.
func (db *DB) holdIDNode(ctx context.Context) (stop func(), err error) {
	take := func(ctx context.Context, prefer int64) (*pgx.Conn, int64, error) {
		conn, err := pgx.Connect(ctx, db.url)
		if err != nil {
			return nil, 0, fmt.Errorf("connect to PostgreSQL: %w", err)
		}
		for i := int64(0); i < 1<<idNodeBits; i++ {
			node := (prefer + i) % (1 << idNodeBits)
			var ok bool
			if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1, $2)`, idNodeLock, node).Scan(&ok); err != nil {
				conn.Close(context.WithoutCancel(ctx))
				return nil, 0, fmt.Errorf("reserve an id node: %w", err)
			}
			if ok {
				return conn, node, nil
			}
		}
		conn.Close(context.WithoutCancel(ctx))
		return nil, 0, fmt.Errorf("reserve an id node: all %d are held by other processes on this database", 1<<idNodeBits)
	}
	conn, node, err := take(ctx, 0)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	db.ids.setNode(node)
	runCtx, cancel := context.WithCancel(context.Background())
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for {
			// Without LISTEN nothing arrives: this waits for the
			// connection to fail or for stop.
			conn.WaitForNotification(runCtx)
			conn.Close(context.WithoutCancel(runCtx))
			if runCtx.Err() != nil {
				return
			}
			// The lock went with the connection: hold ids until a node
			// is ours again, so no other process can mint beside us.
			db.ids.mu.Lock()
			for {
				conn, node, err = take(runCtx, node)
				if err == nil || !sleepCtx(runCtx, time.Second+jitter(time.Second)) {
					break
				}
			}
			if err != nil {
				db.ids.mu.Unlock()
				return
			}
			db.ids.setNodeLocked(node)
			db.ids.mu.Unlock()
		}
	}()
	return func() {
		cancel()
		<-finished
	}, nil
}
