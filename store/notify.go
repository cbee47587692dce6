package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// ErrNoNotify is returned by Notify and Listen on SQLite, where one process
// works the database and in-process events need no relay.
var ErrNoNotify = errors.New("notifications between processes need PostgreSQL")

// MaxNotifyPayload is the largest payload Notify sends: PostgreSQL refuses
// payloads of 8,000 bytes or more.
const MaxNotifyPayload = 7900

// Notify sends payload on channel to every process LISTENing on it
// (PostgreSQL NOTIFY, outside any transaction: it is sent at once).
func (db *DB) Notify(ctx context.Context, channel, payload string) error {
	if db.eng != postgresEngine {
		return ErrNoNotify
	}
	if len(payload) > MaxNotifyPayload {
		return fmt.Errorf("notify %s: payload of %d bytes is over %d", channel, len(payload), MaxNotifyPayload)
	}
	if _, err := db.read.ExecContext(ctx, `SELECT pg_notify(?, ?)`, channel, payload); err != nil {
		return fmt.Errorf("notify %s: %w", channel, err)
	}
	return nil
}

// Listen calls fn with the payload of each notification on channel, from
// any process (this one included), until ctx ends. It runs on a connection
// of its own and reconnects after a lost connection (notifications sent
// meanwhile are lost: the store stays the truth). ready, when not nil, is
// called once LISTEN first runs.
func (db *DB) Listen(ctx context.Context, channel string, ready func(), fn func(payload string)) error {
	if db.eng != postgresEngine {
		return ErrNoNotify
	}
	for ctx.Err() == nil {
		conn, err := pgx.Connect(ctx, db.url)
		if err == nil {
			_, err = conn.Exec(ctx, `LISTEN `+pgx.Identifier{channel}.Sanitize())
		}
		if err == nil {
			if ready != nil {
				ready()
				ready = nil
			}
			for {
				n, err := conn.WaitForNotification(ctx)
				if err != nil {
					break
				}
				fn(n.Payload)
			}
		}
		if conn != nil {
			conn.Close(context.WithoutCancel(ctx))
		}
		if !sleepCtx(ctx, time.Second+jitter(time.Second)) {
			break
		}
	}
	return nil
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
