package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// ErrNoNotify is returned by Notify and Listen on SQLite, where one process
// works the database and in-process events need no relay.
var ErrNoNotify = errors.New("notifications between processes need PostgreSQL")

// MaxNotifyPayload is the largest payload Notify sends: PostgreSQL refuses
// payloads of 8,000 bytes or more (the sender's token goes first).
const MaxNotifyPayload = 7900

// Notify sends payload on channel to every other process LISTENing on it
// (PostgreSQL NOTIFY, outside any transaction: it is sent at once). The
// notification carries the DB's process token before payload, as the
// commit notifications do, so that Listen passes over the process's own.
func (db *DB) Notify(ctx context.Context, channel, payload string) error {
	if db.eng != postgresEngine {
		return ErrNoNotify
	}
	if len(payload) > MaxNotifyPayload {
		return fmt.Errorf("notify %s: payload of %d bytes is over %d", channel, len(payload), MaxNotifyPayload)
	}
	if _, err := db.read.ExecContext(ctx, `SELECT pg_notify(?, ?)`, channel, db.token+payload); err != nil {
		return fmt.Errorf("notify %s: %w", channel, err)
	}
	return nil
}

// Listen calls fn with the payload of each notification another process
// sends on channel (Notify, or a commit on changesChannel with its change
// report), until ctx ends. It runs on a connection of its own and
// reconnects after a lost connection; notifications sent meanwhile are
// lost (the store stays the truth). listened, when not nil, is called after
// each attempt to LISTEN with its error: a nil error after the first call
// follows a reconnect.
func (db *DB) Listen(ctx context.Context, channel string, listened func(err error), fn func(payload string)) error {
	if db.eng != postgresEngine {
		return ErrNoNotify
	}
	db.listen(ctx, channel, func(_ *pgx.Conn, err error) {
		if listened != nil {
			listened(err)
		}
	}, nil, fn)
	return nil
}

// defaultListenHeartbeat is how long a listening connection may stay
// quiet before it is pinged: a connection cut without a word (a network
// partition, a frozen server) is found lost within about twice this.
const defaultListenHeartbeat = 15 * time.Second

// listen is Listen on PostgreSQL. listened also gets the connection (when
// err is nil); lost, when not nil, is called as soon as a connection that
// listened fails, before reconnecting. A lost connection is replaced at
// once; failed attempts are retried every second or two. A connection
// quiet for db.listenHeartbeat is pinged, and lost unless it answers
// within as long again.
func (db *DB) listen(ctx context.Context, channel string, listened func(conn *pgx.Conn, err error), lost func(err error),
	fn func(payload string)) {
	for ctx.Err() == nil {
		conn, err := pgx.Connect(ctx, db.url)
		if err == nil {
			_, err = conn.Exec(ctx, `LISTEN `+pgx.Identifier{channel}.Sanitize())
		}
		listened(conn, err)
		live := err == nil
		for err == nil {
			var n *pgconn.Notification
			n, err = db.waitForNotification(ctx, conn)
			if err == nil && n != nil && len(n.Payload) >= len(db.token) && !strings.HasPrefix(n.Payload, db.token) {
				fn(n.Payload[len(db.token):])
			}
		}
		if conn != nil {
			// Bounded: the server may not be answering.
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			conn.Close(cctx)
			cancel()
		}
		if ctx.Err() != nil {
			return
		}
		if live {
			if lost != nil {
				lost(err)
			}
			continue
		}
		if !sleepCtx(ctx, time.Second+jitter(time.Second)) {
			return
		}
	}
}

// waitForNotification waits for the next notification on conn; after
// db.listenHeartbeat without one it pings conn and returns a nil
// notification if it answers.
func (db *DB) waitForNotification(ctx context.Context, conn *pgx.Conn) (*pgconn.Notification, error) {
	beat := db.listenHeartbeat
	if beat <= 0 {
		beat = defaultListenHeartbeat
	}
	wctx, cancel := context.WithTimeout(ctx, beat)
	n, err := conn.WaitForNotification(wctx)
	cancel()
	if err == nil || ctx.Err() != nil || !errors.Is(err, context.DeadlineExceeded) {
		return n, err
	}
	// Quiet: a timed-out wait leaves the connection usable (pgx sets a
	// read deadline); ask it to answer.
	pctx, cancel := context.WithTimeout(ctx, beat)
	defer cancel()
	if err := conn.Ping(pctx); err != nil {
		return nil, fmt.Errorf("listening connection silent: %w", err)
	}
	return nil, nil
}

// maxNameLocks bounds the connections LockName holds at once.
const maxNameLocks = 8

// LockName holds a lock on name shared by every process on the database
// until unlock is called, for work that must not run twice at once across
// processes (a post under one Idempotency-Key). On SQLite, with one
// process, the caller's in-process lock is enough and it returns at once.
// On PostgreSQL it is a session advisory lock on a connection of a small
// pool of its own, so waiting lockers never starve the store's pools.
func (db *DB) LockName(ctx context.Context, name string) (unlock func(), err error) {
	if db.eng != postgresEngine {
		return func() {}, nil
	}
	db.locksOnce.Do(func() {
		db.locks = sql.OpenDB(&stmtCacheConnector{drv: stdlib.GetDefaultDriver(), dsn: db.url, dollarParams: true})
		db.locks.SetMaxOpenConns(maxNameLocks)
		db.locks.SetMaxIdleConns(2)
	})
	conn, err := db.locks.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("lock %q: %w", name, err)
	}
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(7364586, hashtext(?))`, name); err != nil {
		conn.Raw(func(any) error { return driver.ErrBadConn }) // a lock may be half taken: drop the connection
		conn.Close()
		return nil, fmt.Errorf("lock %q: %w", name, err)
	}
	return func() {
		if _, err := conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock(7364586, hashtext(?))`, name); err != nil {
			conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		conn.Close()
	}, nil
}
