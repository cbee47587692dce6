package store

import (
	"context"
	"fmt"
	"time"
)

// Replies policies of a list: which replies by members its timeline shows
// (replies to oneself and to the list's owner always show).
const (
	RepliesFollowed = "followed" // replies to accounts the owner follows
	RepliesList     = "list"     // replies to other members of the list
	RepliesNone     = "none"     // no replies to others
)

// List is a user's named subset of the accounts it follows.
type List struct {
	ID            int64
	AccountID     int64 // owner
	Title         string
	RepliesPolicy string // RepliesFollowed, RepliesList or RepliesNone
	Exclusive     bool   // members' posts stay out of the owner's home timeline
	CreatedAt     time.Time
}

const listCols = `id, account_id, title, replies_policy, exclusive, created_at`

func scanList(s scanner) (List, error) {
	var l List
	var created int64
	err := s.Scan(&l.ID, &l.AccountID, &l.Title, &l.RepliesPolicy, &l.Exclusive, &created)
	l.CreatedAt = fromMS(created)
	return l, err
}

func queryLists(ctx context.Context, q querier, query string, args ...any) ([]List, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("query lists: %w", err)
	}
	defer rows.Close()
	out := []List{}
	for rows.Next() {
		l, err := scanList(rows)
		if err != nil {
			return nil, fmt.Errorf("scan list: %w", err)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// InsertList stores a new list, setting its ID and CreatedAt.
func (tx *Tx) InsertList(ctx context.Context, l *List) error {
	l.ID, l.CreatedAt = tx.NewID(tx.now), tx.now
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO lists (`+listCols+`) VALUES (?, ?, ?, ?, ?, ?)`,
		l.ID, l.AccountID, l.Title, l.RepliesPolicy, b2i(l.Exclusive), ms(l.CreatedAt))
	if err != nil {
		return fmt.Errorf("insert list: %w", err)
	}
	return nil
}

// UpdateList saves the title, replies policy and exclusive flag of the list
// l.ID owned by l.AccountID, or returns ErrNotFound.
func (tx *Tx) UpdateList(ctx context.Context, l List) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE lists SET title = ?, replies_policy = ?, exclusive = ? WHERE id = ? AND account_id = ?`,
		l.Title, l.RepliesPolicy, b2i(l.Exclusive), l.ID, l.AccountID)
	if err != nil {
		return fmt.Errorf("update list %d: %w", l.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// DeleteList removes the list id owned by accountID with its members and
// timeline, or returns ErrNotFound.
func (tx *Tx) DeleteList(ctx context.Context, accountID, id int64) error {
	res, err := tx.tx.ExecContext(ctx, `DELETE FROM lists WHERE id = ? AND account_id = ?`, id, accountID)
	if err != nil {
		return fmt.Errorf("delete list %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// ListByID returns the list id if accountID owns it, else ErrNotFound
// (another user's list is as unknown as a missing one).
func (db *DB) ListByID(ctx context.Context, accountID, id int64) (List, error) {
	l, err := scanList(db.read.QueryRowContext(ctx, `SELECT `+listCols+` FROM lists WHERE id = ? AND account_id = ?`, id, accountID))
	if err != nil {
		return List{}, notFound(err, "list")
	}
	return l, nil
}

// ListByID returns the owned list inside the transaction, or ErrNotFound.
func (tx *Tx) ListByID(ctx context.Context, accountID, id int64) (List, error) {
	l, err := scanList(tx.tx.QueryRowContext(ctx, `SELECT `+listCols+` FROM lists WHERE id = ? AND account_id = ?`, id, accountID))
	if err != nil {
		return List{}, notFound(err, "list")
	}
	return l, nil
}

// CountLists returns how many lists accountID owns.
func (tx *Tx) CountLists(ctx context.Context, accountID int64) (int, error) {
	var n int
	if err := tx.tx.QueryRowContext(ctx, `SELECT count(*) FROM lists WHERE account_id = ?`, accountID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count lists: %w", err)
	}
	return n, nil
}

// ListsOf returns accountID's lists, oldest first (never nil).
func (db *DB) ListsOf(ctx context.Context, accountID int64) ([]List, error) {
	return queryLists(ctx, db.read, `SELECT `+listCols+` FROM lists WHERE account_id = ? ORDER BY id`, accountID)
}

// ListsWithMember returns owner's lists that hold member, oldest first.
func (db *DB) ListsWithMember(ctx context.Context, owner, member int64) ([]List, error) {
	return queryLists(ctx, db.read, `SELECT `+prefixCols("l.", listCols)+` FROM lists l
		JOIN list_accounts la ON la.list_id = l.id
		WHERE l.account_id = ? AND la.account_id = ? ORDER BY l.id`, owner, member)
}

// ListsHolding returns every list (of any owner) that holds member.
func (db *DB) ListsHolding(ctx context.Context, member int64) ([]List, error) {
	return queryLists(ctx, db.read, `SELECT `+prefixCols("l.", listCols)+` FROM list_accounts la
		JOIN lists l ON l.id = la.list_id WHERE la.account_id = ?`, member)
}

// AddListAccount puts member into the list; added is false when it was a
// member already. The caller checks ownership and the follow.
func (tx *Tx) AddListAccount(ctx context.Context, listID, member int64) (added bool, err error) {
	res, err := tx.tx.ExecContext(ctx, `INSERT INTO list_accounts (id, list_id, account_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		tx.NewID(tx.now), listID, member, ms(tx.now))
	if err != nil {
		return false, fmt.Errorf("add to list %d: %w", listID, err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// RemoveListAccounts takes members out of the list; absent ones are ignored.
func (tx *Tx) RemoveListAccounts(ctx context.Context, listID int64, members []int64) error {
	for _, m := range members {
		if _, err := tx.tx.ExecContext(ctx, `DELETE FROM list_accounts WHERE list_id = ? AND account_id = ?`, listID, m); err != nil {
			return fmt.Errorf("remove from list %d: %w", listID, err)
		}
	}
	return nil
}

// ListMembers lists the accounts of a list, keyed by their membership (the
// paging key), newest membership first.
func (db *DB) ListMembers(ctx context.Context, listID int64, p Page) (KeyedIDs, error) {
	return db.keyedList(ctx, "id", "account_id", "list_accounts", "list_id = ?", p, listID)
}

// repliesCond is the SQL condition a list's replies policy puts on its
// statuses (aliased s), with the owner as :viewer and the list as :list.
func repliesCond(policy string) string {
	cond := `(s.in_reply_to_account_id IS NULL AND s.in_reply_to_uri = '' OR s.in_reply_to_account_id = s.account_id
		OR s.in_reply_to_account_id = :viewer`
	switch policy {
	case RepliesFollowed:
		cond += ` OR s.in_reply_to_account_id IN (SELECT target_account_id FROM follows WHERE account_id = :viewer AND accepted = 1)`
	case RepliesList:
		cond += ` OR s.in_reply_to_account_id IN (SELECT account_id FROM list_accounts WHERE list_id = :list)`
	}
	return cond + `)`
}

// ListTimeline lists the statuses of l's members, newest first, as its
// replies policy allows, without deleted posts or posts of accounts the
// owner blocks or mutes or that are suspended, and without the boosts the
// home feed leaves out (boostExclusions). Private posts show only while the
// owner follows their author. It reads list_feed, one index range scan per
// page.
func (db *DB) ListTimeline(ctx context.Context, l List, p Page) ([]Status, error) {
	cond, args, order := pageNamed(p, "f.status_id")
	q := `SELECT ` + statusColsS + listFeedFrom(l) + ` AND ` + cond + ` ORDER BY ` + order + ` LIMIT :limit`
	args = append(args, named("list", l.ID), named("viewer", l.AccountID), named("limit", p.limit()))
	list, err := queryStatuses(ctx, db.read, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list timeline %d: %w", l.ID, err)
	}
	return reverseIfMin(p, list), nil
}

// listFeedFrom is the FROM and WHERE of l's timeline (list_feed f, its
// status s), for the named parameters :list and :viewer (the owner).
func listFeedFrom(l List) string {
	return ` FROM list_feed f JOIN statuses s ON s.id = f.status_id
		WHERE f.list_id = :list AND s.deleted_at = 0 AND ` + repliesCond(l.RepliesPolicy) + `
			AND (s.visibility <> 'private' OR f.author_id = :viewer
				OR f.author_id IN (SELECT target_account_id FROM follows WHERE account_id = :viewer AND accepted = 1))` +
		listFeedConds
}

// InListFeed reports whether statusID is on l's timeline, by the
// conditions ListTimeline applies; the list stream sends a status only then.
func (db *DB) InListFeed(ctx context.Context, l List, statusID int64) (bool, error) {
	in, err := exists(ctx, db.read, `SELECT 1`+listFeedFrom(l)+` AND f.status_id = :status`,
		named("list", l.ID), named("viewer", l.AccountID), named("status", statusID))
	if err != nil {
		return false, fmt.Errorf("list %d: %w", l.ID, err)
	}
	return in, nil
}

// listFeedConds are ListTimeline's exclusions of a list_feed row (aliased
// f, its status s). A boost's boosted author is read from the boosted
// status, one primary-key probe, only for boosts.
var listFeedConds = viewerExclusions("f.author_id") + notSuspended("f.author_id") +
	boostExclusions("f.author_id", boostedAuthorOfS)

// ExclusiveListOwners returns the local accounts that have member in one
// of their exclusive lists: member's posts stay out of their home.
func (db *DB) ExclusiveListOwners(ctx context.Context, member int64) ([]int64, error) {
	return queryIDs(ctx, db.read, `SELECT DISTINCT l.account_id FROM list_accounts la JOIN lists l ON l.id = la.list_id
		WHERE la.account_id = ? AND l.exclusive = 1`, member)
}

// exclusiveListCond hides, in a home feed aliased h, the posts of members
// of the viewer's exclusive lists; the viewer's own posts stay.
const exclusiveListCond = ` AND (h.author_id = :viewer OR NOT EXISTS (SELECT 1 FROM lists WHERE account_id = :viewer AND exclusive = 1)
		OR h.author_id NOT IN (
		SELECT la.account_id FROM lists l JOIN list_accounts la ON la.list_id = l.id
		WHERE l.account_id = :viewer AND l.exclusive = 1))`
