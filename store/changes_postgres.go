package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// PostgreSQL has no pre-update hook: the changes of cached rows are
// reported by triggers (migrations_postgres/0029_cache_changes.sql), which
// record them in settings local to the transaction. DB.Write takes them
// with engine.commitChanges just before COMMIT, which also sends them to
// the other processes (NOTIFY on changesChannel after the process token);
// a transaction outside DB.Write (psql, a migration) sends them from a
// deferred trigger with outsideToken. A report reads
//
//	a:1,2;t:3;e:1;s:*;tables:accounts,statuses
//
// kinds a (accounts rows), t (oauth_tokens rows), e (entity versions of
// accounts), s (status extras), each a list of ids or "*" (too many to
// list: all of them), and tables, the tables changed. "*" alone means
// everything ("pictor db copy", which writes with the triggers off; a
// TRUNCATE).
//
// A cache over a table without the triggers stays off on PostgreSQL
// (tableVersions.watched; readWatchedTables): to cache it, a migration adds
// to that table the row trigger pictor_changes (pictor_changes_table() for
// a table versioned as a whole), the deferred pictor_changes_flush and
// pictor_changes_truncate, as migration 0029 does for the others.

// outsideToken is the process token of change reports sent by a
// transaction outside DB.Write: no process has it, so every one hears them.
const outsideToken = "000000000000000000000000"

// addReport records a change report; what it cannot read makes the next
// drop empty every cache.
func (l *changeLog) addReport(report string) {
	if report == "" {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for part := range strings.SplitSeq(report, ";") {
		kind, list, ok := strings.Cut(part, ":")
		var g *idLog
		switch {
		case !ok:
			l.unknown = true
			continue
		case kind == "tables":
			for name := range strings.SplitSeq(list, ",") {
				if l.tables == nil {
					l.tables = map[string]struct{}{}
				}
				l.tables[name] = struct{}{}
			}
			continue
		case kind == "a":
			g = &l.accounts
		case kind == "t":
			g = &l.tokens
		case kind == "e":
			g = &l.entities
		case kind == "s":
			g = &l.statuses
		default:
			l.unknown = true
			continue
		}
		if list == "*" {
			g.add(nil, true)
			continue
		}
		var ids []int64
		for s := range strings.SplitSeq(list, ",") {
			id, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				l.unknown = true
				break
			}
			ids = append(ids, id)
		}
		g.add(ids, false)
	}
}

// otherCommit drops from the caches what another process's commit
// changed, as its notification reports, and tells the subscribers.
func (db *DB) otherCommit(report string) {
	l := &changeLog{}
	if report == "*" {
		l.unknown = true
	} else {
		l.addReport(report)
	}
	db.drop(l)
	db.poke()
}

// setCachesOn turns the caches on or off, empty either way: on PostgreSQL
// they are on only while this process hears the other processes' change
// reports. Reads begun before the switch keep nothing (the sequence and
// epoch bumps).
func (db *DB) setCachesOn(on bool) {
	a := db.accounts
	a.mu.Lock()
	a.disabled = !on
	a.seq++
	a.clearLocked()
	a.mu.Unlock()
	s := db.statusCache
	s.mu.Lock()
	s.disabled = !on
	s.seq++
	clear(s.m)
	s.lru.Init()
	s.mu.Unlock()
	v := db.versions
	v.mu.Lock()
	v.disabled = !on
	v.epoch++
	v.mu.Unlock()
	db.tokens.invalidate(nil, true)
}

// cachesOn reports whether the caches are on.
func (db *DB) cachesOn() bool {
	_, ok := db.versions.of()
	return ok
}

// reportedTables are the tables whose changes the caches must hear of:
// without a trigger on each, the caches stay off.
func reportedTables() []string {
	tables := []string{"accounts", "oauth_tokens", "account_counts"}
	for t := range statusTables {
		tables = append(tables, t)
	}
	return tables
}

// readWatchedTables reads which tables report their changes (the
// pictor_changes triggers): the versions of the others are never trusted,
// and the caches stay off unless every table they read reports.
func (db *DB) readWatchedTables(ctx context.Context) error {
	rows, err := db.write.QueryContext(ctx, `SELECT DISTINCT c.relname FROM pg_trigger t
		JOIN pg_class c ON c.oid = t.tgrelid
		WHERE t.tgname = 'pictor_changes' AND t.tgenabled <> 'D' AND pg_table_is_visible(c.oid)`)
	if err != nil {
		return fmt.Errorf("tables reporting changes: %w", err)
	}
	defer rows.Close()
	watched := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return fmt.Errorf("tables reporting changes: %w", err)
		}
		watched[name] = true
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("tables reporting changes: %w", err)
	}
	db.versions.mu.Lock()
	db.versions.watched = watched
	db.versions.mu.Unlock()
	db.cachesAllowed = true
	for _, t := range reportedTables() {
		db.cachesAllowed = db.cachesAllowed && watched[t]
	}
	return nil
}
