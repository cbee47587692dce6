package store

import (
	"database/sql/driver"
	"sync"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// changeLog collects, for the transaction running on the writer, the rows
// of cached tables it changes: SQLite reports every row change of the
// writer connection to it (the pre-update hook), including those made by
// triggers and foreign-key cascades, so no write path can forget to
// invalidate. DB.Write hands the ids to the caches once the transaction has
// committed, and drops them if it rolls back.
type changeLog struct {
	mu       sync.Mutex
	accounts idLog               // accounts rows changed
	tables   map[string]struct{} // every table changed

	// oauth_tokens rows changed (cache_tokens.go), and those whose only
	// change is a new last_used_at (a use record: id → Unix ms).
	tokens    idLog
	touches   map[int64]int64
	tokenCols *tokenColumns

	// accounts whose entity versions a change of their counts or
	// statuses drops (AccountVersions).
	entities idLog

	// statuses whose cached extras a change affects (cache_statuses.go).
	statuses   idLog
	statusCols *statusColumns

	// marks a change adds and removes (all: too many, or unknown), and
	// statuses whose screening flag it affects (cache_flags.go).
	markDeltas []markDelta
	marksAll   bool
	screened   idLog
	flagCols   *flagColumns

	// unknown: a change report (PostgreSQL, changes_postgres.go) named
	// something else, or everything: every cache is emptied.
	unknown bool
}

// maxLoggedChanges bounds an idLog; past it a commit clears its cache.
const maxLoggedChanges = 10_000

// idLog lists the row ids a transaction changed for one cache, or says
// there were too many (or unknown ones) to list: all. Its owner's mutex
// guards it.
type idLog struct {
	ids []int64
	all bool
}

// add records ids (zero ids, a side an insert or delete lacks, are
// skipped), or everything when all.
func (g *idLog) add(ids []int64, all bool) {
	if all {
		g.ids, g.all = nil, true
	}
	if g.all {
		return
	}
	for _, id := range ids {
		if id != 0 {
			g.ids = append(g.ids, id)
		}
	}
	if len(g.ids) > maxLoggedChanges {
		g.ids, g.all = nil, true
	}
}

// take returns and forgets what was recorded.
func (g *idLog) take() (ids []int64, all bool) {
	ids, all = g.ids, g.all
	g.ids, g.all = nil, false
	return ids, all
}

// preUpdateHooker is the method of modernc's connections that registers
// SQLite's pre-update hook.
type preUpdateHooker interface {
	RegisterPreUpdateHook(sqlite.PreUpdateHookFn)
}

// watch registers l on a writer connection; a driver without the hook gets
// no cache invalidation, so the caches are turned off.
func (l *changeLog) watch(conn driver.Conn) bool {
	h, ok := conn.(preUpdateHooker)
	if !ok {
		return false
	}
	h.RegisterPreUpdateHook(func(d sqlite.SQLitePreUpdateData) {
		switch d.TableName {
		case "accounts":
			l.record(d.OldRowID, d.NewRowID)
		case "oauth_tokens":
			l.recordTokenChange(&d)
		case "account_counts": // account_id is its rowid
			l.recordEntities([]int64{d.OldRowID, d.NewRowID}, false)
		case "statuses":
			l.recordStatusAuthor(&d)
		}
		l.touch(d.TableName)
		l.recordStatusChange(&d)
		l.recordFlagChange(&d)
	})
	return true
}

func (l *changeLog) record(ids ...int64) {
	l.mu.Lock()
	l.accounts.add(ids, false)
	l.mu.Unlock()
}

func (l *changeLog) touch(table string) {
	l.mu.Lock()
	if _, ok := l.tables[table]; !ok {
		if l.tables == nil {
			l.tables = map[string]struct{}{}
		}
		l.tables[table] = struct{}{}
	}
	l.mu.Unlock()
}

func (l *changeLog) recordEntities(ids []int64, all bool) {
	l.mu.Lock()
	l.entities.add(ids, all)
	l.mu.Unlock()
}

// recordStatusAuthor notes the author of a changed statuses row (old and
// new), whose last status time may have changed.
func (l *changeLog) recordStatusAuthor(d *sqlite.SQLitePreUpdateData) {
	l.mu.Lock()
	sc := l.statusCols
	l.mu.Unlock()
	if sc == nil || sc.statusAuthor < 0 {
		l.recordEntities(nil, true)
		return
	}
	ids, ok := rowInts(d, []int{sc.statusAuthor})
	l.recordEntities(ids, !ok)
}

// rowSides reads the integer columns cols (0 for NULL or another type) of
// the row a pre-update hook reports and hands them to fn: before the change
// (but for an insert; after is false), then after it (but for a delete).
// It reports false when a side could not be read.
func rowSides(d *sqlite.SQLitePreUpdateData, cols []int, fn func(vals []int64, after bool)) bool {
	n := 0
	for _, c := range cols {
		n = max(n, c+1)
	}
	row := make([]any, n)
	vals := make([]int64, len(cols))
	side := func(get func(...any) error, after bool) bool {
		clear(row)
		if err := get(row...); err != nil {
			return false
		}
		for i, c := range cols {
			vals[i], _ = row[c].(int64)
		}
		fn(vals, after)
		return true
	}
	if d.Op != sqlite3.SQLITE_INSERT && !side(d.Old, false) {
		return false
	}
	return d.Op == sqlite3.SQLITE_DELETE || side(d.New, true)
}

// rowInts returns the non-zero integers in columns cols of both sides of
// the row a pre-update hook reports (rowSides); ok is false when a side
// could not be read.
func rowInts(d *sqlite.SQLitePreUpdateData, cols []int) (ids []int64, ok bool) {
	ok = rowSides(d, cols, func(vals []int64, _ bool) {
		for _, v := range vals {
			if v != 0 {
				ids = append(ids, v)
			}
		}
	})
	return ids, ok
}

func (l *changeLog) recordTokens(ids ...int64) {
	l.mu.Lock()
	l.tokens.add(ids, false)
	l.mu.Unlock()
}

// takeIDs returns and forgets what one of l's idLogs recorded.
func (l *changeLog) takeIDs(g *idLog) (ids []int64, all bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return g.take()
}

// take returns and forgets what was recorded.
func (l *changeLog) take() (accounts []int64, all bool, tables map[string]struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	accounts, all = l.accounts.take()
	tables, l.tables = l.tables, nil
	return accounts, all, tables
}

// takeUnknown returns and forgets whether a report was not understood.
func (l *changeLog) takeUnknown() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	u := l.unknown
	l.unknown = false
	return u
}

// tableVersions counts the committed transactions that changed each table,
// for caches of values computed from whole tables (cachedCount).
type tableVersions struct {
	mu       sync.Mutex
	v        map[string]uint64
	epoch    uint64 // bumped for changes of unknown tables
	disabled bool
	// watched, when not nil, holds the only tables whose changes are
	// reported (PostgreSQL's triggers, changes_postgres.go): the version
	// of any other cannot be trusted. nil means every table (SQLite).
	watched map[string]bool
}

// bump records a transaction that changed tables.
func (t *tableVersions) bump(tables map[string]struct{}) {
	if len(tables) == 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.v == nil {
		t.v = map[string]uint64{}
	}
	for name := range tables {
		t.v[name]++
	}
}

// of returns a version of tables together: it changes whenever one of them
// does. ok is false when the versions cannot be trusted (no change reports).
func (t *tableVersions) of(tables ...string) (v uint64, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	v = t.epoch << 40
	ok = !t.disabled
	for _, name := range tables {
		v += t.v[name]
		if t.watched != nil && !t.watched[name] {
			ok = false
		}
	}
	return v, ok
}

// bumpAll changes the version of every table, known or not yet.
func (t *tableVersions) bumpAll() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.epoch++
}

func (t *tableVersions) disable() {
	t.mu.Lock()
	t.disabled = true
	t.mu.Unlock()
}
