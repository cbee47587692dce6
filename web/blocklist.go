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
// effect at once (Invalidate); blocks made by the CLI, another process,
// within the refresh interval. It is safe for concurrent use.
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
	domains := b.current(ctx)
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
