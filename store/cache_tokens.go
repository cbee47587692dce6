package store

import (
	"context"
	"sync"
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
	seq  uint64 // bumped by every row invalidation
	m    map[string]cachedToken
	byID map[int64]string // token id → digest
}

type cachedToken struct {
	tok     OAuthToken
	version uint64
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
		return
	}
	for _, id := range ids {
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
	db.tokens.mu.Lock()
	if db.tokens.seq == seq {
		if db.tokens.m == nil || len(db.tokens.m) >= maxCachedTokens {
			db.tokens.m, db.tokens.byID = map[string]cachedToken{}, map[int64]string{}
		}
		db.tokens.m[tokenHash] = cachedToken{tok: t, version: v}
		db.tokens.byID[t.ID] = tokenHash
	}
	db.tokens.mu.Unlock()
	return t, nil
}
