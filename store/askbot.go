package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// AskRequest is a question to the assistant bot, queued for a worker
// (migration 0025).
type AskRequest struct {
	StatusID   int64 // the question
	AccountID  int64 // the requester
	State      string
	Attempts   int
	LeaseUntil time.Time
	ReplyID    int64
	CreatedAt  time.Time
	DoneAt     time.Time
}

// The states of an AskRequest.
const (
	AskQueued  = "queued"
	AskRunning = "running"
	AskDone    = "done"
)

const askCols = `status_id, account_id, state, attempts, lease_until, reply_id, created_at, done_at`

func scanAsk(row interface{ Scan(...any) error }) (AskRequest, error) {
	var r AskRequest
	var lease, created, done int64
	if err := row.Scan(&r.StatusID, &r.AccountID, &r.State, &r.Attempts, &lease, &r.ReplyID, &created, &done); err != nil {
		return AskRequest{}, err
	}
	r.LeaseUntil, r.CreatedAt, r.DoneAt = fromMS(lease), fromMS(created), fromMS(done)
	return r, nil
}

// QueueAskRequest queues the question statusID by accountID, unless it is
// queued already; queued reports which.
func (tx *Tx) QueueAskRequest(ctx context.Context, statusID, accountID int64) (queued bool, err error) {
	res, err := tx.tx.ExecContext(ctx, `INSERT INTO ask_requests (status_id, account_id, created_at) VALUES (?, ?, ?)
		ON CONFLICT (status_id) DO NOTHING`, statusID, accountID, ms(tx.now))
	if err != nil {
		return false, fmt.Errorf("queue question %d: %w", statusID, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// ClaimAskRequest leases the oldest due question (queued, or running with a
// lapsed lease: its process died) for lease, counting an attempt; ErrNotFound
// when none is due.
func (tx *Tx) ClaimAskRequest(ctx context.Context, lease time.Duration) (AskRequest, error) {
	r, err := scanAsk(tx.tx.QueryRowContext(ctx, `UPDATE ask_requests SET state = 'running', lease_until = ?,
		attempts = attempts + 1 WHERE status_id = (SELECT status_id FROM ask_requests
			WHERE state IN ('queued', 'running') AND lease_until <= ? ORDER BY created_at, status_id LIMIT 1)
		RETURNING `+askCols, ms(tx.now.Add(lease)), ms(tx.now)))
	if err != nil {
		return AskRequest{}, notFound(err, "claim question")
	}
	return r, nil
}

// FinishAskRequest marks a question answered by replyID (0 when the answer
// is posted by an image job).
func (tx *Tx) FinishAskRequest(ctx context.Context, statusID, replyID int64) error {
	_, err := tx.tx.ExecContext(ctx, `UPDATE ask_requests SET state = 'done', reply_id = ?, lease_until = 0,
		done_at = ? WHERE status_id = ?`, replyID, ms(tx.now), statusID)
	if err != nil {
		return fmt.Errorf("finish question %d: %w", statusID, err)
	}
	return nil
}

// ReleaseAskRequest hands a running question back to the queue (its worker
// is stopping), not counting the attempt.
func (tx *Tx) ReleaseAskRequest(ctx context.Context, statusID int64) error {
	_, err := tx.tx.ExecContext(ctx, `UPDATE ask_requests SET state = 'queued', lease_until = 0,
		attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END WHERE status_id = ? AND state = 'running'`, statusID)
	if err != nil {
		return fmt.Errorf("release question %d: %w", statusID, err)
	}
	return nil
}

// AskRequestByStatus returns the question statusID.
func (db *DB) AskRequestByStatus(ctx context.Context, statusID int64) (AskRequest, error) {
	r, err := scanAsk(db.read.QueryRowContext(ctx, `SELECT `+askCols+` FROM ask_requests WHERE status_id = ?`, statusID))
	if err != nil {
		return AskRequest{}, notFound(err, "question")
	}
	return r, nil
}

// NextAskLeaseEnd returns when the earliest lease of a running question
// lapses, or the zero time when none is running.
func (db *DB) NextAskLeaseEnd(ctx context.Context) (time.Time, error) {
	var v sql.NullInt64
	err := db.read.QueryRowContext(ctx, `SELECT MIN(lease_until) FROM ask_requests WHERE state = 'running'`).Scan(&v)
	if err != nil {
		return time.Time{}, fmt.Errorf("next question lease: %w", err)
	}
	if !v.Valid {
		return time.Time{}, nil
	}
	return fromMS(v.Int64), nil
}

// ReplyBy returns the id of the oldest live status by authorID in reply to
// statusID, or ErrNotFound: a bot checks it before answering, so a run
// repeated after a crash never answers twice.
func (db *DB) ReplyBy(ctx context.Context, authorID, statusID int64) (int64, error) {
	var id int64
	err := db.read.QueryRowContext(ctx, `SELECT id FROM statuses WHERE in_reply_to_id = ? AND account_id = ?
		AND deleted_at = 0 ORDER BY id LIMIT 1`, statusID, authorID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("reply by %d to %d: %w", authorID, statusID, err)
	}
	return id, nil
}
