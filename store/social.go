package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Follow is a follow relation; Accepted is false while it awaits approval.
type Follow struct {
	ID              int64
	AccountID       int64 // follower
	TargetAccountID int64
	URI             string // the Follow activity id
	Accepted        bool
	CreatedAt       time.Time
	// HideReblogs keeps the target's boosts out of the follower's home feed
	// (Mastodon's reblogs=false; column show_reblogs = 0). Only a local
	// follower sets it.
	HideReblogs bool
	// Notify asks for a "status" notification of each new post of the
	// target (Mastodon's notify=true); only a local follower sets it.
	Notify bool
}

const followCols = `id, account_id, target_account_id, uri, accepted, created_at, show_reblogs, notify`

func scanFollow(s scanner) (Follow, error) {
	var f Follow
	var created int64
	var show bool
	err := s.Scan(&f.ID, &f.AccountID, &f.TargetAccountID, &f.URI, &f.Accepted, &created, &show, &f.Notify)
	f.CreatedAt, f.HideReblogs = fromMS(created), !show
	return f, err
}

// UpsertFollow stores a follow; a repeated follow updates its uri and
// accepted state (Mastodon re-accepts repeated Follows) and keeps its
// HideReblogs and Notify, which SetFollowOptions changes.
func (tx *Tx) UpsertFollow(ctx context.Context, f *Follow) error {
	if f.CreatedAt.IsZero() {
		f.CreatedAt = tx.now
	}
	if f.ID == 0 {
		f.ID = tx.NewID(tx.now)
	}
	var show bool
	err := tx.tx.QueryRowContext(ctx, `INSERT INTO follows (`+followCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (account_id, target_account_id) DO UPDATE SET uri = excluded.uri,
			accepted = CASE WHEN excluded.accepted > follows.accepted THEN excluded.accepted ELSE follows.accepted END
		RETURNING id, accepted, show_reblogs, notify`, f.ID, f.AccountID, f.TargetAccountID, f.URI, b2i(f.Accepted), ms(f.CreatedAt),
		b2i(!f.HideReblogs), b2i(f.Notify),
	).Scan(&f.ID, &f.Accepted, &show, &f.Notify)
	if err != nil {
		return fmt.Errorf("upsert follow: %w", err)
	}
	f.HideReblogs = !show
	return nil
}

// SetFollowOptions stores f's HideReblogs and Notify on the follow of
// f.AccountID → f.TargetAccountID. The home statement reads show_reblogs
// (HomeTimeline), so hiding applies to boosts already in the feed too.
func (tx *Tx) SetFollowOptions(ctx context.Context, f Follow) error {
	if _, err := tx.tx.ExecContext(ctx, `UPDATE follows SET show_reblogs = ?, notify = ? WHERE account_id = ? AND target_account_id = ?`,
		b2i(!f.HideReblogs), b2i(f.Notify), f.AccountID, f.TargetAccountID); err != nil {
		return fmt.Errorf("set follow options: %w", err)
	}
	return nil
}

// FollowBetween returns the follow of follower → target, or ErrNotFound.
func (db *DB) FollowBetween(ctx context.Context, follower, target int64) (Follow, error) {
	f, err := scanFollow(db.read.QueryRowContext(ctx, `SELECT `+followCols+` FROM follows
		WHERE account_id = ? AND target_account_id = ?`, follower, target))
	if err != nil {
		return Follow{}, notFound(err, "follow")
	}
	return f, nil
}

// FollowBetween returns the follow inside the transaction.
func (tx *Tx) FollowBetween(ctx context.Context, follower, target int64) (Follow, error) {
	f, err := scanFollow(tx.tx.QueryRowContext(ctx, `SELECT `+followCols+` FROM follows
		WHERE account_id = ? AND target_account_id = ?`, follower, target))
	if err != nil {
		return Follow{}, notFound(err, "follow")
	}
	return f, nil
}

// FollowByURI returns the follow created by the Follow activity uri.
func (tx *Tx) FollowByURI(ctx context.Context, uri string) (Follow, error) {
	f, err := scanFollow(tx.tx.QueryRowContext(ctx, `SELECT `+followCols+` FROM follows WHERE uri = ?`, uri))
	if err != nil {
		return Follow{}, notFound(err, "follow")
	}
	return f, nil
}

// AcceptFollow marks a follow as accepted.
func (tx *Tx) AcceptFollow(ctx context.Context, id int64) error {
	if _, err := tx.tx.ExecContext(ctx, `UPDATE follows SET accepted = 1 WHERE id = ?`, id); err != nil {
		return fmt.Errorf("accept follow %d: %w", id, err)
	}
	return nil
}

// DeleteFollow removes follower → target; it reports whether a row existed.
func (tx *Tx) DeleteFollow(ctx context.Context, follower, target int64) (bool, error) {
	res, err := tx.tx.ExecContext(ctx, `DELETE FROM follows WHERE account_id = ? AND target_account_id = ?`, follower, target)
	if err != nil {
		return false, fmt.Errorf("delete follow: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// FollowerInboxes returns the distinct delivery inboxes (shared where known)
// of the accepted remote followers of accountID.
func (tx *Tx) FollowerInboxes(ctx context.Context, accountID int64) ([]string, error) {
	rows, err := tx.tx.QueryContext(ctx, `SELECT DISTINCT CASE WHEN a.shared_inbox_uri <> '' THEN a.shared_inbox_uri ELSE a.inbox_uri END
		FROM follows f JOIN accounts a ON a.id = f.account_id
		WHERE f.target_account_id = ? AND f.accepted = 1 AND a.domain <> '' AND a.deleted_at = 0`, accountID)
	if err != nil {
		return nil, fmt.Errorf("follower inboxes of %d: %w", accountID, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, fmt.Errorf("follower inboxes: %w", err)
		}
		if s != "" {
			out = append(out, s)
		}
	}
	return out, rows.Err()
}

// HasLocalFollowerOf reports whether any local account follows accountID.
func (tx *Tx) HasLocalFollowerOf(ctx context.Context, accountID int64) (bool, error) {
	var n int
	err := tx.tx.QueryRowContext(ctx, `SELECT count(*) FROM follows f JOIN accounts a ON a.id = f.account_id
		WHERE f.target_account_id = ? AND f.accepted = 1 AND a.domain = '' LIMIT 1`, accountID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("local followers of %d: %w", accountID, err)
	}
	return n > 0, nil
}

// FollowList lists follows of (followers=true: who follows accountID;
// false: whom accountID follows), accepted only, newest first by follow id.
func (db *DB) FollowList(ctx context.Context, accountID int64, followers bool, p Page) ([]Follow, error) {
	col := "target_account_id"
	if !followers {
		col = "account_id"
	}
	return db.pagedFollows(ctx, col+" = ? AND accepted = 1", accountID, p)
}

// PendingFollowRequests lists follow requests awaiting accountID's approval.
func (db *DB) PendingFollowRequests(ctx context.Context, accountID int64, p Page) ([]Follow, error) {
	return db.pagedFollows(ctx, "target_account_id = ? AND accepted = 0", accountID, p)
}

// pagedFollows lists follows matching where (with one ? for accountID) in page p.
func (db *DB) pagedFollows(ctx context.Context, where string, accountID int64, p Page) ([]Follow, error) {
	cond, args, order := p.where("id")
	rows, err := db.read.QueryContext(ctx, `SELECT `+followCols+` FROM follows WHERE `+where+` AND `+cond+
		` ORDER BY `+order+` LIMIT ?`, append(append([]any{accountID}, args...), p.limit())...)
	if err != nil {
		return nil, fmt.Errorf("list follows: %w", err)
	}
	defer rows.Close()
	var out []Follow
	for rows.Next() {
		f, err := scanFollow(rows)
		if err != nil {
			return nil, fmt.Errorf("scan follow: %w", err)
		}
		out = append(out, f)
	}
	return reverseIfMin(p, out), rows.Err()
}

// FollowCounts returns accepted follower and following counts of an account.
func (db *DB) FollowCounts(ctx context.Context, accountID int64) (followers, following int64, err error) {
	err = db.read.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM follows WHERE target_account_id = ?1 AND accepted = 1),
		(SELECT count(*) FROM follows WHERE account_id = ?1 AND accepted = 1)`, accountID).Scan(&followers, &following)
	if err != nil {
		return 0, 0, fmt.Errorf("follow counts of %d: %w", accountID, err)
	}
	return followers, following, nil
}

// Favourite is a like.
type Favourite struct {
	ID        int64
	AccountID int64
	StatusID  int64
	URI       string
	CreatedAt time.Time
}

// InsertFavourite stores a like; a repeat is ErrConflict.
func (tx *Tx) InsertFavourite(ctx context.Context, f *Favourite) error {
	if f.ID == 0 {
		f.ID = tx.NewID(tx.now)
	}
	if f.CreatedAt.IsZero() {
		f.CreatedAt = tx.now
	}
	err := tx.insertNew(ctx, `INSERT INTO favourites (id, account_id, status_id, uri, created_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`,
		f.ID, f.AccountID, f.StatusID, f.URI, ms(f.CreatedAt))
	if errors.Is(err, ErrConflict) {
		return ErrConflict
	}
	if err != nil {
		return fmt.Errorf("insert favourite: %w", err)
	}
	return nil
}

// FavouriteBy returns accountID's like of statusID, or ErrNotFound.
func (tx *Tx) FavouriteBy(ctx context.Context, accountID, statusID int64) (Favourite, error) {
	var f Favourite
	var created int64
	err := tx.tx.QueryRowContext(ctx, `SELECT id, account_id, status_id, uri, created_at FROM favourites
		WHERE account_id = ? AND status_id = ?`, accountID, statusID).Scan(&f.ID, &f.AccountID, &f.StatusID, &f.URI, &created)
	if err != nil {
		return Favourite{}, notFound(err, "favourite")
	}
	f.CreatedAt = fromMS(created)
	return f, nil
}

// DeleteFavourite removes a like; it reports whether one existed.
func (tx *Tx) DeleteFavourite(ctx context.Context, accountID, statusID int64) (bool, error) {
	res, err := tx.tx.ExecContext(ctx, `DELETE FROM favourites WHERE account_id = ? AND status_id = ?`, accountID, statusID)
	if err != nil {
		return false, fmt.Errorf("delete favourite: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// InsertMentions records the accounts a status mentions.
func (tx *Tx) InsertMentions(ctx context.Context, statusID int64, accountIDs []int64) error {
	for _, id := range accountIDs {
		if _, err := tx.tx.ExecContext(ctx, `INSERT INTO mentions (status_id, account_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, statusID, id); err != nil {
			return fmt.Errorf("insert mention: %w", err)
		}
	}
	return nil
}

// MentionsForStatuses returns the mentioned account ids per status.
func (db *DB) MentionsForStatuses(ctx context.Context, ids []int64) (map[int64][]int64, error) {
	return db.pairs(ctx, `SELECT status_id, account_id FROM mentions WHERE status_id IN (`+placeholders(len(ids))+`) ORDER BY `+db.eng.q.insertOrder, ids)
}

// MentionedAccounts returns the accounts a status mentions, inside the transaction.
func (tx *Tx) MentionedAccounts(ctx context.Context, statusID int64) ([]Account, error) {
	return queryAccounts(ctx, tx.tx, `SELECT `+prefixCols("a.", accountCols)+` FROM mentions m JOIN accounts a ON a.id = m.account_id
		WHERE m.status_id = ?`, statusID)
}

// SetStatusTags replaces the hashtags of a status (names without '#').
func (tx *Tx) SetStatusTags(ctx context.Context, statusID int64, names []string) error {
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM status_tags WHERE status_id = ?`, statusID); err != nil {
		return fmt.Errorf("clear tags: %w", err)
	}
	for _, n := range names {
		n = strings.ToLower(n)
		var id int64
		err := tx.tx.QueryRowContext(ctx, `INSERT INTO tags (name) VALUES (?) ON CONFLICT (name) DO UPDATE SET name = excluded.name
			RETURNING id`, n).Scan(&id)
		if err != nil {
			return fmt.Errorf("insert tag %s: %w", n, err)
		}
		if _, err := tx.tx.ExecContext(ctx, `INSERT INTO status_tags (status_id, tag_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, statusID, id); err != nil {
			return fmt.Errorf("tag status: %w", err)
		}
	}
	return nil
}

// TagsForStatuses returns the hashtag names per status.
func (db *DB) TagsForStatuses(ctx context.Context, ids []int64) (map[int64][]string, error) {
	out := map[int64][]string{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := db.read.QueryContext(ctx, `SELECT st.status_id, t.name FROM status_tags st JOIN tags t ON t.id = st.tag_id
		WHERE st.status_id IN (`+placeholders(len(ids))+`) ORDER BY t.name`, int64Args(ids)...)
	if err != nil {
		return nil, fmt.Errorf("tags for statuses: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, fmt.Errorf("scan tag: %w", err)
		}
		out[id] = append(out[id], name)
	}
	return out, rows.Err()
}

func (db *DB) pairs(ctx context.Context, q string, ids []int64) (map[int64][]int64, error) {
	out := map[int64][]int64{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := db.read.QueryContext(ctx, q, int64Args(ids)...)
	if err != nil {
		return nil, fmt.Errorf("query pairs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k, v int64
		if err := rows.Scan(&k, &v); err != nil {
			return nil, fmt.Errorf("scan pair: %w", err)
		}
		out[k] = append(out[k], v)
	}
	return out, rows.Err()
}

func prefixCols(prefix, cols string) string {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		parts[i] = prefix + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}
