package store

import (
	"container/list"
	"context"
	"fmt"
	"slices"
	"sync"

	"modernc.org/sqlite"
)

// flagCache keeps what StatusViewerFlags reads, so that a page of statuses
// is answered from memory instead of about five index probes a status
// (issue 9):
//
//   - per viewer, the ids of the statuses they favourited, boosted (a boost
//     not deleted), bookmarked and pinned, each kind sorted; a kind with
//     more than maxMarksPerKind rows is not kept and is read per page;
//   - per status, the category of its screening flag not overturned ("" for
//     none), the same for every viewer.
//
// It is exact: SQLite reports every row change of favourites, bookmarks,
// status_pins, statuses (boosts) and screening_decisions on the writer
// (changelog.go) with its old and new row, and DB.Write applies the marks
// it removes and adds, and drops the statuses' screening flags, once the
// transaction has committed, before it returns (a rolled-back write drops
// the viewers instead). A read that ran while such a change committed is
// not kept (flagFill.spoiled, flagCache.committing). Another process's
// commit clears everything (externalChange); on PostgreSQL, whose change
// reports name tables and ids but not the rows' values, it is off and
// every page is read.
type flagCache struct {
	mu       sync.Mutex
	disabled bool
	viewers  map[int64]*list.Element // of *viewerMarks
	lru      list.List               // most recently used at the front
	held     int                     // ids held over all viewers
	screened map[int64]string        // status id → category, "" for none
	fills    map[*flagFill]struct{}  // reads in flight
	perKind  int                     // maxMarksPerKind (tests lower it)

	// The viewers whose marks the write committing now changes (all:
	// unknown), from just before its commit until apply: marks read
	// meanwhile may already hold the change that apply will add again,
	// so they are not kept.
	committing    map[int64]struct{}
	committingAll bool
}

// markKind is one of a viewer's marks on a status.
type markKind int

const (
	markFavourite markKind = iota
	markBoost
	markBookmark
	markPin
	numMarkKinds
)

// viewerMarks is one viewer's marks; it is not changed once cached (a
// change replaces it), so it is read outside the cache's lock.
type viewerMarks struct {
	viewer int64
	ids    [numMarkKinds][]int64 // sorted status ids
	over   [numMarkKinds]bool    // more than maxMarksPerKind: read per page
}

func (m *viewerMarks) size() int {
	n := 1
	for _, ids := range m.ids {
		n += len(ids)
	}
	return n
}

// flagFill is a read of the cache's misses: the viewer's marks (viewer ≠ 0)
// and the screening flags of statuses. An invalidation of any of them
// while it runs spoils it, so what it read is not kept.
type flagFill struct {
	viewer   int64
	statuses []int64
	spoiled  bool
}

const (
	// maxMarksPerKind bounds the ids of one kind kept for a viewer: a
	// viewer with more favourites (say) has their favourites read per
	// page, the other kinds still from memory.
	maxMarksPerKind = 20_000
	// maxCachedMarks bounds the ids held over all viewers (8 bytes each),
	// least recently used viewer out first.
	maxCachedMarks = 1_000_000
	// maxCachedMarkViewers bounds the viewers held.
	maxCachedMarkViewers = 20_000
	// maxCachedScreened bounds the statuses whose screening flag is held;
	// past it that part starts over.
	maxCachedScreened = 100_000
)

func newFlagCache() *flagCache {
	return &flagCache{viewers: map[int64]*list.Element{}, screened: map[int64]string{}, fills: map[*flagFill]struct{}{},
		perKind: maxMarksPerKind}
}

// lookup returns the viewer's cached marks (nil when missing), fills out's
// Screened from the cached screening flags of ids, and the fill to pass to
// put for what is missing: the marks when nil, and the statuses listed in
// fill.statuses. fill is nil when nothing is missing or the cache is off
// (then marks is nil too).
func (c *flagCache) lookup(viewer int64, ids []int64, out map[int64]ViewerFlags) (marks *viewerMarks, fill *flagFill) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.disabled {
		return nil, nil
	}
	f := &flagFill{}
	if el, ok := c.viewers[viewer]; ok {
		c.lru.MoveToFront(el)
		marks = el.Value.(*viewerMarks)
	} else {
		f.viewer = viewer
	}
	for _, id := range ids {
		cat, ok := c.screened[id]
		if !ok {
			f.statuses = append(f.statuses, id)
			continue
		}
		if cat != "" {
			v := out[id]
			v.Screened = cat
			out[id] = v
		}
	}
	if f.viewer == 0 && len(f.statuses) == 0 {
		return marks, nil
	}
	f.statuses = uniq64(f.statuses)
	c.fills[f] = struct{}{}
	return marks, f
}

// put keeps what fill read (marks when not nil, and the screening flag of
// each of fill.statuses from screened), unless a change of it committed
// while it ran, and ends fill.
func (c *flagCache) put(f *flagFill, marks *viewerMarks, screened map[int64]string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.fills, f)
	if c.disabled || f.spoiled {
		return
	}
	_, changing := c.committing[f.viewer]
	if marks != nil && f.viewer != 0 && !changing && !c.committingAll {
		c.dropViewer(f.viewer)
		c.viewers[f.viewer] = c.lru.PushFront(marks)
		c.held += marks.size()
		for c.held > maxCachedMarks || c.lru.Len() > maxCachedMarkViewers {
			c.dropViewer(c.lru.Back().Value.(*viewerMarks).viewer)
		}
	}
	if len(f.statuses) > 0 && len(c.screened)+len(f.statuses) > maxCachedScreened {
		clear(c.screened)
	}
	for _, id := range f.statuses {
		c.screened[id] = screened[id]
	}
}

// end forgets fill without keeping anything (a failed read).
func (c *flagCache) end(f *flagFill) {
	c.mu.Lock()
	delete(c.fills, f)
	c.mu.Unlock()
}

// dropViewer removes a viewer's marks; c.mu is held.
func (c *flagCache) dropViewer(viewer int64) {
	el, ok := c.viewers[viewer]
	if !ok {
		return
	}
	c.held -= el.Value.(*viewerMarks).size()
	c.lru.Remove(el)
	delete(c.viewers, viewer)
}

// invalidate drops the marks of viewers and the screening flags of
// statuses, or everything when all is set, and spoils the reads in flight
// of any of them.
func (c *flagCache) invalidate(viewers, statuses []int64, all bool) {
	if len(viewers) == 0 && len(statuses) == 0 && !all {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if all {
		c.clearLocked()
		return
	}
	set := make(map[int64][]markDelta, len(viewers))
	for _, v := range viewers {
		c.dropViewer(v)
		set[v] = nil
	}
	for _, id := range statuses {
		delete(c.screened, id)
	}
	c.spoil(set, statuses)
}

// clearLocked drops everything and spoils every read in flight; c.mu is
// held.
func (c *flagCache) clearLocked() {
	clear(c.viewers)
	c.lru.Init()
	c.held = 0
	clear(c.screened)
	for f := range c.fills {
		f.spoiled = true
	}
}

func (c *flagCache) disable() {
	c.mu.Lock()
	c.disabled = true
	c.mu.Unlock()
	c.invalidate(nil, nil, true)
}

// StatusViewerFlags returns viewer's marks on each status id, and the
// statuses' screening flags; nothing for an anonymous viewer. With the
// cache on (SQLite) a page costs no query once the viewer's marks and the
// statuses' flags are held; otherwise one query reads them all.
func (db *DB) StatusViewerFlags(ctx context.Context, viewer int64, ids []int64) (map[int64]ViewerFlags, error) {
	out := make(map[int64]ViewerFlags, len(ids))
	if len(ids) == 0 || viewer == 0 {
		return out, nil
	}
	marks, fill := db.flags.lookup(viewer, ids, out)
	if marks == nil && fill == nil { // the cache is off
		if err := db.readViewerFlags(ctx, viewer, ids, statusMarks, ids, out); err != nil {
			return nil, err
		}
		return out, nil
	}
	if marks == nil {
		m, err := db.readMarks(ctx, viewer)
		if err != nil {
			db.flags.end(fill)
			return nil, err
		}
		marks = m
	}
	var perPage []markKind
	for _, k := range statusMarks {
		if marks.over[k] {
			perPage = append(perPage, k)
			continue
		}
		if len(marks.ids[k]) == 0 {
			continue
		}
		for _, id := range ids {
			if _, found := slices.BinarySearch(marks.ids[k], id); found {
				v := out[id]
				v.set(k)
				out[id] = v
			}
		}
	}
	var missing []int64
	if fill != nil {
		missing = fill.statuses
	}
	var screened map[int64]string
	if len(perPage) > 0 || len(missing) > 0 {
		if len(missing) > 0 {
			screened = make(map[int64]string, len(missing))
			for _, id := range missing {
				screened[id] = ""
			}
		}
		if err := db.readViewerFlags(ctx, viewer, ids, perPage, missing, out); err != nil {
			if fill != nil {
				db.flags.end(fill)
			}
			return nil, err
		}
		for _, id := range missing {
			screened[id] = out[id].Screened
		}
	}
	if fill != nil {
		var keep *viewerMarks
		if fill.viewer != 0 {
			keep = marks
		}
		db.flags.put(fill, keep, screened)
	}
	return out, nil
}

// statusMarks are the kinds of marks on statuses.
var statusMarks = []markKind{markFavourite, markBoost, markBookmark, markPin}

// set records a mark of kind k.
func (f *ViewerFlags) set(k markKind) {
	switch k {
	case markFavourite:
		f.Favourited = true
	case markBoost:
		f.Reblogged = true
	case markBookmark:
		f.Bookmarked = true
	case markPin:
		f.Pinned = true
	}
}

// markQueries read all of a viewer's marks of one kind, each from an index
// on the viewer's column; the argument after the viewer is the row cap.
var markQueries = [numMarkKinds]string{
	markFavourite: `SELECT status_id FROM favourites WHERE account_id = ? LIMIT ?`,
	markBoost: `SELECT reblog_of_id FROM statuses WHERE account_id = ? AND reblog_of_id IS NOT NULL AND deleted_at = 0
		LIMIT ?`,
	markBookmark: `SELECT status_id FROM bookmarks WHERE account_id = ? LIMIT ?`,
	markPin:      `SELECT status_id FROM status_pins WHERE account_id = ? LIMIT ?`,
}

// readMarks reads all of viewer's marks, each kind capped at
// maxMarksPerKind.
func (db *DB) readMarks(ctx context.Context, viewer int64) (*viewerMarks, error) {
	m := &viewerMarks{viewer: viewer}
	limit := db.flags.perKind
	for k := range numMarkKinds {
		rows, err := db.read.QueryContext(ctx, markQueries[k], viewer, limit+1)
		if err != nil {
			return nil, fmt.Errorf("viewer marks: %w", err)
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("viewer marks: %w", err)
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("viewer marks: %w", err)
		}
		if len(ids) > limit {
			m.over[k] = true
			continue
		}
		slices.Sort(ids)
		m.ids[k] = slices.Clip(ids)
	}
	return m, nil
}

// readViewerFlags reads in one query viewer's marks of the given kinds on
// ids, and the screening flags of screen, into out.
func (db *DB) readViewerFlags(ctx context.Context, viewer int64, ids []int64, kinds []markKind, screen []int64,
	out map[int64]ViewerFlags) error {
	if len(kinds) == 0 && len(screen) == 0 {
		return nil
	}
	// Numbered placeholders: the viewer and the ids once each, however
	// many branches use them.
	var args []any
	list := func(vals []int64) string {
		b := make([]byte, 0, len(vals)*5)
		for i, v := range vals {
			if i > 0 {
				b = append(b, ", "...)
			}
			args = append(args, v)
			b = fmt.Appendf(b, "?%d", len(args))
		}
		return string(b)
	}
	var q []string
	if len(kinds) > 0 {
		args = append(args, viewer)
		in := list(ids)
		for _, k := range kinds {
			switch k {
			case markFavourite:
				q = append(q, `SELECT status_id, 0, '' FROM favourites WHERE account_id = ?1 AND status_id IN (`+in+`)`)
			case markBoost:
				q = append(q, `SELECT reblog_of_id, 1, '' FROM statuses WHERE account_id = ?1 AND deleted_at = 0 AND reblog_of_id IN (`+in+`)`)
			case markBookmark:
				q = append(q, `SELECT status_id, 2, '' FROM bookmarks WHERE account_id = ?1 AND status_id IN (`+in+`)`)
			case markPin:
				q = append(q, `SELECT status_id, 3, '' FROM status_pins WHERE account_id = ?1 AND status_id IN (`+in+`)`)
			}
		}
	}
	if len(screen) > 0 {
		q = append(q, `SELECT status_id, 4, category FROM screening_decisions
			WHERE status_id IN (`+list(screen)+`) AND decision = 'flag' AND overturned_at = 0`)
	}
	query := q[0]
	for _, s := range q[1:] {
		query += "\n\t\tUNION ALL " + s
	}
	rows, err := db.read.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("status flags: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, kind int64
		var category string
		if err := rows.Scan(&id, &kind, &category); err != nil {
			return fmt.Errorf("status flags: %w", err)
		}
		f := out[id]
		if kind == 4 {
			f.Screened = category
		} else {
			f.set(markKind(kind))
		}
		out[id] = f
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("status flags: %w", err)
	}
	return nil
}

// flagColumns are the positions, in their tables' rows, of the columns a
// row change of a viewer's marks or of a screening flag is read from (the
// hook reads rows by position), read from the schema after migrating
// (resolveFlagColumns). Until then, a change of such a table drops
// everything.
type flagColumns struct {
	cols map[string][]int // table → positions of flagTables' columns, in order
}

// flagTables lists, per table, the columns recordFlagChange reads.
var flagTables = map[string][]string{
	"favourites":          {"account_id", "status_id"},
	"bookmarks":           {"account_id", "status_id"},
	"status_pins":         {"account_id", "status_id"},
	"statuses":            {"account_id", "reblog_of_id", "deleted_at"},
	"screening_decisions": {"status_id"},
}

// statusMarkOf is the mark a row of these tables is, keyed by its
// (account_id, status_id).
var statusMarkOf = map[string]markKind{"favourites": markFavourite, "bookmarks": markBookmark, "status_pins": markPin}

// resolveFlagColumns reads the positions of flagTables' columns.
func (db *DB) resolveFlagColumns(ctx context.Context) error {
	fc := &flagColumns{cols: map[string][]int{}}
	for table, names := range flagTables {
		for _, col := range names {
			var cid int
			err := db.write.QueryRowContext(ctx, `SELECT cid FROM pragma_table_info(?) WHERE name = ?`, table, col).Scan(&cid)
			if err != nil {
				return fmt.Errorf("column %s of %s: %w", col, table, err)
			}
			fc.cols[table] = append(fc.cols[table], cid)
		}
	}
	db.changes.mu.Lock()
	db.changes.flagCols = fc
	db.changes.mu.Unlock()
	return nil
}

// markDelta is one mark a committed row change adds or removes.
type markDelta struct {
	viewer int64
	kind   markKind
	id     int64 // the status
	add    bool
}

// recordFlagChange notes the marks, or the statuses' screening flags, the
// row change d adds, removes or changes; it runs inside SQLite's
// pre-update hook on the writer. The old row's marks are removed and the
// new row's added, in the order of the changes.
func (l *changeLog) recordFlagChange(d *sqlite.SQLitePreUpdateData) {
	if _, ok := flagTables[d.TableName]; !ok {
		return
	}
	l.mu.Lock()
	fc := l.flagCols
	l.mu.Unlock()
	if fc == nil {
		l.recordFlags(nil, nil, true)
		return
	}
	var deltas []markDelta
	var statuses []int64
	ok := rowSides(d, fc.cols[d.TableName], func(vals []int64, add bool) {
		switch d.TableName {
		case "favourites", "bookmarks", "status_pins":
			deltas = append(deltas, markDelta{viewer: vals[0], kind: statusMarkOf[d.TableName], id: vals[1], add: add})
		case "statuses": // a boost not deleted
			if vals[1] != 0 && vals[2] == 0 {
				deltas = append(deltas, markDelta{viewer: vals[0], kind: markBoost, id: vals[1], add: add})
			}
		case "screening_decisions":
			statuses = append(statuses, vals[0])
		}
	})
	if !ok {
		l.recordFlags(nil, nil, true)
		return
	}
	l.recordFlags(deltas, statuses, false)
}

func (l *changeLog) recordFlags(deltas []markDelta, statuses []int64, all bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.screened.add(statuses, all)
	if all {
		l.marksAll, l.markDeltas = true, nil
	}
	if l.marksAll {
		return
	}
	l.markDeltas = append(l.markDeltas, deltas...)
	if len(l.markDeltas) > maxLoggedChanges {
		l.marksAll, l.markDeltas = true, nil
	}
}

// beginFlagCommit tells the flag cache, just before the running write
// commits, whose marks it changes.
func (db *DB) beginFlagCommit() {
	db.changes.mu.Lock()
	all := db.changes.marksAll
	var viewers map[int64]struct{}
	if len(db.changes.markDeltas) > 0 {
		viewers = make(map[int64]struct{}, len(db.changes.markDeltas))
		for _, d := range db.changes.markDeltas {
			viewers[d.viewer] = struct{}{}
		}
	}
	db.changes.mu.Unlock()
	if all || viewers != nil {
		db.flags.mu.Lock()
		db.flags.committing, db.flags.committingAll = viewers, all
		db.flags.mu.Unlock()
	}
}

// dropChangedFlags hands the flag cache what the last write changed: once
// committed, the marks it added and removed; otherwise the viewers and
// statuses concerned are dropped.
func (db *DB) dropChangedFlags(committed bool) {
	db.changes.mu.Lock()
	deltas, allMarks := db.changes.markDeltas, db.changes.marksAll
	db.changes.markDeltas, db.changes.marksAll = nil, false
	statuses, allStatuses := db.changes.screened.take()
	db.changes.mu.Unlock()
	db.flags.apply(deltas, statuses, allMarks || allStatuses, committed)
}

// maxDeltasPerViewer bounds the marks one write changes in a viewer's
// cached marks one by one (each copies the kind's ids); past it the
// viewer's marks are dropped and read again.
const maxDeltasPerViewer = 64

// apply brings the cache up to date with a write: it adds and removes the
// marks of deltas in the cached viewers (when committed; otherwise it drops
// the viewers), drops the screening flags of statuses, or everything when
// all is set, and spoils the reads in flight of any of them.
func (c *flagCache) apply(deltas []markDelta, statuses []int64, all, committed bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.committing, c.committingAll = nil, false
	if len(deltas) == 0 && len(statuses) == 0 && !all {
		return
	}
	if all {
		c.clearLocked()
		return
	}
	byViewer := map[int64][]markDelta{}
	for _, d := range deltas {
		byViewer[d.viewer] = append(byViewer[d.viewer], d)
	}
	for v, ds := range byViewer {
		el, ok := c.viewers[v]
		if !ok {
			continue
		}
		if !committed || len(ds) > maxDeltasPerViewer {
			c.dropViewer(v)
			continue
		}
		old := el.Value.(*viewerMarks)
		m := old.with(ds, c.perKind)
		el.Value = m
		c.held += m.size() - old.size()
	}
	for c.held > maxCachedMarks {
		c.dropViewer(c.lru.Back().Value.(*viewerMarks).viewer)
	}
	for _, id := range statuses {
		delete(c.screened, id)
	}
	c.spoil(byViewer, statuses)
}

// with returns a copy of m with deltas applied in order, a kind past
// perKind ids no longer kept. The ids of a kind are a sorted multiset:
// a viewer's boosts of a status may be several rows.
func (m *viewerMarks) with(deltas []markDelta, perKind int) *viewerMarks {
	n := *m
	var copied [numMarkKinds]bool
	for _, d := range deltas {
		k := d.kind
		if n.over[k] {
			continue
		}
		if !copied[k] {
			n.ids[k], copied[k] = slices.Clone(n.ids[k]), true
		}
		i, found := slices.BinarySearch(n.ids[k], d.id)
		switch {
		case d.add:
			n.ids[k] = slices.Insert(n.ids[k], i, d.id)
			if len(n.ids[k]) > perKind {
				n.ids[k], n.over[k] = nil, true
			}
		case found:
			n.ids[k] = slices.Delete(n.ids[k], i, i+1)
		}
	}
	return &n
}

// spoil marks the reads in flight of viewers or statuses spoiled; c.mu is
// held.
func (c *flagCache) spoil(viewers map[int64][]markDelta, statuses []int64) {
	if len(c.fills) == 0 {
		return
	}
	var gone map[int64]struct{}
	if len(statuses) > 0 {
		gone = make(map[int64]struct{}, len(statuses))
		for _, id := range statuses {
			gone[id] = struct{}{}
		}
	}
	for f := range c.fills {
		if _, ok := viewers[f.viewer]; ok && f.viewer != 0 {
			f.spoiled = true
			continue
		}
		for _, id := range f.statuses {
			if _, ok := gone[id]; ok {
				f.spoiled = true
				break
			}
		}
	}
}
