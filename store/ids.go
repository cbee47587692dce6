package store

import (
	"strconv"
	"sync"
	"time"
)

// IDGen makes Mastodon-shaped ids: milliseconds since the epoch shifted left
// 16 bits, plus a 16-bit sequence. They sort by time and are shown to clients
// as decimal strings (interop.md C.2).
type IDGen struct {
	mu   sync.Mutex
	last int64
	seq  int64
}

// NewIDGen returns a generator.
func NewIDGen() *IDGen { return &IDGen{} }

// Next returns an id for time t that is unique within this process. Ids for
// the same millisecond differ in their sequence; a past t (a remote post's
// publication time) still gets a unique id.
func (g *IDGen) Next(t time.Time) int64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.seq = (g.seq + 1) & 0xffff
	id := t.UnixMilli()<<16 | g.seq
	// Ids near the newest one stay strictly increasing even past 65,536 a
	// millisecond; ids for older times (remote posts) rely on the sequence.
	if id <= g.last && t.UnixMilli()+1000 > g.last>>16 {
		id = g.last + 1
	}
	if id > g.last {
		g.last = id
	}
	return id
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
