package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ScreeningDecision is one logged screening decision (migration 0021).
type ScreeningDecision struct {
	ID           int64
	StatusID     int64 // 0 for a refused local post
	AccountID    int64 // the author
	Local        bool
	Backend      string
	Model        string
	Category     string
	Score        float64 // 0..1, kept to six decimals
	Decision     string
	Reason       string
	Review       bool // waiting in the admin queue
	CreatedAt    time.Time
	OverturnedBy int64
	OverturnedAt time.Time
	ReviewedAt   time.Time
}

// Overturned reports whether an admin overturned the decision.
func (d ScreeningDecision) Overturned() bool { return !d.OverturnedAt.IsZero() }

// HeldNotification is a notification a flagged post did not send.
type HeldNotification struct {
	AccountID, FromAccountID int64
	Type                     string
	StatusID                 int64
}

const screeningCols = `id, status_id, account_id, local, backend, model, category, score, decision, reason, review,
	created_at, overturned_by, overturned_at, reviewed_at`

func scanScreening(s scanner) (ScreeningDecision, error) {
	var d ScreeningDecision
	var local, review int
	var score, created, overAt, reviewedAt int64
	err := s.Scan(&d.ID, &d.StatusID, &d.AccountID, &local, &d.Backend, &d.Model, &d.Category, &score, &d.Decision,
		&d.Reason, &review, &created, &d.OverturnedBy, &overAt, &reviewedAt)
	d.Local, d.Review = local == 1, review == 1
	d.Score = float64(score) / 1e6
	d.CreatedAt, d.OverturnedAt, d.ReviewedAt = fromMS(created), fromMS(overAt), fromMS(reviewedAt)
	return d, err
}

// InsertScreeningDecision logs d, setting ID and CreatedAt.
func (tx *Tx) InsertScreeningDecision(ctx context.Context, d *ScreeningDecision) error {
	d.ID, d.CreatedAt = tx.NewID(tx.now), tx.now
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO screening_decisions (id, status_id, account_id, local, backend, model,
		category, score, decision, reason, review, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		d.ID, d.StatusID, d.AccountID, b2i(d.Local), d.Backend, d.Model, d.Category, int64(d.Score*1e6+0.5),
		d.Decision, d.Reason, b2i(d.Review), ms(d.CreatedAt))
	if err != nil {
		return fmt.Errorf("insert screening decision: %w", err)
	}
	return nil
}

// HoldNotification records n as held by decision instead of sending it.
func (tx *Tx) HoldNotification(ctx context.Context, decision int64, n Notification) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO screening_held_notifications (decision_id, account_id,
		from_account_id, type, status_id) VALUES (?, ?, ?, ?, ?) ON CONFLICT (decision_id, account_id, type) DO NOTHING`,
		decision, n.AccountID, n.FromAccountID, n.Type, n.StatusID)
	if err != nil {
		return fmt.Errorf("hold notification: %w", err)
	}
	return nil
}

// TakeHeldNotifications deletes and returns the notifications decision held.
func (tx *Tx) TakeHeldNotifications(ctx context.Context, decision int64) ([]HeldNotification, error) {
	rows, err := tx.tx.QueryContext(ctx, `SELECT account_id, from_account_id, type, status_id
		FROM screening_held_notifications WHERE decision_id = ? ORDER BY account_id`, decision)
	if err != nil {
		return nil, fmt.Errorf("held notifications: %w", err)
	}
	var out []HeldNotification
	for rows.Next() {
		var h HeldNotification
		if err := rows.Scan(&h.AccountID, &h.FromAccountID, &h.Type, &h.StatusID); err != nil {
			rows.Close()
			return nil, fmt.Errorf("held notifications: %w", err)
		}
		out = append(out, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("held notifications: %w", err)
	}
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM screening_held_notifications WHERE decision_id = ?`, decision); err != nil {
		return nil, fmt.Errorf("release held notifications: %w", err)
	}
	return out, nil
}

// ScreeningDecisionByID returns decision id, or ErrNotFound.
func (tx *Tx) ScreeningDecisionByID(ctx context.Context, id int64) (ScreeningDecision, error) {
	d, err := scanScreening(tx.tx.QueryRowContext(ctx, `SELECT `+screeningCols+` FROM screening_decisions WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return d, ErrNotFound
	}
	if err != nil {
		return d, fmt.Errorf("screening decision %d: %w", id, err)
	}
	return d, nil
}

// ScreeningDecisionByID returns decision id, or ErrNotFound.
func (db *DB) ScreeningDecisionByID(ctx context.Context, id int64) (ScreeningDecision, error) {
	d, err := scanScreening(db.read.QueryRowContext(ctx, `SELECT `+screeningCols+` FROM screening_decisions WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return d, ErrNotFound
	}
	if err != nil {
		return d, fmt.Errorf("screening decision %d: %w", id, err)
	}
	return d, nil
}

// OverturnScreeningDecision marks decision id overturned by admin and
// reviewed. ErrNotFound when there is no such decision.
func (tx *Tx) OverturnScreeningDecision(ctx context.Context, id, admin int64) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE screening_decisions SET overturned_by = ?, overturned_at = ?, review = 0,
		reviewed_at = ? WHERE id = ?`, admin, ms(tx.now), ms(tx.now), id)
	return affectedOne(res, err, "overturn screening decision")
}

// ConfirmScreeningDecision takes decision id out of the review queue,
// keeping it. ErrNotFound when there is no such decision.
func (tx *Tx) ConfirmScreeningDecision(ctx context.Context, id int64) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE screening_decisions SET review = 0, reviewed_at = ? WHERE id = ?`,
		ms(tx.now), id)
	return affectedOne(res, err, "confirm screening decision")
}

func affectedOne(res sql.Result, err error, what string) error {
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// ScreeningDecisions lists decisions newest first, below maxID when it is
// not 0: only those waiting for review when pending, else all of them.
func (db *DB) ScreeningDecisions(ctx context.Context, pending bool, maxID int64, limit int) ([]ScreeningDecision, error) {
	if maxID == 0 {
		maxID = 1<<63 - 1
	}
	q := `SELECT ` + screeningCols + ` FROM screening_decisions WHERE id < ? ORDER BY id DESC LIMIT ?`
	if pending {
		q = `SELECT ` + screeningCols + ` FROM screening_decisions WHERE review = 1 AND id < ? ORDER BY id DESC LIMIT ?`
	}
	rows, err := db.read.QueryContext(ctx, q, maxID, limit)
	if err != nil {
		return nil, fmt.Errorf("screening decisions: %w", err)
	}
	defer rows.Close()
	var out []ScreeningDecision
	for rows.Next() {
		d, err := scanScreening(rows)
		if err != nil {
			return nil, fmt.Errorf("screening decisions: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// FlaggedStatuses returns, for those of ids a screener flagged (decision
// flag, not overturned), the flagged category.
func (db *DB) FlaggedStatuses(ctx context.Context, ids []int64) (map[int64]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := db.read.QueryContext(ctx, `SELECT status_id, category FROM screening_decisions
		WHERE status_id IN (`+placeholders(len(ids))+`) AND decision = 'flag' AND overturned_at = 0`, int64Args(ids)...)
	if err != nil {
		return nil, fmt.Errorf("flagged statuses: %w", err)
	}
	defer rows.Close()
	var out map[int64]string
	for rows.Next() {
		var id int64
		var c string
		if err := rows.Scan(&id, &c); err != nil {
			return nil, fmt.Errorf("flagged statuses: %w", err)
		}
		if out == nil {
			out = map[int64]string{}
		}
		out[id] = c
	}
	return out, rows.Err()
}

// ScreeningPreferences returns account's choices per category (categories
// without a row are left out: the default applies).
func (db *DB) ScreeningPreferences(ctx context.Context, account int64) (map[string]string, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT category, action FROM screening_preferences WHERE account_id = ?`, account)
	if err != nil {
		return nil, fmt.Errorf("screening preferences: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var c, a string
		if err := rows.Scan(&c, &a); err != nil {
			return nil, fmt.Errorf("screening preferences: %w", err)
		}
		out[c] = a
	}
	return out, rows.Err()
}

// SetScreeningPreference sets account's choice for category.
func (tx *Tx) SetScreeningPreference(ctx context.Context, account int64, category, action string) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO screening_preferences (account_id, category, action) VALUES (?, ?, ?)
		ON CONFLICT (account_id, category) DO UPDATE SET action = excluded.action`, account, category, action)
	if err != nil {
		return fmt.Errorf("set screening preference: %w", err)
	}
	return nil
}

// HeldCategories returns the categories of the flagged statuses (not
// overturned) whose notifications to account were held: the kinds of
// flagged replies and mentions the account has received.
func (db *DB) HeldCategories(ctx context.Context, account int64) (map[string]bool, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT DISTINCT d.category FROM screening_held_notifications h
		JOIN screening_decisions d ON d.id = h.decision_id WHERE h.account_id = ? AND d.overturned_at = 0`, account)
	if err != nil {
		return nil, fmt.Errorf("held categories: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, fmt.Errorf("held categories: %w", err)
		}
		out[c] = true
	}
	return out, rows.Err()
}
