package store

import (
	"database/sql/driver"
	"sync"

	"modernc.org/sqlite"
)

// changeLog collects, for the transaction running on the writer, the rows
// of cached tables it changes: SQLite reports every row change of the
// writer connection to it (the pre-update hook), including those made by
// triggers and foreign-key cascades, so no write path can forget to
// invalidate. DB.Write hands the ids to the caches once the transaction has
// committed, and drops them if it rolls back.
type changeLog struct {
	mu       sync.Mutex
	accounts []int64
	all      bool // too many to list: drop whole caches
}

// maxLoggedChanges bounds the list; past it a commit clears the caches.
const maxLoggedChanges = 10_000

// preUpdateHooker is the method of modernc's connections that registers
// SQLite's pre-update hook.
type preUpdateHooker interface {
	RegisterPreUpdateHook(sqlite.PreUpdateHookFn)
}

// watch registers l on a writer connection; a driver without the hook gets
// no cache invalidation, so the caches are turned off (DB.cachesOff).
func (l *changeLog) watch(conn driver.Conn) bool {
	h, ok := conn.(preUpdateHooker)
	if !ok {
		return false
	}
	h.RegisterPreUpdateHook(func(d sqlite.SQLitePreUpdateData) {
		if d.TableName == "accounts" {
			l.record(d.OldRowID, d.NewRowID)
		}
	})
	return true
}

func (l *changeLog) record(ids ...int64) {
	l.mu.Lock()
	if !l.all {
		l.accounts = append(l.accounts, ids...)
		if len(l.accounts) > maxLoggedChanges {
			l.accounts, l.all = nil, true
		}
	}
	l.mu.Unlock()
}

// take returns and forgets what was recorded.
func (l *changeLog) take() (accounts []int64, all bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	accounts, all = l.accounts, l.all
	l.accounts, l.all = nil, false
	return accounts, all
}
