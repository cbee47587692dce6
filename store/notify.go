package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
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
