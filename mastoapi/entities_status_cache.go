package mastoapi

import (
	"slices"
	"sync"

	"github.com/pictor-social/pictor/store"
)

// The rendered-status cache keeps, per status, the viewer-independent part
// of its entity (statusBase) together with its JSON encoding, so that a
// timeline page copies bytes instead of building media entities, tag URLs
// and timestamps and escaping the content again for every request (issue
// 9). An entry is used only when every input it was made from is
// unchanged: the status row (edits, deletion, content, visibility, all of
// it), its attachments, tags and mentions (store.StatusExtras, exact on
// write in the store's status cache), and the mentioned accounts' fields;
// anything else is a miss and the entry is rendered again. The author's
// entity (with its own cached encoding, entities_account.go), the counts,
// the poll and everything that depends on the viewer (favourited,
// reblogged, bookmarked, muted, pinned, filtered, the remix source's
// visibility) are never cached and are set on every render, so no viewer
// sees another's marks. Which statuses a viewer may see at all is decided
// before rendering, by the queries that select them.

// maxRenderedStatuses bounds each of the cache's two generations: an entry
// is the entity and its encoding, 1 to 3 KB, so at most about 12 MB.
const maxRenderedStatuses = 2048

// renderedStatuses is a bounded cache of rendered statuses by id: two
// generations, the older one dropped whole when the current one is full
// and an entry found in the older one moved to the current one, so what
// a running server shows again and again stays.
type renderedStatuses struct {
	mu       sync.Mutex
	off      bool // tests compare the cached and the uncached paths
	cur, old map[int64]*renderedStatus
}

// renderedStatus is an entry: the inputs, and the entity made from them.
type renderedStatus struct {
	row   store.Status
	media []store.MediaAttachment
	tags  []string
	e     Status // statusBase's fields; e.enc holds their encoding
}

// get returns the cached base entity of st when it was made from the same
// row, extras and mentioned accounts, or nil. The entity is shared: the
// caller copies it before setting anything.
func (c *renderedStatuses) get(st store.Status, x store.StatusExtras, accounts map[int64]Account) *Status {
	c.mu.Lock()
	r, ok := c.cur[st.ID]
	if !ok {
		if r, ok = c.old[st.ID]; ok {
			c.addLocked(r)
		}
	}
	c.mu.Unlock()
	if !ok || !r.sameInputs(st, x, accounts) {
		return nil
	}
	return &r.e
}

// sameInputs reports whether r was rendered from st, x and the same
// mentioned accounts (statusBase's inputs).
func (r *renderedStatus) sameInputs(st store.Status, x store.StatusExtras, accounts map[int64]Account) bool {
	if r.row != st || !slices.Equal(r.media, x.Media) {
		return false
	}
	if st.ReblogOfID != 0 {
		return true // a boost shows no tags or mentions of its own
	}
	if !slices.Equal(r.tags, x.Tags) {
		return false
	}
	n := 0
	for _, id := range x.Mentions {
		a, ok := accounts[id]
		if !ok {
			continue
		}
		if n >= len(r.e.Mentions) {
			return false
		}
		m := &r.e.Mentions[n]
		if m.ID != a.ID || m.Username != a.Username || m.URL != a.URL || m.Acct != a.Acct {
			return false
		}
		n++
	}
	return n == len(r.e.Mentions)
}

// put encodes base, the base entity of st rendered from x, keeps it, and
// returns it for the caller to copy. A base that does not encode (a value
// encoding/json refuses) is returned without an encoding and not kept:
// the caller's encoding reports the error.
func (c *renderedStatuses) put(st store.Status, x store.StatusExtras, base Status) *Status {
	// The entity's lists are shared by every render that copies it: clipped,
	// an append to a copy's list makes a new array instead of writing into
	// this one.
	base.MediaAttachments, base.Mentions, base.Tags = slices.Clip(base.MediaAttachments), slices.Clip(base.Mentions),
		slices.Clip(base.Tags)
	r := &renderedStatus{row: st, media: x.Media, tags: x.Tags, e: base}
	w := jsonW{}
	w.statusHead(&r.e)
	split := len(w.b)
	w.statusBody(&r.e)
	if w.err != nil {
		return &r.e
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.off {
		return &r.e
	}
	r.e.enc = &statusEnc{b: slices.Clip(w.b), split: split}
	c.addLocked(r)
	return &r.e
}

func (c *renderedStatuses) addLocked(r *renderedStatus) {
	if c.cur == nil || len(c.cur) >= maxRenderedStatuses {
		c.old, c.cur = c.cur, make(map[int64]*renderedStatus, maxRenderedStatuses)
	}
	c.cur[r.row.ID] = r
}

// statusEnc is the encoding of a status's viewer-independent fields:
// b[:split] is everything before the author's account, b[split:] what
// follows it up to the counts (jsonW.status).
type statusEnc struct {
	b     []byte
	split int
}
