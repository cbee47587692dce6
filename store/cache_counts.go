package store

import (
	"context"
	"sync"
)

// countCache keeps counts computed from whole tables (NodeInfo's and the
// instance document's), each with the version of the tables it read
// (tableVersions): a count is served only while none of them has changed,
// so a committed write is seen by the next read.
type countCache struct {
	mu sync.Mutex
	m  map[string]cachedCount
}

type cachedCount struct {
	n       int64
	version uint64
}

// cachedCount returns the count named key, computing it with count when a
// table it reads has changed since it was cached. The version is read
// before counting, so a write committing meanwhile makes the next call
// count again.
func (db *DB) cachedCount(ctx context.Context, key string, tables []string, count func(context.Context) (int64, error)) (int64, error) {
	v, ok := db.versions.of(tables...)
	if ok {
		db.counts.mu.Lock()
		c, hit := db.counts.m[key]
		db.counts.mu.Unlock()
		if hit && c.version == v {
			return c.n, nil
		}
	}
	n, err := count(ctx)
	if err != nil || !ok {
		return n, err
	}
	db.counts.mu.Lock()
	if db.counts.m == nil {
		db.counts.m = map[string]cachedCount{}
	}
	db.counts.m[key] = cachedCount{n: n, version: v}
	db.counts.mu.Unlock()
	return n, nil
}
