package store

import (
	"context"
	"fmt"
)

// ViewerOfAuthor is how a viewer stands towards the author of a profile
// they read: what GET /api/v1/accounts/:id/statuses needs before its query.
type ViewerOfAuthor struct {
	Blocked   bool // a block between the two, either way
	Following bool // an accepted follow of the author by the viewer
}

// ViewerOfAuthor answers Blocked (both ways) and the viewer's accepted
// follow of author in one query; nothing for viewer 0 (anonymous) or for
// the author reading their own profile.
func (db *DB) ViewerOfAuthor(ctx context.Context, viewer, author int64) (ViewerOfAuthor, error) {
	if viewer == 0 || viewer == author {
		return ViewerOfAuthor{}, nil
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
	return ViewerOfAuthor{Blocked: blocks > 0, Following: follows > 0}, nil
}
