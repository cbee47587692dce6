// Package store owns Pictor's database, SQLite (Open) or PostgreSQL
// (OpenPostgres): opening it, migrating it and every SQL statement in the
// project. Reads are methods on *DB, writes are methods on *Tx obtained
// through DB.Write. Its API uses Pictor's own records and errors, never an
// engine's types, so callers do not know which engine runs (engine.go).
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// ErrNotFound is returned when the requested row does not exist.
var ErrNotFound = errors.New("not found")

// ErrConflict is returned when a unique row already exists.
var ErrConflict = errors.New("already exists")

// DB is the database: a single-connection writer and a pool of readers.
// It is safe for concurrent use.
type DB struct {
	eng   *engine
	write *sql.DB
	read  *sql.DB
	path  string // SQLite's file
	url   string // PostgreSQL's connection URL (a secret)
	// token tells this DB's commit notifications from other processes'.
	token string
	clock func() time.Time
	ids   *IDGen

	writeMu sync.Mutex // serialises Write so a busy writer never spins
	// writeRetries counts Write functions run again after a serialization
	// failure (PostgreSQL, with other processes writing).
	writeRetries atomic.Int64

	changes  *changeLog     // rows of cached tables the running Write changed
	accounts *accountCache  // invalidated from changes after each Write
	versions *tableVersions // bumped from changes after each Write
	counts   countCache
	// statusCache keeps StatusExtras, invalidated from changes after each Write.
	statusCache *statusCache
	tokens      tokenCache
	// flags keeps StatusViewerFlags' reads, invalidated from changes
	// after each Write.
	flags       *flagCache
	filterCache filterCache // FiltersOf (filters.go)
	// stopWatch ends watchOtherWriters (listenOtherWriters on PostgreSQL).
	stopWatch func()
	// cachesAllowed: PostgreSQL's triggers report every table the caches
	// read (readWatchedTables), so the caches may be on while listening.
	cachesAllowed bool
	// listenPID is the PostgreSQL backend of the connection listening to
	// other processes' change reports (tests cut it).
	listenPID atomic.Uint32
	// listenHeartbeat is how long a listening connection may stay quiet
	// before it is pinged (listen).
	listenHeartbeat time.Duration
	// locks is LockName's pool (PostgreSQL), opened at first use.
	locks     *sql.DB
	locksOnce sync.Once
	// stopNode frees the id node held on PostgreSQL (holdIDNode).
	stopNode func()
	subsMu   sync.Mutex
	subs     map[chan struct{}]struct{} // ExternalChanges subscribers
}

// Options configures Open.
type Options struct {
	// Clock returns the current time; nil means time.Now. Tests fix it.
	Clock func() time.Time
	// ExternalPoll is how often the store looks for commits made by other
	// processes on the same file (the pictor CLI while serve runs); 0 means
	// 500 ms.
	ExternalPoll time.Duration
	// ReadConns bounds the reader pool; 0 means 2×GOMAXPROCS.
	ReadConns int
	// traceStatements, when set, sees each statement PostgreSQL receives,
	// rewritten to $N parameters, with its arguments (the plan tests).
	traceStatements func(text string, args []driver.NamedValue)
	// listenHeartbeat, when set, replaces defaultListenHeartbeat (tests).
	listenHeartbeat time.Duration
}

// Open opens (creating if needed) the database file at path and applies
// pending migrations. The file and SQLite's companion files are readable by
// the owner only (SecureFiles).
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.ReadConns == 0 {
		opts.ReadConns = 2 * runtime.GOMAXPROCS(0)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	if err := seedFromTemplate(ctx, abs); err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	if _, err := SecureFiles(abs); err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	changes, accounts, versions := &changeLog{}, newAccountCache(), &tableVersions{}
	statuses, flags := newStatusCache(maxCachedStatuses), newFlagCache()
	w, r, err := openPools(abs, func(conn driver.Conn) {
		if !changes.watch(conn) {
			accounts.disable()
			versions.disable()
			statuses.disable()
			flags.disable()
		}
	})
	if err != nil {
		return nil, err
	}
	r.SetMaxOpenConns(opts.ReadConns)
	r.SetMaxIdleConns(opts.ReadConns)
	db := &DB{eng: sqliteEngine, write: w, read: r, path: abs, clock: opts.Clock, ids: NewIDGen(), changes: changes,
		accounts: accounts, versions: versions, statusCache: statuses, flags: flags}
	return db.start(ctx, opts)
}

// start migrates the opened db and starts following other processes'
// commits; it closes db on failure.
func (db *DB) start(ctx context.Context, opts Options) (*DB, error) {
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.eng.afterMigrate(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	if opts.ExternalPoll <= 0 {
		opts.ExternalPoll = 500 * time.Millisecond
	}
	db.subs = map[chan struct{}]struct{}{}
	db.stopWatch = db.eng.watch(db, opts.ExternalPoll)
	return db, nil
}

// openPools opens the single-connection writer and the reader pool on path;
// every connection keeps its prepared statements (stmtcache.go), and
// onWriter sees each writer connection as it opens.
func openPools(path string, onWriter func(driver.Conn)) (w, r *sql.DB, err error) {
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() +
		"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)" +
		"&_pragma=synchronous(NORMAL)&_pragma=cache_size(-16000)&_txlock=immediate"
	w, err = openCached("sqlite", dsn, onWriter)
	if err != nil {
		return nil, nil, fmt.Errorf("open store: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	r, err = openCached("sqlite", dsn+"&_pragma=query_only(1)", nil)
	if err != nil {
		w.Close()
		return nil, nil, fmt.Errorf("open store: %w", err)
	}
	return w, r, nil
}

// Close closes both pools.
func (db *DB) Close() error {
	if db.stopWatch != nil {
		db.stopWatch()
	}
	if db.stopNode != nil {
		db.stopNode()
	}
	db.locksOnce.Do(func() {})
	if db.locks != nil {
		db.locks.Close()
	}
	return errors.Join(db.read.Close(), db.write.Close())
}

// Path returns the SQLite database file's absolute path, or a description
// of the PostgreSQL database (without its password).
func (db *DB) Path() string {
	if db.path != "" {
		return db.path
	}
	return RedactURL(db.url)
}

// Engine names the database engine: "sqlite" or "postgres".
func (db *DB) Engine() string { return db.eng.name }

// RedactURL returns a connection URL without its password, fit to print or
// log.
func RedactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "the PostgreSQL database"
	}
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	q := u.Query()
	if q.Has("password") {
		q.Del("password")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// Now returns the store's clock reading, in UTC with millisecond precision.
func (db *DB) Now() time.Time { return db.clock().UTC().Truncate(time.Millisecond) }

// NewID returns a fresh time-sortable id for t.
func (db *DB) NewID(t time.Time) int64 { return db.ids.Next(t) }

// Tx is a write transaction. Its methods may be called only inside the
// function passed to DB.Write.
type Tx struct {
	tx   *sql.Tx
	conn *sql.Conn // the connection tx runs on
	db   *DB
	now  time.Time
	// afterCommit hooks run once the transaction has committed.
	afterCommit []func()
}

// Now returns one fixed time for the whole transaction.
func (tx *Tx) Now() time.Time { return tx.now }

// NewID returns a fresh time-sortable id for t.
func (tx *Tx) NewID(t time.Time) int64 { return tx.db.ids.Next(t) }

// AfterCommit registers f to run after a successful commit (for events that
// must only be published once the data is durable).
func (tx *Tx) AfterCommit(f func()) { tx.afterCommit = append(tx.afterCommit, f) }

// Write runs fn in one transaction and commits it if fn returns nil.
// The write is not cancelled when ctx is (modernc can leave an interrupted
// connection behind; architecture.md), but it is bounded to one minute.
// Where the engine reports a serialization failure (PostgreSQL, with other
// processes writing), fn runs again in a new transaction, up to
// maxWriteAttempts times: fn must not keep effects outside tx but through
// AfterCommit.
func (db *DB) Write(ctx context.Context, fn func(tx *Tx) error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	db.writeMu.Lock()
	defer db.writeMu.Unlock()
	for attempt := 1; ; attempt++ {
		err := db.writeOnce(ctx, fn)
		if err == nil || db.eng.retryable == nil || !db.eng.retryable(err) || attempt == maxWriteAttempts {
			return err
		}
		db.writeRetries.Add(1)
		if !sleepCtx(ctx, jitter(time.Duration(attempt)*10*time.Millisecond)) {
			return err
		}
	}
}

// maxWriteAttempts bounds the runs of one Write's function.
const maxWriteAttempts = 10

func (db *DB) writeOnce(ctx context.Context, fn func(tx *Tx) error) error {
	// Whatever the outcome, the cached rows this transaction touched go once
	// it has ended (dropping an unchanged row is harmless), before Write
	// returns and before any after-commit hook runs.
	defer db.dropChanged(false)
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer conn.Close()
	sqlTx, err := conn.BeginTx(ctx, db.eng.txOptions)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &Tx{tx: sqlTx, conn: conn, db: db, now: db.Now()}
	if err := fn(tx); err != nil {
		if rbErr := sqlTx.Rollback(); rbErr != nil {
			return errors.Join(err, fmt.Errorf("rollback: %w", rbErr))
		}
		return err
	}
	if db.eng.commitChanges != "" {
		var report string
		if err := sqlTx.QueryRowContext(ctx, db.eng.commitChanges, db.token).Scan(&report); err != nil {
			sqlTx.Rollback()
			return fmt.Errorf("notify: %w", err)
		}
		db.changes.addReport(report)
	}
	db.beginFlagCommit()
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	db.dropChanged(true)
	for _, f := range tx.afterCommit {
		f()
	}
	return nil
}

// claimFirst lowers the isolation of a transaction whose first statement is
// a queue claim to what the claim needs (engine.claimIsolation); later in a
// transaction it does nothing.
func (tx *Tx) claimFirst(ctx context.Context) error {
	if tx.db.eng.q.claimIsolation == "" {
		return nil
	}
	fresh := false
	if err := tx.conn.Raw(func(dc any) error {
		if pc, ok := dc.(*paramConn); ok {
			fresh = pc.fresh
		}
		return nil
	}); err != nil {
		return fmt.Errorf("claim: %w", err)
	}
	if !fresh {
		return nil
	}
	if _, err := tx.tx.ExecContext(ctx, tx.db.eng.q.claimIsolation); err != nil {
		return fmt.Errorf("claim isolation: %w", err)
	}
	return nil
}

// insertNew runs query, an INSERT … ON CONFLICT DO NOTHING, and returns
// ErrConflict when a unique row was there already and nothing was inserted.
// A conflict is no error to either engine, so the transaction goes on after
// ErrConflict (PostgreSQL would abort it on a unique violation).
func (tx *Tx) insertNew(ctx context.Context, query string, args ...any) error {
	res, err := tx.tx.ExecContext(ctx, query, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrConflict
	}
	return nil
}

// WriteRetries returns how many times a Write's function ran again after a
// serialization failure since the DB was opened.
func (db *DB) WriteRetries() int64 { return db.writeRetries.Load() }

// dropChanged removes from the caches the rows the last write changed;
// committed says it committed (a token's use record then updates the
// cached token instead of dropping it, and the marks it changed are applied
// to the flag cache).
func (db *DB) dropChanged(committed bool) {
	if touches := db.changes.takeTouches(); committed {
		db.tokens.touched(touches) // before the drops, which win
	} else {
		db.tokens.invalidate(slices.Collect(maps.Keys(touches)), false)
	}
	db.drop(db.changes)
	db.dropChangedFlags(committed)
}

// drop removes from the caches the rows l recorded, and forgets them.
func (db *DB) drop(l *changeLog) {
	ids, all, tables := l.take()
	db.accounts.invalidate(ids, all)
	db.tokens.invalidateAccounts(ids, all)
	db.accounts.invalidateVersions(l.takeIDs(&l.entities))
	db.tokens.invalidate(l.takeIDs(&l.tokens))
	db.versions.bump(tables)
	db.statusCache.invalidate(l.takeIDs(&l.statuses))
	if l.takeUnknown() {
		db.clearCaches()
	}
}

// ms converts a time to the stored Unix-millisecond form; the zero time is 0.
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// fromMS converts a stored Unix-millisecond value back; 0 is the zero time.
func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// notFound maps sql.ErrNoRows to ErrNotFound and wraps other errors.
func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return fmt.Errorf("%s: %w", what, err)
}
