package store

import (
	"context"
	"fmt"
	"sync"
)

// ViewerOfAuthor is how a viewer stands towards the author of a profile
// they read: what GET /api/v1/accounts/:id/statuses needs before its query.
type ViewerOfAuthor struct {
	Blocked   bool // a block between the two, either way
	Following bool // an accepted follow of the author by the viewer
}

// ViewerOfAuthor answers Blocked (both ways) and the viewer's accepted
// follow of author in one query; nothing for viewer 0 (anonymous) or for
// the author reading their own profile. Answers are cached per pair while
// neither blocks nor follows has changed (tableVersions, exact on commit),
// so a block or an unfollow is seen by the next read.
func (db *DB) ViewerOfAuthor(ctx context.Context, viewer, author int64) (ViewerOfAuthor, error) {
	if viewer == 0 || viewer == author {
		return ViewerOfAuthor{}, nil
	}
	key := [2]int64{viewer, author}
	v, ok := db.versions.of(viewerAuthorTables...)
	c := &db.viewerAuthors
	if ok {
		c.mu.Lock()
		r, hit := c.m[key]
		c.mu.Unlock()
		if hit && r.version == v {
			return r.rel, nil
		}
	}
	var blocks, follows int
	err := db.read.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM blocks WHERE (account_id = ?1 AND target_account_id = ?2)
			OR (account_id = ?2 AND target_account_id = ?1)),
		(SELECT count(*) FROM follows WHERE account_id = ?1 AND target_account_id = ?2 AND accepted = 1)`,
		viewer, author).Scan(&blocks, &follows)
	if err != nil {
		return ViewerOfAuthor{}, fmt.Errorf("viewer %d of author %d: %w", viewer, author, err)
	}
	rel := ViewerOfAuthor{Blocked: blocks > 0, Following: follows > 0}
	if ok {
		c.mu.Lock()
		if c.m == nil || len(c.m) >= maxCachedViewerAuthors {
			c.m = map[[2]int64]cachedViewerAuthor{}
		}
		c.m[key] = cachedViewerAuthor{version: v, rel: rel}
		c.mu.Unlock()
	}
	return rel, nil
}

// viewerAuthorTables are the tables ViewerOfAuthor reads.
var viewerAuthorTables = []string{"blocks", "follows"}

// maxCachedViewerAuthors bounds ViewerOfAuthor's cache (pairs, 40 bytes
// each); a full cache starts again empty.
const maxCachedViewerAuthors = 10_000

type viewerAuthorCache struct {
	mu sync.Mutex
	m  map[[2]int64]cachedViewerAuthor
}

type cachedViewerAuthor struct {
	version uint64
	rel     ViewerOfAuthor
}
