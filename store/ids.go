package store

import (
	"strconv"
	"sync"
	"time"
)

// IDGen makes Mastodon-shaped ids: milliseconds since the epoch shifted left
// 16 bits, plus 16 low bits. They sort by time and are shown to clients as
// decimal strings (interop.md C.2).
//
// With one process (SQLite) the low bits are all a sequence. Several
// processes on one PostgreSQL database would mint the same ids that way, so
// there the low bits split into a node number, which the process holds
// exclusively while it runs (holdIDNode: a PostgreSQL advisory lock, freed
// by the server when the process dies), and a shorter sequence. Ids still
// sort by time, cost no round trip, and two live processes never share a
// node; 1,024 ids a millisecond a process is far above any real rate (past
// it, the newest ids borrow the next millisecond, as before).
type IDGen struct {
	mu      sync.Mutex
	last    int64
	seq     int64
	node    int64
	seqBits uint
}

// idNodeBits is how many of the 16 low bits name the process on PostgreSQL:
// up to 64 processes (servers and CLI runs) share one database.
const idNodeBits = 6

// NewIDGen returns a generator for a single process.
func NewIDGen() *IDGen { return &IDGen{seqBits: 16} }

// setNode makes the generator mint ids in node's share of the low bits,
// from now on. The caller holds the node exclusively.
func (g *IDGen) setNode(node int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.setNodeLocked(node)
}

// Node returns the node the generator mints in (0 for a single process).
func (g *IDGen) Node() int64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.node
}

// setNodeLocked is setNode with g.mu held.
func (g *IDGen) setNodeLocked(node int64) {
	g.seqBits = 16 - idNodeBits
	g.node = node & (1<<idNodeBits - 1)
	g.seq = 0
}

// Next returns an id for time t that is unique within this process (and,
// holding a node, among the processes on the database). Ids for the same
// millisecond differ in their sequence; a past t (a remote post's
// publication time) still gets a unique id.
func (g *IDGen) Next(t time.Time) int64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	seqMask := int64(1)<<g.seqBits - 1
	g.seq = (g.seq + 1) & seqMask
	ms := t.UnixMilli()
	id := ms<<16 | g.node<<g.seqBits | g.seq
	// Ids near the newest one stay strictly increasing even past the
	// sequence's size a millisecond; ids for older times (remote posts)
	// rely on the sequence.
	if id <= g.last && ms+1000 > g.last>>16 {
		id = g.after(g.last)
	}
	if id > g.last {
		g.last = id
	}
	return id
}

// after returns the next id of this generator's node after id, carrying into
// the next millisecond when the sequence is used up.
func (g *IDGen) after(id int64) int64 {
	seqMask := int64(1)<<g.seqBits - 1
	prefix := id>>16<<16 | g.node<<g.seqBits
	switch {
	case id&^seqMask == prefix && id&seqMask < seqMask:
		return id + 1
	case prefix > id:
		return prefix
	default:
		return (id>>16+1)<<16 | g.node<<g.seqBits
	}
}

// IDTime returns the time encoded in an id.
func IDTime(id int64) time.Time { return time.UnixMilli(id >> 16).UTC() }

// MinIDAt returns the smallest id that can belong to time t, for range queries.
func MinIDAt(t time.Time) int64 { return t.UnixMilli() << 16 }

// FormatID renders an id as clients see it.
func FormatID(id int64) string { return strconv.FormatInt(id, 10) }

// ParseID parses a client-visible id; ok is false for anything malformed.
func ParseID(s string) (int64, bool) {
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}
