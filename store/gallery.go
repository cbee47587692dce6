package store

import "context"

// The galleries of the public web pages. They return only public (and, for
// a profile, unlisted) originals that are not deleted, from accounts that are
// not suspended: followers-only and direct statuses never appear in them.

const visibleAuthor = ` AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = s.account_id
	AND (a.suspended_at <> 0 OR a.deleted_at <> 0))`

const hasMedia = ` AND EXISTS (SELECT 1 FROM media_attachments m WHERE m.status_id = s.id)`

// LocalGallery lists this instance's public statuses that carry images,
// newest first, for Explore. Only p.MaxID and p.Limit are used.
func (db *DB) LocalGallery(ctx context.Context, p Page) ([]Status, error) {
	cond, args := maxIDCond(p)
	return queryStatuses(ctx, db.read, `SELECT `+statusCols+` FROM statuses s
		WHERE s.local = 1 AND s.visibility = 'public' AND s.deleted_at = 0 AND s.reblog_of_id IS NULL`+cond+hasMedia+visibleAuthor+`
		ORDER BY s.id DESC LIMIT ?`, append(args, p.limit())...)
}

// FollowedGallery lists public statuses with images from remote accounts
// that some local account follows, newest first. Only p.MaxID and p.Limit
// are used.
func (db *DB) FollowedGallery(ctx context.Context, p Page) ([]Status, error) {
	cond, args := maxIDCond(p)
	return queryStatuses(ctx, db.read, `SELECT `+statusCols+` FROM statuses s
		WHERE s.local = 0 AND s.visibility = 'public' AND s.deleted_at = 0 AND s.reblog_of_id IS NULL`+cond+`
		AND s.account_id IN (SELECT f.target_account_id FROM follows f JOIN accounts l ON l.id = f.account_id
			WHERE f.accepted = 1 AND l.domain = '')`+hasMedia+visibleAuthor+`
		ORDER BY s.id DESC LIMIT ?`, append(args, p.limit())...)
}

// ProfileStatuses lists an account's public statuses (and unlisted ones
// when withUnlisted), boosts excluded, newest first. Only p.MaxID and
// p.Limit are used.
func (db *DB) ProfileStatuses(ctx context.Context, accountID int64, withUnlisted bool, p Page) ([]Status, error) {
	cond, args := maxIDCond(p)
	vis := ` AND s.visibility = 'public'`
	if withUnlisted {
		vis = ` AND s.visibility IN ('public', 'unlisted')`
	}
	return queryStatuses(ctx, db.read, `SELECT `+statusCols+` FROM statuses s
		WHERE s.account_id = ? AND s.deleted_at = 0 AND s.reblog_of_id IS NULL`+vis+cond+`
		ORDER BY s.id DESC LIMIT ?`, append(append([]any{accountID}, args...), p.limit())...)
}

func maxIDCond(p Page) (string, []any) {
	if p.MaxID > 0 {
		return ` AND s.id < ?`, []any{p.MaxID}
	}
	return "", nil
}
