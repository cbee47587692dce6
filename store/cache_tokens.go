package store

import (
	"context"
	"sync"
)

// tokenCache keeps access tokens by digest, each with the version of the
// tables its row is read from (tableVersions): oauth_tokens, and users and
// accounts for AccountDisabled. Any committed change to one of them (a
// revocation, a suspension, a disabled login, a token's last use) makes
// every cached token miss, so a revocation takes effect on the next request.
type tokenCache struct {
	mu sync.Mutex
	m  map[string]cachedToken
}

type cachedToken struct {
	tok     OAuthToken
	version uint64
}

// maxCachedTokens bounds the cache; past it the cache starts over.
const maxCachedTokens = 10_000

var tokenTables = []string{"oauth_tokens", "users", "accounts"}

// OAuthTokenByHash returns the token with the given digest, revoked or not,
// or ErrNotFound.
func (db *DB) OAuthTokenByHash(ctx context.Context, tokenHash string) (OAuthToken, error) {
	v, ok := db.versions.of(tokenTables...)
	if ok {
		db.tokens.mu.Lock()
		c, hit := db.tokens.m[tokenHash]
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
	if db.tokens.m == nil || len(db.tokens.m) >= maxCachedTokens {
		db.tokens.m = map[string]cachedToken{}
	}
	db.tokens.m[tokenHash] = cachedToken{tok: t, version: v}
	db.tokens.mu.Unlock()
	return t, nil
}
