package store

import (
	"strings"
	"sync"
)

// accountCache keeps account rows read through the DB's reader pool, by id,
// with lookups by local or remote handle, actor id and key id. It is exact:
// every committed change of an accounts row (any statement, trigger or
// cascade; changes.go) removes that row before Write returns, and a row read
// while a change committed is not kept (the seq check in put). Lookups by
// handle, URI and key id resolve to an id and check the cached row still
// matches, so a renamed or re-keyed account can never answer for another.
// Transactions never read it: a Tx sees its own writes in the database.
type accountCache struct {
	mu       sync.RWMutex
	disabled bool
	seq      uint64 // bumped by every invalidation
	byID     map[int64]Account
	byHandle map[handle]int64
	byURI    map[string]int64
	byKeyID  map[string]int64

	// versions are the entity versions of AccountVersions: a number per
	// account, never reused, dropped with the account's row and whenever
	// its account_counts row or one of its statuses changes.
	versions    map[int64]uint64
	nextVersion uint64
}

// maxCachedAccounts bounds the cache: about 2 KB an account with its keys.
const maxCachedAccounts = 5_000

func newAccountCache() *accountCache {
	return &accountCache{byID: map[int64]Account{}, byHandle: map[handle]int64{}, byURI: map[string]int64{},
		byKeyID: map[string]int64{}, versions: map[int64]uint64{}}
}

// handle is the lookup key of AccountByHandle: SQLite's lower() folds
// ASCII only, and the domain is compared as given, lower-cased by Go. A
// key already in lower case is built without allocating.
type handle struct{ username, domain string }

func handleKey(username, domain string) handle {
	return handle{asciiLower(username), strings.ToLower(domain)}
}

func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// snapshot returns the sequence to pass to put for rows read after it.
func (c *accountCache) snapshot() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.seq
}

func (c *accountCache) byIDs(ids []int64) (found map[int64]Account, missing []int64) {
	found = make(map[int64]Account, len(ids))
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, id := range ids {
		if a, ok := c.byID[id]; ok && !c.disabled {
			found[id] = a
		} else {
			missing = append(missing, id)
		}
	}
	return found, missing
}

func (c *accountCache) get(id int64) (Account, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	a, ok := c.byID[id]
	return a, ok && !c.disabled
}

// lookup resolves a secondary key through index and checks the row with match.
func lookup[K comparable](c *accountCache, index map[K]int64, key K, match func(Account) bool) (Account, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	id, ok := index[key]
	if !ok || c.disabled {
		return Account{}, false
	}
	a, ok := c.byID[id]
	if !ok || !match(a) {
		return Account{}, false
	}
	return a, true
}

func (c *accountCache) getHandle(username, domain string) (Account, bool) {
	key := handleKey(username, domain)
	return lookup(c, c.byHandle, key, func(a Account) bool { return handleKey(a.Username, a.Domain) == key })
}

func (c *accountCache) getURI(uri string) (Account, bool) {
	return lookup(c, c.byURI, uri, func(a Account) bool { return a.URI == uri })
}

func (c *accountCache) getKeyID(keyID string) (Account, bool) {
	return lookup(c, c.byKeyID, keyID, func(a Account) bool { return a.PublicKeyID == keyID })
}

// put keeps accounts read after snapshot seq, unless a change committed since.
func (c *accountCache) put(seq uint64, accts ...Account) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.disabled || seq != c.seq {
		return
	}
	for _, a := range accts {
		if len(c.byID) >= maxCachedAccounts {
			c.clearLocked() // rare: the working set is far smaller
		}
		c.byID[a.ID] = a
		c.byHandle[handleKey(a.Username, a.Domain)] = a.ID
		c.byURI[a.URI] = a.ID
		if a.PublicKeyID != "" {
			c.byKeyID[a.PublicKeyID] = a.ID
		}
	}
}

// invalidate drops the given accounts, or every account when all is set.
func (c *accountCache) invalidate(ids []int64, all bool) {
	if len(ids) == 0 && !all {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	if all {
		c.clearLocked()
		return
	}
	for _, id := range ids {
		delete(c.byID, id) // the secondary keys left behind fail their match
		delete(c.versions, id)
	}
}

// invalidateVersions drops the entity versions of ids (or all of them)
// without their rows: their counts or statuses changed.
func (c *accountCache) invalidateVersions(ids []int64, all bool) {
	if len(ids) == 0 && !all {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if all {
		clear(c.versions)
		return
	}
	for _, id := range ids {
		delete(c.versions, id)
	}
}

// AccountVersions returns for each of ids a version of everything the
// account's client API entity is made of: its accounts row, its
// account_counts row (local counts, last status) and its statuses (the
// last status of a remote account). A version is never reused: any
// committed change of those rows drops it before Write returns, and the
// next call hands out a new one. Take the versions before reading the
// rows, so what is read is at least as new as the version. ok is false
// when the store keeps no versions (no change reports): cache nothing then.
func (db *DB) AccountVersions(ids []int64) (versions map[int64]uint64, ok bool) {
	c := db.accounts
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.disabled {
		return nil, false
	}
	versions = make(map[int64]uint64, len(ids))
	for _, id := range ids {
		v, ok := c.versions[id]
		if !ok {
			if len(c.versions) >= maxCachedAccounts*4 {
				clear(c.versions) // new versions for all: never stale
			}
			c.nextVersion++
			v = c.nextVersion
			c.versions[id] = v
		}
		versions[id] = v
	}
	return versions, true
}

// disable turns the cache off for good (a writer without change reports).
func (c *accountCache) disable() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.disabled = true
	c.seq++
	c.clearLocked()
}

func (c *accountCache) clearLocked() {
	clear(c.byID)
	clear(c.byHandle)
	clear(c.byURI)
	clear(c.byKeyID)
	clear(c.versions)
}
