package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Report categories, as Mastodon names them.
const (
	ReportSpam      = "spam"
	ReportLegal     = "legal"
	ReportViolation = "violation"
	ReportOther     = "other"
)

// Report is a complaint about an account and some of its statuses, made by
// a local user or received from another server in a Flag.
type Report struct {
	ID              int64
	URI             string // the Flag's id: ours when forwarded, the sender's when received; "" otherwise
	AccountID       int64  // reporter: a local account, or a remote server's actor
	TargetAccountID int64
	Category        string
	Comment         string
	Forwarded       bool
	RuleIDs         []string
	StatusIDs       []int64 // oldest first
	ActionTakenAt   time.Time
	ActionTakenBy   int64 // admin account; 0 when open or when that account is gone
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Open reports whether no admin has acted on the report yet.
func (r Report) Open() bool { return r.ActionTakenAt.IsZero() }

const reportCols = `id, uri, account_id, target_account_id, category, comment, forwarded, rule_ids,
	action_taken_at, COALESCE(action_taken_by, 0), created_at, updated_at`

func scanReport(s scanner) (Report, error) {
	var r Report
	var rules string
	var taken, created, updated int64
	err := s.Scan(&r.ID, &r.URI, &r.AccountID, &r.TargetAccountID, &r.Category, &r.Comment, &r.Forwarded, &rules,
		&taken, &r.ActionTakenBy, &created, &updated)
	r.RuleIDs = strings.Fields(rules)
	r.ActionTakenAt, r.CreatedAt, r.UpdatedAt = fromMS(taken), fromMS(created), fromMS(updated)
	return r, err
}

// InsertReport stores r with its statuses, setting ID, CreatedAt and
// UpdatedAt. A report whose URI is already stored gives ErrConflict, which
// makes a received Flag idempotent.
func (tx *Tx) InsertReport(ctx context.Context, r *Report) error {
	r.ID, r.CreatedAt, r.UpdatedAt = tx.NewID(tx.now), tx.now, tx.now
	err := tx.insertNew(ctx, `INSERT INTO reports (id, uri, account_id, target_account_id, category, comment,
		forwarded, rule_ids, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		r.ID, r.URI, r.AccountID, r.TargetAccountID, r.Category, r.Comment, b2i(r.Forwarded),
		strings.Join(r.RuleIDs, " "), ms(r.CreatedAt), ms(r.UpdatedAt))
	if errors.Is(err, ErrConflict) {
		return ErrConflict
	}
	if err != nil {
		return fmt.Errorf("insert report: %w", err)
	}
	for i, id := range r.StatusIDs {
		if _, err := tx.tx.ExecContext(ctx, `INSERT INTO report_statuses (report_id, status_id) VALUES (?, ?) ON CONFLICT DO NOTHING`,
			r.ID, id); err != nil {
			return fmt.Errorf("insert report status %d: %w", i, err)
		}
	}
	return nil
}

// SetReportActionTaken closes report id as acted on by admin (now), or
// reopens it when taken is false. ErrNotFound when there is no such report.
func (tx *Tx) SetReportActionTaken(ctx context.Context, id, admin int64, taken bool) error {
	at, by := int64(0), any(nil)
	if taken {
		at, by = ms(tx.now), nullID(admin)
	}
	res, err := tx.tx.ExecContext(ctx, `UPDATE reports SET action_taken_at = ?, action_taken_by = ?, updated_at = ?
		WHERE id = ?`, at, by, ms(tx.now), id)
	if err != nil {
		return fmt.Errorf("update report %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// ReportByID returns report id with its statuses, or ErrNotFound.
func (db *DB) ReportByID(ctx context.Context, id int64) (Report, error) {
	r, err := scanReport(db.read.QueryRowContext(ctx, `SELECT `+reportCols+` FROM reports WHERE id = ?`, id))
	if err != nil {
		return Report{}, notFound(err, "report")
	}
	list := []Report{r}
	if err := db.attachReportStatuses(ctx, list); err != nil {
		return Report{}, err
	}
	return list[0], nil
}

// Reports lists reports newest first, at most limit: only the open ones
// when open is true, every report otherwise. Each carries its statuses.
func (db *DB) Reports(ctx context.Context, open bool, limit int) ([]Report, error) {
	q := `SELECT ` + reportCols + ` FROM reports`
	if open {
		q += ` WHERE action_taken_at = 0`
	}
	rows, err := db.read.QueryContext(ctx, q+` ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	defer rows.Close()
	var out []Report
	for rows.Next() {
		r, err := scanReport(rows)
		if err != nil {
			return nil, fmt.Errorf("scan report: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	return out, db.attachReportStatuses(ctx, out)
}

// attachReportStatuses fills StatusIDs of each report, oldest status first.
func (db *DB) attachReportStatuses(ctx context.Context, list []Report) error {
	if len(list) == 0 {
		return nil
	}
	idx := make(map[int64]int, len(list))
	args := make([]any, len(list))
	for i, r := range list {
		idx[r.ID], args[i] = i, r.ID
	}
	rows, err := db.read.QueryContext(ctx, `SELECT report_id, status_id FROM report_statuses
		WHERE report_id IN (`+placeholders(len(list))+`) ORDER BY report_id, status_id`, args...)
	if err != nil {
		return fmt.Errorf("report statuses: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var rid, sid int64
		if err := rows.Scan(&rid, &sid); err != nil {
			return fmt.Errorf("scan report status: %w", err)
		}
		list[idx[rid]].StatusIDs = append(list[idx[rid]].StatusIDs, sid)
	}
	return rows.Err()
}

// CountOpenReports returns how many reports wait for an admin.
func (db *DB) CountOpenReports(ctx context.Context) (int64, error) {
	var n int64
	err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM reports WHERE action_taken_at = 0`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count open reports: %w", err)
	}
	return n, nil
}

// AdminAccountIDs returns the accounts of local admins that are neither
// disabled nor suspended, the recipients of admin notifications.
func (tx *Tx) AdminAccountIDs(ctx context.Context) ([]int64, error) {
	rows, err := tx.tx.QueryContext(ctx, `SELECT u.account_id FROM users u JOIN accounts a ON a.id = u.account_id
		WHERE u.admin = 1 AND u.disabled = 0 AND a.suspended_at = 0 ORDER BY u.account_id`)
	if err != nil {
		return nil, fmt.Errorf("admin accounts: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("scan admin account: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
