package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"
)

// InboxItem is an activity the inbox acknowledged, awaiting processing.
type InboxItem struct {
	ID             int64
	ActivityID     string
	ActorURI       string
	InboxAccountID int64
	Body           []byte
	BodyHash       string // identifies the body for deduplication (hex SHA-256)
	Undoes         string // for an Undo, the id of the activity it undoes
	Attempts       int
	ReceivedAt     time.Time
}

// InsertInboxItem stores an acknowledged activity. It returns ErrConflict
// when the item is a retry of one already stored: the newest item of the
// same actor with the same activity id has the same body hash, arrived less than window ago,
// and was not freed since. Some servers reuse ids (snac for every Like or
// Announce of one post, honk for every Update of one post), so an id alone
// does not make a repeat: an Undo frees the record of the activity it undoes
// (of the same actor), and an activity done again frees the record of the
// Undo that undid it, so like, unlike, like again, unlike again all apply.
func (tx *Tx) InsertInboxItem(ctx context.Context, it *InboxItem, window time.Duration) error {
	if it.ReceivedAt.IsZero() {
		it.ReceivedAt = tx.now
	}
	var hash string
	var freed bool
	var received int64
	err := tx.tx.QueryRowContext(ctx, `SELECT body_hash, freed, received_at FROM inbox_items
		WHERE activity_id = ? AND actor_uri = ? ORDER BY id DESC LIMIT 1`, it.ActivityID, it.ActorURI).Scan(&hash, &freed, &received)
	switch {
	case err == nil:
		if !freed && hash == it.BodyHash && it.ReceivedAt.Sub(fromMS(received)) < window {
			return ErrConflict
		}
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("insert inbox item %s: %w", it.ActivityID, err)
	}
	err = tx.tx.QueryRowContext(ctx, `INSERT INTO inbox_items (activity_id, actor_uri, inbox_account_id, body, body_hash, undoes, received_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		it.ActivityID, it.ActorURI, nullID(it.InboxAccountID), it.Body, it.BodyHash, it.Undoes, ms(it.ReceivedAt)).Scan(&it.ID)
	if err != nil {
		return fmt.Errorf("insert inbox item %s: %w", it.ActivityID, err)
	}
	if _, err := tx.tx.ExecContext(ctx, `UPDATE inbox_items SET freed = 1
		WHERE actor_uri = ?1 AND id < ?2 AND freed = 0 AND (undoes = ?3 OR (?4 <> '' AND activity_id = ?4))`,
		it.ActorURI, it.ID, it.ActivityID, it.Undoes); err != nil {
		return fmt.Errorf("free inbox records for %s: %w", it.ActivityID, err)
	}
	return nil
}

// PruneInboxItems deletes processed items (done or failed) received before
// before, which ends their use as deduplication records; it returns how many
// went.
func (tx *Tx) PruneInboxItems(ctx context.Context, before time.Time) (int64, error) {
	res, err := tx.tx.ExecContext(ctx, `DELETE FROM inbox_items WHERE state <> 'pending' AND received_at < ?`, ms(before))
	if err != nil {
		return 0, fmt.Errorf("prune inbox items: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// ClaimInboxItems leases up to n pending items until now+lease. A worker that
// dies lets its lease lapse and another worker takes the items again. The
// items come without Body: bodies of up to a megabyte each are read later
// with InboxItemBody, outside the write transaction.
func (tx *Tx) ClaimInboxItems(ctx context.Context, n int, lease time.Duration) ([]InboxItem, error) {
	if err := tx.claimFirst(ctx); err != nil {
		return nil, err
	}
	rows, err := tx.tx.QueryContext(ctx, `UPDATE inbox_items SET lease_until = ?1, attempts = attempts + 1
		WHERE id IN (SELECT id FROM inbox_items WHERE state = 'pending' AND lease_until <= ?2 ORDER BY id LIMIT ?3`+
		tx.db.eng.q.skipLocked+`)
		RETURNING id, activity_id, actor_uri, COALESCE(inbox_account_id, 0), attempts, received_at`,
		ms(tx.now.Add(lease)), ms(tx.now), n)
	if err != nil {
		return nil, fmt.Errorf("claim inbox items: %w", err)
	}
	defer rows.Close()
	var out []InboxItem
	for rows.Next() {
		var it InboxItem
		var received int64
		if err := rows.Scan(&it.ID, &it.ActivityID, &it.ActorURI, &it.InboxAccountID, &it.Attempts, &received); err != nil {
			return nil, fmt.Errorf("scan inbox item: %w", err)
		}
		it.ReceivedAt = fromMS(received)
		out = append(out, it)
	}
	// RETURNING keeps no order on PostgreSQL, and an actor's activities
	// are applied in arrival order (a Create before its Delete).
	slices.SortFunc(out, func(a, b InboxItem) int { return cmp.Compare(a.ID, b.ID) })
	return out, rows.Err()
}

// InboxItemBody returns the stored body of the inbox item id, or ErrNotFound.
func (db *DB) InboxItemBody(ctx context.Context, id int64) ([]byte, error) {
	var body []byte
	err := db.read.QueryRowContext(ctx, `SELECT body FROM inbox_items WHERE id = ?`, id).Scan(&body)
	if err != nil {
		return nil, notFound(err, fmt.Sprintf("inbox item %d", id))
	}
	return body, nil
}

// FinishInboxItem marks an item done, or failed with errText when it must not
// be retried; retry=true instead releases it for another attempt after delay.
func (tx *Tx) FinishInboxItem(ctx context.Context, id int64, errText string, retry bool, delay time.Duration) error {
	var err error
	switch {
	case errText == "":
		// An empty body as a parameter: x'' is a blob to SQLite but a bit
		// string to PostgreSQL.
		_, err = tx.tx.ExecContext(ctx, `UPDATE inbox_items SET state = 'done', processed_at = ?, last_error = '', body = ?
			WHERE id = ?`, ms(tx.now), []byte{}, id)
	case retry:
		_, err = tx.tx.ExecContext(ctx, `UPDATE inbox_items SET lease_until = ?, last_error = ? WHERE id = ?`,
			ms(tx.now.Add(delay)), errText, id)
	default:
		_, err = tx.tx.ExecContext(ctx, `UPDATE inbox_items SET state = 'failed', processed_at = ?, last_error = ? WHERE id = ?`,
			ms(tx.now), errText, id)
	}
	if err != nil {
		return fmt.Errorf("finish inbox item %d: %w", id, err)
	}
	return nil
}

// InboxItemState returns the state of the newest item with the given
// activity id.
func (db *DB) InboxItemState(ctx context.Context, activityID string) (state, lastError string, err error) {
	err = db.read.QueryRowContext(ctx, `SELECT state, last_error FROM inbox_items WHERE activity_id = ?
		ORDER BY id DESC LIMIT 1`, activityID).
		Scan(&state, &lastError)
	if err != nil {
		return "", "", notFound(err, "inbox item")
	}
	return state, lastError, nil
}

// PendingInboxItems counts items not yet processed.
func (db *DB) PendingInboxItems(ctx context.Context) (int64, error) {
	var n int64
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM inbox_items WHERE state = 'pending'`).Scan(&n); err != nil {
		return 0, fmt.Errorf("pending inbox items: %w", err)
	}
	return n, nil
}
