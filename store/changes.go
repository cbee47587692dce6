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

// ExternalChanges returns the DB's ChangeFeed. One poller per DB
// (watchOtherWriters, every Options.ExternalPoll) asks the writer
// connection: SQLite's data_version changes only for commits made through
// other connections, and every write of this process goes through that one
// connection, so the process's own writes never wake it. The same poll
// clears the store's own caches before subscribers hear of the change.
func (db *DB) ExternalChanges() ChangeFeed { return subscriberFeed{db: db} }

type subscriberFeed struct{ db *DB }

func (f subscriberFeed) Run(ctx context.Context, changed func()) error {
	ch := f.db.subscribe()
	defer f.db.unsubscribe(ch)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ch:
			changed()
		}
	}
}

// subscribe returns a channel that receives (coalesced) outside commits.
func (db *DB) subscribe() chan struct{} {
	ch := make(chan struct{}, 1)
	db.subsMu.Lock()
	db.subs[ch] = struct{}{}
	db.subsMu.Unlock()
	return ch
}

func (db *DB) unsubscribe(ch chan struct{}) {
	db.subsMu.Lock()
	delete(db.subs, ch)
	db.subsMu.Unlock()
}

// externalChange clears every cache and pokes every subscriber.
func (db *DB) externalChange() {
	db.clearCaches()
	db.poke()
}

// clearCaches empties every cache.
func (db *DB) clearCaches() {
	db.accounts.invalidate(nil, true)
	db.statusCache.invalidate(nil, true)
	db.tokens.invalidate(nil, true)
	db.flags.invalidate(nil, nil, true)
	db.versions.bumpAll()
}

// poke wakes every subscriber; a subscriber that has not yet taken the
// last poke gets no second one.
func (db *DB) poke() {
	db.subsMu.Lock()
	for ch := range db.subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
	db.subsMu.Unlock()
}

// watchOtherWriters polls data_version every interval until the returned
// stop function is called. Such changes are seen within one poll; this DB's
// own writes invalidate its caches at commit.
func (db *DB) watchOtherWriters(every time.Duration) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	finished := make(chan struct{})
	// The first version is read before Open returns: a write by another
	// process after it and before the first tick is then seen.
	last, err := db.dataVersion(ctx)
	go func() {
		defer close(finished)
		if err != nil {
			for err != nil {
				// The database may be busy or briefly unreadable; keep trying.
				if !sleepCtx(ctx, every) {
					return
				}
				last, err = db.dataVersion(ctx)
			}
			// Whatever other processes wrote meanwhile went unseen.
			db.externalChange()
		}
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			v, err := db.dataVersion(ctx)
			if err != nil {
				continue // closing, or busy: the next tick tries again
			}
			if v != last {
				last = v
				db.externalChange()
			}
		}
	}()
	return func() {
		cancel()
		<-finished
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
