package store

import (
	"container/list"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
)

// Every query of the store goes through database/sql with its SQL text, and
// most drivers (modernc's among them) parse and plan that text again on each
// call: under load, a third of the CPU went to SQLite's parser (issue 9).
// stmtCacheConnector keeps, per driver connection, the prepared statements of
// the texts it ran most recently and runs each query on its prepared
// statement, so every query of every file benefits without a change to it.
// It sits between database/sql and the driver and uses only database/sql's
// driver interfaces, so it serves any engine whose driver prepares
// statements (a PostgreSQL driver as well as SQLite's).

// stmtCacheSize bounds the statements kept per connection; the hot queries
// are a few dozen, and texts built with a variable number of placeholders
// come and go.
const stmtCacheSize = 200

// maxCachedQuery leaves long texts (migration scripts, multi-row inserts)
// out of the cache: they run rarely and would only take memory.
const maxCachedQuery = 8 << 10

// stmtCacheConnector opens connections of drv to dsn that cache statements.
type stmtCacheConnector struct {
	drv       driver.Driver
	dsn       string
	onConnect func(driver.Conn) // nil, or sees each new driver connection
	// dollarParams: the engine numbers parameters $1..$n and caches its
	// prepared statements itself (pgx does, per connection): each text is
	// rewritten once per connection (placeholders.go) and passed on.
	dollarParams bool
	// trace, when set, sees each statement as the engine receives it
	// (tests read the plans of the store's own statements with it).
	trace func(text string, args []driver.NamedValue)
}

// openCached is sql.Open with a statement cache on every connection;
// onConnect, if not nil, sees each driver connection as it opens.
func openCached(driverName, dsn string, onConnect func(driver.Conn)) (*sql.DB, error) {
	probe, err := sql.Open(driverName, dsn)
	if err != nil {
		return nil, err
	}
	drv := probe.Driver()
	probe.Close()
	return sql.OpenDB(&stmtCacheConnector{drv: drv, dsn: dsn, onConnect: onConnect}), nil
}

func (c *stmtCacheConnector) Connect(ctx context.Context) (driver.Conn, error) {
	var conn driver.Conn
	var err error
	if dc, ok := c.drv.(driver.DriverContext); ok {
		var ctor driver.Connector
		if ctor, err = dc.OpenConnector(c.dsn); err != nil {
			return nil, err
		}
		conn, err = ctor.Connect(ctx)
	} else {
		conn, err = c.drv.Open(c.dsn)
	}
	if err != nil {
		return nil, err
	}
	if c.onConnect != nil {
		c.onConnect(conn)
	}
	if c.dollarParams {
		return &paramConn{forwardConn: forwardConn{conn}, texts: map[string]numberedParams{}, trace: c.trace}, nil
	}
	if _, ok := conn.(driver.ConnPrepareContext); !ok {
		return conn, nil // nothing to cache with
	}
	return &stmtCacheConn{forwardConn: forwardConn{conn}, byQuery: map[string]*list.Element{}, lru: list.New()}, nil
}

func (c *stmtCacheConnector) Driver() driver.Driver { return c.drv }

// stmtCacheConn is a driver connection with its statement cache. Like every
// driver.Conn it is used by one goroutine at a time (database/sql holds the
// connection's lock around each call, Rows.Close included), so the cache
// needs no lock of its own.
type stmtCacheConn struct {
	forwardConn
	byQuery map[string]*list.Element // of *cachedStmt, most recent at the front of lru
	lru     *list.List
}

// cachedStmt is one prepared statement. busy is set while a Rows reads from
// it: a second query of the same text meanwhile (an outer loop inside a
// transaction) runs unprepared rather than resetting the first one's rows.
type cachedStmt struct {
	query   string
	stmt    driver.Stmt
	busy    bool
	evicted bool // left the cache while busy: closed when its rows close
}

// stmt returns the cached statement for query, preparing it on first use,
// or nil when the query should run uncached.
func (c *stmtCacheConn) stmt(ctx context.Context, query string) (*cachedStmt, error) {
	if el, ok := c.byQuery[query]; ok {
		c.lru.MoveToFront(el)
		cs := el.Value.(*cachedStmt)
		if cs.busy {
			return nil, nil
		}
		return cs, nil
	}
	if len(query) > maxCachedQuery {
		return nil, nil
	}
	st, err := c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	cs := &cachedStmt{query: query, stmt: st}
	c.byQuery[query] = c.lru.PushFront(cs)
	for c.lru.Len() > stmtCacheSize {
		old := c.lru.Remove(c.lru.Back()).(*cachedStmt)
		delete(c.byQuery, old.query)
		if old.busy {
			old.evicted = true
		} else {
			old.stmt.Close()
		}
	}
	return cs, nil
}

// QueryContext runs query on its prepared statement.
func (c *stmtCacheConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	cs, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	sq, ok := stmtQueryer(cs)
	if !ok {
		if q, ok := c.Conn.(driver.QueryerContext); ok {
			return q.QueryContext(ctx, query, args)
		}
		return nil, driver.ErrSkip
	}
	rows, err := sq.QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	cs.busy = true
	return &cachedRows{Rows: rows, cs: cs}, nil
}

// ExecContext runs query on its prepared statement.
func (c *stmtCacheConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	cs, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if cs != nil {
		if se, ok := cs.stmt.(driver.StmtExecContext); ok {
			return se.ExecContext(ctx, args)
		}
	}
	if e, ok := c.Conn.(driver.ExecerContext); ok {
		return e.ExecContext(ctx, query, args)
	}
	return nil, driver.ErrSkip
}

func stmtQueryer(cs *cachedStmt) (driver.StmtQueryContext, bool) {
	if cs == nil {
		return nil, false
	}
	sq, ok := cs.stmt.(driver.StmtQueryContext)
	return sq, ok
}

// Close closes the cached statements, then the connection.
func (c *stmtCacheConn) Close() error {
	var errs []error
	for el := c.lru.Front(); el != nil; el = el.Next() {
		errs = append(errs, el.Value.(*cachedStmt).stmt.Close())
	}
	c.lru.Init()
	clear(c.byQuery)
	return errors.Join(append(errs, c.Conn.Close())...)
}

// The optional interfaces database/sql looks for are passed through.

func (c *stmtCacheConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
}

func (c *stmtCacheConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if b, ok := c.Conn.(driver.ConnBeginTx); ok {
		return b.BeginTx(ctx, opts)
	}
	return c.Conn.Begin() //nolint:staticcheck // drivers without BeginTx
}

// cachedRows releases its statement for the next query when closed.
type cachedRows struct {
	driver.Rows
	cs *cachedStmt
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	r.cs.busy = false
	if r.cs.evicted {
		err = errors.Join(err, r.cs.stmt.Close())
	}
	return err
}

// paramConn rewrites each statement text to $N parameters, once per text,
// and runs it on the driver's connection (which prepares and caches it).
type paramConn struct {
	forwardConn
	texts map[string]numberedParams
	// fresh is set while the open transaction has run no statement yet
	// (Tx.claimFirst may still choose its isolation).
	fresh bool
	trace func(text string, args []driver.NamedValue) // stmtCacheConnector.trace
}

// maxRewrittenTexts bounds paramConn's memory of texts; past it, it starts over.
const maxRewrittenTexts = 1000

func (c *paramConn) rewrite(query string, args []driver.NamedValue) (string, []driver.NamedValue, error) {
	p, ok := c.texts[query]
	if !ok {
		p = rewriteParams(query)
		if len(query) <= maxCachedQuery {
			if len(c.texts) >= maxRewrittenTexts {
				clear(c.texts)
			}
			c.texts[query] = p
		}
	}
	args, err := p.args(args)
	if err == nil && c.trace != nil {
		c.trace(p.text, args)
	}
	return p.text, args, err
}

func (c *paramConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	q, ok := c.Conn.(driver.QueryerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	c.fresh = false
	text, args, err := c.rewrite(query, args)
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, text, args)
	if err != nil {
		return nil, err
	}
	return intBoolRows{rows}, nil
}

// intBoolRows returns booleans as the integers 1 and 0, as SQLite does, so
// that a boolean expression (EXISTS, a comparison) scans into an int on
// either engine, and into a bool as before.
type intBoolRows struct{ driver.Rows }

func (r intBoolRows) Next(dest []driver.Value) error {
	if err := r.Rows.Next(dest); err != nil {
		return err
	}
	for i, v := range dest {
		if b, ok := v.(bool); ok {
			dest[i] = int64(b2i(b))
		}
	}
	return nil
}

func (c *paramConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	e, ok := c.Conn.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	c.fresh = false
	text, args, err := c.rewrite(query, args)
	if err != nil {
		return nil, err
	}
	return e.ExecContext(ctx, text, args)
}

// PrepareContext prepares the rewritten text; such a statement takes its
// arguments by position only.
func (c *paramConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	text, _, err := c.rewrite(query, nil)
	if err != nil {
		return nil, err
	}
	return c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, text)
}

func (c *paramConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	tx, err := c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
	c.fresh = err == nil
	return tx, err
}

// CheckNamedValue lets the driver convert arguments its own way (pgx
// encodes more Go types than database/sql's defaults).
func (c *paramConn) CheckNamedValue(nv *driver.NamedValue) error {
	if ch, ok := c.Conn.(driver.NamedValueChecker); ok {
		return ch.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

// forwardConn is a driver connection wrapped by the store's connectors; it
// forwards the optional interfaces the wrappers do not change.
type forwardConn struct{ driver.Conn }

func (c forwardConn) Ping(ctx context.Context) error {
	if p, ok := c.Conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (c forwardConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c forwardConn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}
