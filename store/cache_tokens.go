package store

import (
	"bytes"
	"context"
	"fmt"
	"sync"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// tokenCache keeps access tokens by digest. A token's own row is exact by
// row: every committed change of an oauth_tokens row (a revocation, a
// deletion, a cascade, a recorded use) drops that token before Write
// returns, and a row read while such a change committed is not kept (seq).
// What it reads from users and accounts (AccountDisabled, AccountAdmin) is
// checked by those tables' version (tableVersions): a suspension or a
// disabled login makes every cached token miss. So a revocation takes
// effect on the next request, while recording one token's use (once a
// minute per token) no longer empties the cache for all the others.
type tokenCache struct {
	mu   sync.Mutex
	seq  uint64 // bumped by every row invalidation and use record
	m    map[string]cachedToken
	byID map[int64]string // token id → digest
	// changed is the seq of each token row's last invalidation or use
	// record, so that a read in flight is not kept when its own row
	// changed meanwhile (but is when others did); floor is the seq below
	// which that history was forgotten (everything dropped, or the map
	// past its bound).
	changed map[int64]uint64
	floor   uint64
}

// changedSince reports whether token id's row may have changed since seq;
// c.mu is held.
func (c *tokenCache) changedSince(id int64, seq uint64) bool {
	return c.floor > seq || c.changed[id] > seq
}

// noteChanged records a change of token id's row at the current seq; c.mu
// is held.
func (c *tokenCache) noteChanged(id int64) {
	if c.changed == nil || len(c.changed) >= maxCachedTokens {
		c.changed, c.floor = map[int64]uint64{}, c.seq
	}
	c.changed[id] = c.seq
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
		c.noteChanged(id)
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

var tokenTables = []string{"users", "accounts"}

// invalidate drops the tokens with the given ids, or all of them.
func (c *tokenCache) invalidate(ids []int64, all bool) {
	if len(ids) == 0 && !all {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	if all {
		c.m, c.byID = nil, nil
		c.changed, c.floor = nil, c.seq
		return
	}
	for _, id := range ids {
		c.noteChanged(id)
		if h, ok := c.byID[id]; ok {
			delete(c.m, h)
			delete(c.byID, id)
		}
	}
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

// put keeps token t, read under digest h after seq with the tables'
// version v, unless its row changed since.
func (c *tokenCache) put(seq uint64, h string, t OAuthToken, v uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.changedSince(t.ID, seq) {
		return
	}
	if c.m == nil || len(c.m) >= maxCachedTokens {
		c.m, c.byID = map[string]cachedToken{}, map[int64]string{}
	}
	c.m[h] = cachedToken{tok: t, version: v}
	c.byID[t.ID] = h
}
