package store

import (
	"context"
	"fmt"
	"time"
)

// InboxItem is an activity the inbox acknowledged, awaiting processing.
type InboxItem struct {
	ID             int64
	ActivityID     string
	ActorURI       string
	InboxAccountID int64
	Body           []byte
	Attempts       int
	ReceivedAt     time.Time
}

// InsertInboxItem stores an acknowledged activity. It returns ErrConflict if
// the activity id was seen before (the inbox is idempotent by activity id).
func (tx *Tx) InsertInboxItem(ctx context.Context, it *InboxItem) error {
	if it.ReceivedAt.IsZero() {
		it.ReceivedAt = tx.now
	}
	res, err := tx.tx.ExecContext(ctx, `INSERT INTO inbox_items (activity_id, actor_uri, inbox_account_id, body, received_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (activity_id) DO NOTHING`,
		it.ActivityID, it.ActorURI, nullID(it.InboxAccountID), it.Body, ms(it.ReceivedAt))
	if err != nil {
		return fmt.Errorf("insert inbox item %s: %w", it.ActivityID, err)
	}
	n, _ := res.RowsAffected()
	if n == 0 {
		return ErrConflict
	}
	if it.ID, err = res.LastInsertId(); err != nil {
		return fmt.Errorf("insert inbox item %s: %w", it.ActivityID, err)
	}
	return nil
}

// ClaimInboxItems leases up to n pending items until now+lease. A worker that
// dies lets its lease lapse and another worker takes the items again. The
// items come without Body: bodies of up to a megabyte each are read later
// with InboxItemBody, outside the write transaction.
func (tx *Tx) ClaimInboxItems(ctx context.Context, n int, lease time.Duration) ([]InboxItem, error) {
	rows, err := tx.tx.QueryContext(ctx, `UPDATE inbox_items SET lease_until = ?1, attempts = attempts + 1
		WHERE id IN (SELECT id FROM inbox_items WHERE state = 'pending' AND lease_until <= ?2 ORDER BY id LIMIT ?3)
		RETURNING id, activity_id, actor_uri, ifnull(inbox_account_id, 0), attempts, received_at`,
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
		_, err = tx.tx.ExecContext(ctx, `UPDATE inbox_items SET state = 'done', processed_at = ?, last_error = '', body = x''
			WHERE id = ?`, ms(tx.now), id)
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

// InboxItemState returns the state of the item with the given activity id.
func (db *DB) InboxItemState(ctx context.Context, activityID string) (state, lastError string, err error) {
	err = db.read.QueryRowContext(ctx, `SELECT state, last_error FROM inbox_items WHERE activity_id = ?`, activityID).
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
