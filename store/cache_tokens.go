package store

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// tokenCache keeps access tokens by digest. A token's own row is exact by
// row: every committed change of an oauth_tokens row (a revocation, a
// deletion, a cascade, a recorded use) drops that token before Write
// returns, and a row read while such a change committed is not kept (seq).
// What it reads from its account's row (a suspension: AccountDisabled) is
// exact by account: a committed change of an accounts row drops that
// account's tokens, so the steady stream of remote account updates that
// federation brings leaves the local users' tokens cached. What it reads
// from users (a disabled login, AccountAdmin) is checked by that table's
// version (tableVersions), which changes rarely: any change makes every
// cached token miss. So a revocation or a suspension takes effect on the
// next request, while recording one token's use (once a minute per token)
// does not empty the cache for all the others.
type tokenCache struct {
	mu        sync.Mutex
	seq       uint64 // bumped by every row invalidation and use record
	m         map[string]cachedToken
	byID      map[int64]string  // token id → digest
	byAccount map[int64][]int64 // account id → ids of its cached tokens (some maybe gone since)
	// changed and accountChanged are the seq of each token row's and
	// each account row's last invalidation (or a token's use record), so
	// that a read in flight is not kept when its own rows changed
	// meanwhile (but is when others did); floor is the seq below which
	// that history was forgotten (everything dropped, or a map past its
	// bound).
	changed        map[int64]uint64
	accountChanged map[int64]uint64
	floor          uint64
}

// changedSince reports whether token t's row or its account's may have
// changed since seq; c.mu is held.
func (c *tokenCache) changedSince(t OAuthToken, seq uint64) bool {
	return c.floor > seq || c.changed[t.ID] > seq || c.accountChanged[t.AccountID] > seq
}

// noteChanged records a change of row id at the current seq in one of the
// histories (changed or accountChanged); c.mu is held.
func (c *tokenCache) noteChanged(history *map[int64]uint64, id int64) {
	if *history == nil || len(*history) >= maxCachedTokens {
		c.changed, c.accountChanged, c.floor = nil, nil, c.seq
		*history = map[int64]uint64{}
	}
	(*history)[id] = c.seq
}

type cachedToken struct {
	tok     OAuthToken
	version uint64
}

// touched sets the last use of the cached tokens a use record changed
// (id → Unix ms), which changed nothing else of their rows, so they stay
// cached instead of being read again on their next request. Reads in
// flight for these tokens are not kept (changedSince): they may predate the
// record, and a cached use time older than the stored one would record the
// use on every request.
func (c *tokenCache) touched(uses map[int64]int64) {
	if len(uses) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	for id, at := range uses {
		c.noteChanged(&c.changed, id)
		h, ok := c.byID[id]
		if !ok {
			continue
		}
		if e, ok := c.m[h]; ok {
			e.tok.LastUsedAt = fromMS(at)
			c.m[h] = e
		}
	}
}

// tokenColumns are the positions of oauth_tokens' columns in its rows and
// which one is last_used_at, read from the schema after migrating
// (resolveTokenColumns); until then every change drops its token.
type tokenColumns struct {
	n, lastUsed int
}

// resolveTokenColumns reads oauth_tokens' column count and the position of
// last_used_at.
func (db *DB) resolveTokenColumns(ctx context.Context) error {
	var tc tokenColumns
	err := db.write.QueryRowContext(ctx, `SELECT count(*), COALESCE(max(CASE WHEN name = 'last_used_at' THEN cid END), -1)
		FROM pragma_table_info('oauth_tokens')`).Scan(&tc.n, &tc.lastUsed)
	if err != nil {
		return fmt.Errorf("columns of oauth_tokens: %w", err)
	}
	if tc.lastUsed < 0 {
		return fmt.Errorf("columns of oauth_tokens: no last_used_at")
	}
	db.changes.mu.Lock()
	db.changes.tokenCols = &tc
	db.changes.mu.Unlock()
	return nil
}

// recordTokenChange notes a changed oauth_tokens row: a use record when an
// update changed last_used_at alone, otherwise a change that drops the
// token. It runs inside SQLite's pre-update hook on the writer.
func (l *changeLog) recordTokenChange(d *sqlite.SQLitePreUpdateData) {
	l.mu.Lock()
	tc := l.tokenCols
	l.mu.Unlock()
	if tc != nil && d.Op == sqlite3.SQLITE_UPDATE && d.OldRowID == d.NewRowID {
		old, new := make([]any, tc.n), make([]any, tc.n)
		if d.Old(old...) == nil && d.New(new...) == nil {
			at, isInt := new[tc.lastUsed].(int64)
			same := isInt
			for i := range old {
				if i != tc.lastUsed && !sameValue(old[i], new[i]) {
					same = false
					break
				}
			}
			if same {
				l.mu.Lock()
				if l.touches == nil {
					l.touches = map[int64]int64{}
				}
				l.touches[d.NewRowID] = at
				l.mu.Unlock()
				return
			}
		}
	}
	l.recordTokens(d.OldRowID, d.NewRowID)
}

// sameValue compares two column values as the hook reads them (nil,
// int64, float64, string or []byte).
func sameValue(a, b any) bool {
	if x, ok := a.([]byte); ok {
		y, ok := b.([]byte)
		return ok && bytes.Equal(x, y)
	}
	if _, ok := b.([]byte); ok {
		return false
	}
	return a == b
}

// takeTouches returns and forgets the use records logged.
func (l *changeLog) takeTouches() map[int64]int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	t := l.touches
	l.touches = nil
	return t
}

// maxCachedTokens bounds the cache; past it the cache starts over.
const maxCachedTokens = 10_000

// tokenTables are the tables whose version a cached token is checked by.
var tokenTables = []string{"users"}

// invalidate drops the tokens with the given ids, or all of them.
func (c *tokenCache) invalidate(ids []int64, all bool) {
	c.invalidateBy(&c.changed, ids, all, c.dropLocked)
}

// invalidateAccounts drops the tokens of the accounts with the given ids
// (rows of accounts a commit changed), or all tokens.
func (c *tokenCache) invalidateAccounts(ids []int64, all bool) {
	c.invalidateBy(&c.accountChanged, ids, all, func(a int64) {
		for _, id := range c.byAccount[a] {
			c.dropLocked(id)
		}
		delete(c.byAccount, a)
	})
}

// invalidateBy notes ids in history and drops what each names, or drops
// everything when all.
func (c *tokenCache) invalidateBy(history *map[int64]uint64, ids []int64, all bool, drop func(id int64)) {
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
		c.noteChanged(history, id)
		drop(id)
	}
}

// dropLocked forgets token id; c.mu is held.
func (c *tokenCache) dropLocked(id int64) {
	if h, ok := c.byID[id]; ok {
		delete(c.m, h)
		delete(c.byID, id)
	}
}

// clearLocked forgets every token and the change history; c.mu is held.
func (c *tokenCache) clearLocked() {
	c.m, c.byID, c.byAccount = nil, nil, nil
	c.changed, c.accountChanged, c.floor = nil, nil, c.seq
}

// OAuthTokenByHash returns the token with the given digest, revoked or not,
// or ErrNotFound.
func (db *DB) OAuthTokenByHash(ctx context.Context, tokenHash string) (OAuthToken, error) {
	v, ok := db.versions.of(tokenTables...)
	var seq uint64
	if ok {
		db.tokens.mu.Lock()
		c, hit := db.tokens.m[tokenHash]
		seq = db.tokens.seq
		db.tokens.mu.Unlock()
		if hit && c.version == v {
			return c.tok, nil
		}
	}
	t, err := oauthTokenByHash(ctx, db.read, tokenHash)
	if err != nil || !ok {
		return t, err
	}
	db.tokens.put(seq, tokenHash, t, v)
	return t, nil
}

// put keeps token t, read under digest h after seq with the users
// table's version v, unless its row or its account's changed since.
func (c *tokenCache) put(seq uint64, h string, t OAuthToken, v uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.changedSince(t, seq) {
		return
	}
	if c.m == nil || len(c.m) >= maxCachedTokens {
		c.m, c.byID, c.byAccount = map[string]cachedToken{}, map[int64]string{}, map[int64][]int64{}
	}
	c.m[h] = cachedToken{tok: t, version: v}
	c.byID[t.ID] = h
	if !slices.Contains(c.byAccount[t.AccountID], t.ID) {
		c.byAccount[t.AccountID] = append(c.byAccount[t.AccountID], t.ID)
	}
}
