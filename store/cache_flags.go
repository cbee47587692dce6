package store

import (
	"container/list"
	"context"
	"fmt"
	"slices"
	"sync"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// flagCache keeps what StatusViewerFlags reads, so that a page of statuses
// is answered from memory instead of about five index probes a status
// (issue 9):
//
//   - per viewer, the ids of the statuses they favourited, boosted (a boost
//     not deleted), bookmarked and pinned, and of the accounts they follow
//     (accepted), block and are blocked by (ViewerRelation), each kind
//     sorted; a kind with more than maxMarksPerKind rows is not kept and is
//     read per page;
//   - per status, the category of its screening flag not overturned ("" for
//     none), the same for every viewer.
//
// It is exact: SQLite reports every row change of favourites, bookmarks,
// status_pins, statuses (boosts), follows, blocks and screening_decisions
// on the writer
// (changelog.go), and DB.Write drops the viewers and statuses concerned
// once the transaction has committed, before it returns. A read that ran
// while such a change committed is not kept (flagFill.spoiled). Another
// process's commit clears everything (externalChange); on PostgreSQL, which
// reports no row changes here, it is off and every page is read.
type flagCache struct {
	mu       sync.Mutex
	disabled bool
	viewers  map[int64]*list.Element // of *viewerMarks
	lru      list.List               // most recently used at the front
	held     int                     // ids held over all viewers
	screened map[int64]string        // status id → category, "" for none
	fills    map[*flagFill]struct{}  // reads in flight
	perKind  int                     // maxMarksPerKind (tests lower it)
}

// markKind is one of a viewer's marks on a status.
type markKind int

const (
	markFavourite markKind = iota
	markBoost
	markBookmark
	markPin
	markFollowing // accounts followed, accepted
	markBlocking  // accounts the viewer blocks
	markBlockedBy // accounts blocking the viewer
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
	if marks != nil && f.viewer != 0 {
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
		clear(c.viewers)
		c.lru.Init()
		c.held = 0
		clear(c.screened)
		for f := range c.fills {
			f.spoiled = true
		}
		return
	}
	for _, v := range viewers {
		c.dropViewer(v)
	}
	for _, id := range statuses {
		delete(c.screened, id)
	}
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
		if f.viewer != 0 && slices.Contains(viewers, f.viewer) {
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

// has reports whether the viewer's marks of kind k hold id; ok is false
// when they are not kept (past the cap).
func (m *viewerMarks) has(k markKind, id int64) (found, ok bool) {
	if m.over[k] {
		return false, false
	}
	_, found = slices.BinarySearch(m.ids[k], id)
	return found, true
}

// ViewerRelation reports whether viewer and account block each other
// (either way) and whether viewer follows account (accepted): what decides
// which of account's statuses viewer sees. From the flag cache when it
// holds viewer's relations, otherwise in one query.
func (db *DB) ViewerRelation(ctx context.Context, viewer, account int64) (blocked, following bool, err error) {
	if viewer == 0 {
		return false, false, nil
	}
	marks, fill := db.flags.lookup(viewer, nil, nil)
	if marks == nil && fill != nil {
		if marks, err = db.readMarks(ctx, viewer); err != nil {
			db.flags.end(fill)
			return false, false, err
		}
		db.flags.put(fill, marks, nil)
	}
	if marks != nil {
		blocking, ok1 := marks.has(markBlocking, account)
		blockedBy, ok2 := marks.has(markBlockedBy, account)
		following, ok3 := marks.has(markFollowing, account)
		if ok1 && ok2 && ok3 {
			return blocking || blockedBy, following, nil
		}
	}
	err = db.read.QueryRowContext(ctx, `SELECT
		EXISTS (SELECT 1 FROM blocks WHERE account_id = ?1 AND target_account_id = ?2)
			OR EXISTS (SELECT 1 FROM blocks WHERE account_id = ?2 AND target_account_id = ?1),
		EXISTS (SELECT 1 FROM follows WHERE account_id = ?1 AND target_account_id = ?2 AND accepted = 1)`,
		viewer, account).Scan(&blocked, &following)
	if err != nil {
		return false, false, fmt.Errorf("viewer relation: %w", err)
	}
	return blocked, following, nil
}

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
	markBookmark:  `SELECT status_id FROM bookmarks WHERE account_id = ? LIMIT ?`,
	markPin:       `SELECT status_id FROM status_pins WHERE account_id = ? LIMIT ?`,
	markFollowing: `SELECT target_account_id FROM follows WHERE account_id = ? AND accepted = 1 LIMIT ?`,
	markBlocking:  `SELECT target_account_id FROM blocks WHERE account_id = ? LIMIT ?`,
	markBlockedBy: `SELECT account_id FROM blocks WHERE target_account_id = ? LIMIT ?`,
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

// flagColumns are the positions, in their tables' rows, of the columns
// naming whose marks (account_id) or which status's screening flag
// (status_id) a row change affects, read from the schema after migrating
// (resolveFlagColumns). Until then, a change of such a table drops
// everything.
type flagColumns struct {
	viewer          map[string]int // favourites, bookmarks, status_pins, follows, blocks → account_id
	blockTarget     int            // blocks.target_account_id
	statusAccount   int            // statuses.account_id
	statusReblogOf  int            // statuses.reblog_of_id
	screeningStatus int            // screening_decisions.status_id
}

// resolveFlagColumns reads the positions of flagColumns' columns.
func (db *DB) resolveFlagColumns(ctx context.Context) error {
	pos := func(table, col string) (int, error) {
		var cid int
		err := db.write.QueryRowContext(ctx, `SELECT cid FROM pragma_table_info(?) WHERE name = ?`, table, col).Scan(&cid)
		if err != nil {
			return 0, fmt.Errorf("column %s of %s: %w", col, table, err)
		}
		return cid, nil
	}
	fc := &flagColumns{viewer: map[string]int{}}
	for _, t := range []string{"favourites", "bookmarks", "status_pins", "follows", "blocks"} {
		p, err := pos(t, "account_id")
		if err != nil {
			return err
		}
		fc.viewer[t] = p
	}
	var err error
	if fc.blockTarget, err = pos("blocks", "target_account_id"); err != nil {
		return err
	}
	if fc.statusAccount, err = pos("statuses", "account_id"); err != nil {
		return err
	}
	if fc.statusReblogOf, err = pos("statuses", "reblog_of_id"); err != nil {
		return err
	}
	if fc.screeningStatus, err = pos("screening_decisions", "status_id"); err != nil {
		return err
	}
	db.changes.mu.Lock()
	db.changes.flagCols = fc
	db.changes.mu.Unlock()
	return nil
}

// recordFlagChange notes the viewers whose marks, or the statuses whose
// screening flag, the row change d affects; it runs inside SQLite's
// pre-update hook on the writer.
func (l *changeLog) recordFlagChange(d *sqlite.SQLitePreUpdateData) {
	switch d.TableName {
	case "favourites", "bookmarks", "status_pins", "follows", "blocks", "statuses", "screening_decisions":
	default:
		return
	}
	l.mu.Lock()
	fc := l.flagCols
	l.mu.Unlock()
	if fc == nil {
		l.recordFlags(nil, nil, true)
		return
	}
	// read calls f with each side of the change the operation has, its
	// columns up to n; false when a side cannot be read.
	read := func(n int, f func(row []any)) bool {
		row := make([]any, n)
		side := func(get func(...any) error) bool {
			clear(row)
			if err := get(row...); err != nil {
				return false
			}
			f(row)
			return true
		}
		if d.Op != sqlite3.SQLITE_INSERT && !side(d.Old) {
			return false
		}
		return d.Op == sqlite3.SQLITE_DELETE || side(d.New)
	}
	var viewers, statuses []int64
	var ok bool
	switch d.TableName {
	case "statuses": // a boost: the booster's marks
		ok = read(max(fc.statusAccount, fc.statusReblogOf)+1, func(row []any) {
			if r, isInt := row[fc.statusReblogOf].(int64); isInt && r != 0 {
				if v, isInt := row[fc.statusAccount].(int64); isInt {
					viewers = append(viewers, v)
				}
			}
		})
	case "blocks": // both sides' relations
		ok = read(max(fc.viewer["blocks"], fc.blockTarget)+1, func(row []any) {
			for _, c := range []int{fc.viewer["blocks"], fc.blockTarget} {
				if v, isInt := row[c].(int64); isInt {
					viewers = append(viewers, v)
				}
			}
		})
	case "screening_decisions":
		ok = read(fc.screeningStatus+1, func(row []any) {
			if v, isInt := row[fc.screeningStatus].(int64); isInt {
				statuses = append(statuses, v)
			}
		})
	default:
		p := fc.viewer[d.TableName]
		ok = read(p+1, func(row []any) {
			if v, isInt := row[p].(int64); isInt {
				viewers = append(viewers, v)
			}
		})
	}
	l.recordFlags(viewers, statuses, !ok)
}

func (l *changeLog) recordFlags(viewers, statuses []int64, all bool) {
	l.mu.Lock()
	l.markViewers.add(viewers, all)
	l.screened.add(statuses, all)
	l.mu.Unlock()
}

// dropChangedFlags hands the flag cache what the last write changed.
func (db *DB) dropChangedFlags() {
	db.changes.mu.Lock()
	viewers, allViewers := db.changes.markViewers.take()
	statuses, allStatuses := db.changes.screened.take()
	db.changes.mu.Unlock()
	db.flags.invalidate(viewers, statuses, allViewers || allStatuses)
}
