package store

import (
	"context"
	"fmt"
	"time"
)

// ChangeFeed tells a process that another process (the CLI, a second
// server) has committed to the database, so that it can look at its queues
// and reload what it caches. It is the one place where wake-ups cross
// processes: SQLite polls PRAGMA data_version (ExternalChanges); a
// PostgreSQL store would LISTEN for a NOTIFY sent by each committing
// transaction and satisfy the same interface.
type ChangeFeed interface {
	// Run calls changed after commits made by other processes, at most once
	// per poll, until ctx ends; it then returns nil. changed runs on Run's
	// goroutine and must not block for long.
	Run(ctx context.Context, changed func()) error
}

// ExternalChanges returns a ChangeFeed that polls every interval. It asks
// the writer connection: SQLite's data_version changes only for commits
// made through other connections, and every write of this process goes
// through that one connection, so the process's own writes never wake it.
func (db *DB) ExternalChanges(every time.Duration) ChangeFeed {
	if every <= 0 {
		every = 500 * time.Millisecond
	}
	return dataVersionFeed{db: db, every: every}
}

type dataVersionFeed struct {
	db    *DB
	every time.Duration
}

func (f dataVersionFeed) Run(ctx context.Context, changed func()) error {
	last, err := f.db.dataVersion(ctx)
	for err != nil && ctx.Err() == nil {
		// The database may be busy or briefly unreadable; keep trying.
		if !sleepCtx(ctx, f.every) {
			return nil
		}
		last, err = f.db.dataVersion(ctx)
	}
	t := time.NewTicker(f.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		v, err := f.db.dataVersion(ctx)
		if err != nil {
			continue // a failed poll only delays the wake-up to the next one
		}
		if v != last {
			last = v
			changed()
		}
	}
}

// dataVersion reads PRAGMA data_version on the writer connection.
func (db *DB) dataVersion(ctx context.Context) (int64, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	var v int64
	if err := db.write.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&v); err != nil {
		return 0, fmt.Errorf("data version: %w", err)
	}
	return v, nil
}

// sleepCtx waits d or until ctx ends; it reports whether ctx is still live.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
