package assistant

import (
	"container/list"
	"context"
	"sync"
	"sync/atomic"
)

// Cache keeps the last answers per key in memory, least recently used
// dropped first, and coalesces concurrent misses of one key into one fill
// (a singleflight). Failures are not cached. It is safe for concurrent use.
type Cache[V any] struct {
	max int

	mu      sync.Mutex
	order   *list.List // front: most recently used; values are *entry[V]
	items   map[string]*list.Element
	flights map[string]*flight[V]

	hits, misses atomic.Int64
}

type entry[V any] struct {
	key string
	val V
}

type flight[V any] struct {
	done chan struct{}
	val  V
	err  error
}

// NewCache returns a cache of at most max entries (max <= 0 caches
// nothing but still coalesces concurrent fills).
func NewCache[V any](max int) *Cache[V] {
	return &Cache[V]{max: max, order: list.New(), items: map[string]*list.Element{}, flights: map[string]*flight[V]{}}
}

// Do returns the value cached under key, or fills it: the first caller of a
// missing key runs fill, and callers that ask meanwhile wait for its result.
// fill runs with ctx's values but without its cancellation, so a leader that
// goes away does not fail the others; fill must bound itself (Chat does).
// A caller whose ctx ends stops waiting with ctx's error. filled is true
// only for the caller whose fill ran (the one call that may count against
// a quota).
func (c *Cache[V]) Do(ctx context.Context, key string, fill func(ctx context.Context) (V, error)) (v V, filled bool, err error) {
	c.mu.Lock()
	if el, ok := c.items[key]; ok {
		c.order.MoveToFront(el)
		v = el.Value.(*entry[V]).val
		c.mu.Unlock()
		c.hits.Add(1)
		return v, false, nil
	}
	if f, ok := c.flights[key]; ok {
		c.mu.Unlock()
		c.hits.Add(1)
		select {
		case <-f.done:
			return f.val, false, f.err
		case <-ctx.Done():
			return v, false, ctx.Err()
		}
	}
	f := &flight[V]{done: make(chan struct{})}
	c.flights[key] = f
	c.mu.Unlock()
	c.misses.Add(1)

	f.val, f.err = fill(context.WithoutCancel(ctx))
	c.mu.Lock()
	delete(c.flights, key)
	if f.err == nil && c.max > 0 {
		c.items[key] = c.order.PushFront(&entry[V]{key: key, val: f.val})
		for c.order.Len() > c.max {
			old := c.order.Back()
			c.order.Remove(old)
			delete(c.items, old.Value.(*entry[V]).key)
		}
	}
	c.mu.Unlock()
	close(f.done)
	return f.val, true, f.err
}

// Forget drops key.
func (c *Cache[V]) Forget(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		c.order.Remove(el)
		delete(c.items, key)
	}
}

// Len returns the number of cached entries.
func (c *Cache[V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}

// Stats returns how many Do calls were served without a fill of their own
// (hits, including waits on another caller's fill) and how many ran one.
func (c *Cache[V]) Stats() (hits, misses int64) { return c.hits.Load(), c.misses.Load() }
