package store

import (
	"context"
	"fmt"
)

// DirectoryFilter selects the profile directory (GET /api/v1/directory).
type DirectoryFilter struct {
	Viewer int64 // 0: anonymous; else hides accounts blocked or muted either way and blocked domains
	Local  bool  // only local accounts
	New    bool  // newest accounts first; else most recently posting first (Mastodon's "active")
	Limit  int
	Offset int
}

// Directory lists live, discoverable, unmoved accounts (not application
// actors) off admin-blocked domains, as Mastodon's directory does.
func (db *DB) Directory(ctx context.Context, f DirectoryFilter) ([]Account, error) {
	q := `SELECT ` + accountCols + ` FROM accounts
		WHERE discoverable = 1 AND deleted_at = 0 AND suspended_at = 0 AND moved_to_uri = ''
			AND actor_type <> 'Application'
			AND NOT EXISTS (SELECT 1 FROM domain_blocks b WHERE accounts.domain <> ''
				AND (accounts.domain = b.domain OR substr(accounts.domain, length(accounts.domain) - length(b.domain)) = '.' || b.domain))`
	if f.Local {
		q += ` AND domain = ''`
	}
	if f.Viewer != 0 {
		q += viewerExclusions("id")
	}
	if f.New {
		q += ` ORDER BY id DESC`
	} else {
		// The newest live post, found on the (account_id, id) index.
		q += ` ORDER BY (SELECT max(s.id) FROM statuses s WHERE s.account_id = accounts.id AND s.deleted_at = 0) DESC NULLS LAST, id DESC`
	}
	q += ` LIMIT :limit OFFSET :offset`
	list, err := queryAccounts(ctx, db.read, q, named("viewer", f.Viewer), named("limit", f.Limit), named("offset", f.Offset))
	if err != nil {
		return nil, fmt.Errorf("directory: %w", err)
	}
	return list, nil
}
