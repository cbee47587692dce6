package web

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/pictor-social/pictor/store"
)

// Blocklist is a cached view of the admin's domain blocks, read by federation
// on every inbox POST and delivery. Blocks made through the admin pages take
// effect at once (Invalidate), and so do blocks made by the CLI or another
// process: the server invalidates the cache when the store reports a commit
// from outside (server/wakeups.go), and a host the cache calls blocked is
// checked against the store before it is refused, so an unblock never
// refuses anything. The refresh interval is only a safety net. It is safe
// for concurrent use.
type Blocklist struct {
	db      *store.DB
	refresh time.Duration

	mu      sync.Mutex
	domains map[string]bool
	loaded  time.Time
}

// NewBlocklist returns a Blocklist over db that reloads at most every refresh.
func NewBlocklist(db *store.DB, refresh time.Duration) *Blocklist {
	return &Blocklist{db: db, refresh: refresh}
}

// Invalidate makes the next lookup reload the blocks from the store.
func (b *Blocklist) Invalidate() {
	b.mu.Lock()
	b.loaded = time.Time{}
	b.mu.Unlock()
}

// Blocked reports whether host (an authority, possibly with a port) or any
// parent domain of it is blocked. If the store cannot be read, the last
// loaded list is used.
func (b *Blocklist) Blocked(ctx context.Context, host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if host == "" {
		return false
	}
	if !matches(b.current(ctx), host) {
		return false
	}
	blocked, err := b.db.DomainBlocked(context.WithoutCancel(ctx), host)
	if err != nil {
		return true // the cache said blocked and the store cannot say otherwise
	}
	if !blocked {
		b.Invalidate() // lifted since the cache was loaded
	}
	return blocked
}

// matches reports whether host or a parent domain of it is in domains.
func matches(domains map[string]bool, host string) bool {
	if len(domains) == 0 {
		return false
	}
	if domains[host] {
		return true
	}
	name := host
	if i := strings.LastIndexByte(name, ':'); i >= 0 && !strings.Contains(name[i:], "]") {
		name = name[:i]
		if domains[name] {
			return true
		}
	}
	for {
		i := strings.IndexByte(name, '.')
		if i < 0 {
			return false
		}
		name = name[i+1:]
		if domains[name] {
			return true
		}
	}
}

// current returns the cached blocks, reloading them when they are older than
// the refresh interval or invalidated.
func (b *Blocklist) current(ctx context.Context) map[string]bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.domains != nil && time.Since(b.loaded) < b.refresh {
		return b.domains
	}
	list, err := b.db.DomainBlocks(context.WithoutCancel(ctx))
	if err != nil {
		if b.domains == nil {
			return map[string]bool{}
		}
		return b.domains
	}
	m := make(map[string]bool, len(list))
	for _, d := range list {
		m[d.Domain] = true
	}
	b.domains, b.loaded = m, time.Now()
	return m
}
