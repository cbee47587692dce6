package store

import (
	"container/list"
	"context"
	"fmt"
	"sync"

	"modernc.org/sqlite"
)

// StatusExtras is the viewer-independent data of a status besides its row:
// attachments, interaction counts, mentioned account ids, hashtags, its poll
// (with the vote totals) and its remix record. The
// slices are shared with the cache: callers must not modify them.
type StatusExtras struct {
	Media    []MediaAttachment
	Counts   StatusCounts
	Mentions []int64
	Tags     []string
	Poll     *Poll  // nil: the status has no poll
	Remix    *Remix // nil: the status remixes nothing
}

// StatusExtrasByIDs returns the extras of each status id, from the status
// cache where it holds them and otherwise with one query each for media,
// counts, mentions, tags, polls and remixes over all the missing ids. The cache is exact:
// every committed change of a row these are read from (media_attachments,
// favourites, status_tags, mentions, polls, poll_options, poll_votes,
// status_remixes, and statuses for the status itself and
// the reply and boost counts of its parent) drops the statuses concerned
// before Write returns (changes.go), and extras read while such a change
// committed are not kept (the seq check in put). It holds no visibility
// decision: callers select the statuses a viewer may see first, and apply
// viewer flags after.
func (db *DB) StatusExtrasByIDs(ctx context.Context, ids []int64) (map[int64]StatusExtras, error) {
	out := make(map[int64]StatusExtras, len(ids))
	seq, missing := db.statusCache.getMany(ids, out)
	if len(missing) == 0 {
		return out, nil
	}
	media, err := db.MediaForStatuses(ctx, missing)
	if err != nil {
		return nil, err
	}
	counts, err := db.StatusCountsByIDs(ctx, missing)
	if err != nil {
		return nil, err
	}
	mentions, err := db.MentionsForStatuses(ctx, missing)
	if err != nil {
		return nil, err
	}
	tags, err := db.TagsForStatuses(ctx, missing)
	if err != nil {
		return nil, err
	}
	polls, err := db.PollsByStatusIDs(ctx, missing)
	if err != nil {
		return nil, err
	}
	remixes, err := db.RemixesOf(ctx, missing)
	if err != nil {
		return nil, err
	}
	read := make(map[int64]StatusExtras, len(missing))
	for _, id := range missing {
		e := StatusExtras{Media: media[id], Counts: counts[id], Mentions: mentions[id], Tags: tags[id]}
		if p, ok := polls[id]; ok {
			e.Poll = &p
		}
		if r, ok := remixes[id]; ok {
			e.Remix = &r
		}
		read[id], out[id] = e, e
	}
	db.statusCache.put(seq, read)
	return out, nil
}

// maxCachedStatuses bounds the status cache, least recently used out first:
// a few hundred bytes to a few KB a status (its attachments' URLs and
// descriptions), so a few tens of MB at most.
const maxCachedStatuses = 20_000

// maxCachedRowBytes bounds the text of the status rows the cache keeps
// (content, source text, URIs): past it the least recently used statuses
// go, whatever their number.
const maxCachedRowBytes = 16 << 20

// statusCache keeps, by status id, StatusExtras and the status row itself
// (StatusRows), least recently used first out. Both are dropped together by
// invalidate: every change of a statuses row names the row's own id
// (recordStatusChange), so an edit, a deletion or a trigger's update of a
// row reaches the cached row as it does the extras.
type statusCache struct {
	mu       sync.Mutex
	disabled bool
	seq      uint64 // bumped by every invalidation
	max      int
	maxBytes int
	bytes    int // rowSize of the rows held
	m        map[int64]*list.Element
	lru      list.List // of *statusEntry, most recent at the front
}

type statusEntry struct {
	id        int64
	e         StatusExtras
	hasExtras bool
	row       Status
	hasRow    bool
}

func newStatusCache(max int) *statusCache {
	return &statusCache{max: max, maxBytes: maxCachedRowBytes, m: map[int64]*list.Element{}}
}

// on reports whether the cache keeps anything: it is off where no change
// reports keep it exact (DB.cachesOff).
func (c *statusCache) on() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return !c.disabled
}

// getMany copies the cached extras of ids into out and returns the ids
// missing, with the sequence to pass to put for what is read for them.
func (c *statusCache) getMany(ids []int64, out map[int64]StatusExtras) (seq uint64, missing []int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range ids {
		if e := c.hit(id); e != nil && e.hasExtras {
			out[id] = e.e
			continue
		}
		if _, dup := out[id]; !dup {
			missing = append(missing, id)
		}
	}
	return c.seq, uniq64(missing)
}

// hit returns id's entry, most recently used now, or nil when the cache
// holds none or is off; c.mu is held.
func (c *statusCache) hit(id int64) *statusEntry {
	el, ok := c.m[id]
	if !ok || c.disabled {
		return nil
	}
	c.lru.MoveToFront(el)
	return el.Value.(*statusEntry)
}

// getRows sets out[i] to the cached row of ids[i], leaving the others
// zero, and returns the ids missing, with the sequence to pass to putRows
// for what is read for them.
func (c *statusCache) getRows(ids []int64, out []Status) (seq uint64, missing []int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, id := range ids {
		if e := c.hit(id); e != nil && e.hasRow {
			out[i] = e.row
			continue
		}
		missing = append(missing, id)
	}
	return c.seq, uniq64(missing)
}

// put keeps extras read after snapshot seq, unless a change committed since.
func (c *statusCache) put(seq uint64, read map[int64]StatusExtras) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.disabled || seq != c.seq {
		return
	}
	for id, e := range read {
		en := c.entry(id)
		en.e, en.hasExtras = e, true
	}
	c.trim()
}

// putRows keeps rows read after snapshot seq, unless a change committed
// since.
func (c *statusCache) putRows(seq uint64, rows []Status) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.disabled || seq != c.seq {
		return
	}
	for _, st := range rows {
		en := c.entry(st.ID)
		if en.hasRow {
			c.bytes -= rowSize(&en.row)
		}
		en.row, en.hasRow = st, true
		c.bytes += rowSize(&st)
	}
	c.trim()
}

// entry returns id's entry, made the most recent, adding it if needed.
func (c *statusCache) entry(id int64) *statusEntry {
	if el, ok := c.m[id]; ok {
		c.lru.MoveToFront(el)
		return el.Value.(*statusEntry)
	}
	en := &statusEntry{id: id}
	c.m[id] = c.lru.PushFront(en)
	return en
}

// trim drops the least recently used entries past the bounds, keeping at
// least the most recent one.
func (c *statusCache) trim() {
	for c.lru.Len() > 1 && (c.lru.Len() > c.max || c.bytes > c.maxBytes) {
		c.remove(c.lru.Back())
	}
}

func (c *statusCache) remove(el *list.Element) {
	en := c.lru.Remove(el).(*statusEntry)
	delete(c.m, en.id)
	if en.hasRow {
		c.bytes -= rowSize(&en.row)
	}
}

// rowSize estimates the memory a cached row holds: its strings and the
// struct itself.
func rowSize(st *Status) int {
	return 256 + len(st.URI) + len(st.URL) + len(st.Content) + len(st.Text) + len(st.SpoilerText) +
		len(st.InReplyToURI)
}

// invalidate drops the given statuses, or every status when all is set.
func (c *statusCache) invalidate(ids []int64, all bool) {
	if len(ids) == 0 && !all {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	if all {
		clear(c.m)
		c.lru.Init()
		c.bytes = 0
		return
	}
	for _, id := range ids {
		if el, ok := c.m[id]; ok {
			c.remove(el)
		}
	}
}

func (c *statusCache) disable() {
	c.mu.Lock()
	c.disabled = true
	c.mu.Unlock()
	c.invalidate(nil, true)
}

func (c *statusCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}

func uniq64(ids []int64) []int64 {
	if len(ids) < 2 {
		return ids
	}
	seen := make(map[int64]struct{}, len(ids))
	out := ids[:0]
	for _, id := range ids {
		if _, ok := seen[id]; !ok {
			seen[id] = struct{}{}
			out = append(out, id)
		}
	}
	return out
}

// statusColumns are the positions, in their tables' rows, of the columns
// naming the statuses whose extras a row change affects. They are read from
// the schema after migrating (resolveStatusColumns); until then, or when a
// column is missing, a change of such a table drops every cached status.
type statusColumns struct {
	// table name → positions of the status id columns in its rows; the
	// rowid of statuses itself is always one.
	cols map[string][]int
	// statusAuthor is the position of statuses.account_id (changelog.go's
	// recordStatusAuthor); -1 when unknown.
	statusAuthor int
}

// statusTables lists, per table, the columns holding ids of statuses whose
// extras depend on its rows.
var statusTables = map[string][]string{
	"statuses":          {"in_reply_to_id", "reblog_of_id"}, // replies and boosts counts of the parent
	"media_attachments": {"status_id"},
	"favourites":        {"status_id"},
	"status_tags":       {"status_id"},
	"mentions":          {"status_id"},
	"polls":             {"status_id"},
	"poll_options":      {"status_id"},
	"poll_votes":        {"status_id"},
	"status_remixes":    {"status_id"},
}

// resolveStatusColumns reads the positions of statusTables' columns.
func (db *DB) resolveStatusColumns(ctx context.Context) error {
	sc := &statusColumns{cols: map[string][]int{}, statusAuthor: -1}
	for table, names := range statusTables {
		rows, err := db.write.QueryContext(ctx, `SELECT cid, name FROM pragma_table_info(?)`, table)
		if err != nil {
			return fmt.Errorf("columns of %s: %w", table, err)
		}
		pos := map[string]int{}
		for rows.Next() {
			var cid int
			var name string
			if err := rows.Scan(&cid, &name); err != nil {
				rows.Close()
				return fmt.Errorf("columns of %s: %w", table, err)
			}
			pos[name] = cid
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("columns of %s: %w", table, err)
		}
		if p, ok := pos["account_id"]; ok && table == "statuses" {
			sc.statusAuthor = p
		}
		for _, n := range names {
			p, ok := pos[n]
			if !ok {
				return fmt.Errorf("columns of %s: no %s", table, n)
			}
			sc.cols[table] = append(sc.cols[table], p)
		}
	}
	db.changes.mu.Lock()
	db.changes.statusCols = sc
	db.changes.mu.Unlock()
	return nil
}

// recordStatusChange notes the statuses whose extras the row change d
// affects; it runs inside SQLite's pre-update hook on the writer.
func (l *changeLog) recordStatusChange(d *sqlite.SQLitePreUpdateData) {
	if _, ok := statusTables[d.TableName]; !ok {
		return
	}
	l.mu.Lock()
	sc := l.statusCols
	l.mu.Unlock()
	var ids []int64
	if d.TableName == "statuses" {
		ids = append(ids, d.OldRowID, d.NewRowID)
	}
	cols := []int(nil)
	if sc != nil {
		cols = sc.cols[d.TableName]
	}
	if cols == nil {
		l.recordStatuses(nil, true)
		return
	}
	more, ok := rowInts(d, cols)
	ids = append(ids, more...)
	l.recordStatuses(ids, !ok)
}

func (l *changeLog) recordStatuses(ids []int64, all bool) {
	l.mu.Lock()
	l.statuses.add(ids, all)
	l.mu.Unlock()
}
