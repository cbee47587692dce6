package store

import (
	"context"
	"fmt"
	"time"
)

// Notification types, as Mastodon names them.
const (
	NotifyFollow        = "follow"
	NotifyFollowRequest = "follow_request"
	NotifyMention       = "mention"
	NotifyFavourite     = "favourite"
	NotifyReblog        = "reblog"
	NotifyUpdate        = "update"
	NotifyStatus        = "status"
	NotifyPoll          = "poll"         // a poll the recipient made or voted in has ended
	NotifyAdminReport   = "admin.report" // to admins, about a new report (ReportID)
)

// Notification tells a local account that something happened.
type Notification struct {
	ID            int64
	AccountID     int64 // recipient
	FromAccountID int64
	Type          string
	StatusID      int64 // 0 when not about a status
	ReportID      int64 // 0 when not about a report
	CreatedAt     time.Time
}

// InsertNotification stores n unless the same notification exists already
// (same recipient, sender, type and status) or the recipient does not want
// it, as Mastodon dismisses it: the recipient blocks the sender, mutes it
// with its notifications, or blocks its domain; inserted reports which, and
// only a stored notification is streamed and pushed. A report to admins
// always arrives.
func (tx *Tx) InsertNotification(ctx context.Context, n *Notification) (inserted bool, err error) {
	if n.ID == 0 {
		n.ID = tx.NewID(tx.now)
	}
	if n.CreatedAt.IsZero() {
		n.CreatedAt = tx.now
	}
	res, err := tx.tx.ExecContext(ctx, `INSERT INTO notifications (id, account_id, from_account_id, type, status_id, report_id, created_at)
		SELECT :id, :to, :from, :type, :status, :report, :at
		WHERE :type = '`+NotifyAdminReport+`' OR NOT EXISTS (
			SELECT 1 FROM blocks WHERE account_id = :to AND target_account_id = :from
			UNION ALL SELECT 1 FROM mutes WHERE account_id = :to AND target_account_id = :from AND notifications = 1
			UNION ALL SELECT 1 FROM user_domain_blocks b JOIN accounts a ON a.domain = b.domain
				WHERE b.account_id = :to AND a.id = :from)
		ON CONFLICT DO NOTHING`, named("id", n.ID), named("to", n.AccountID), named("from", n.FromAccountID),
		named("type", n.Type), named("status", nullID(n.StatusID)), named("report", nullID(n.ReportID)), named("at", ms(n.CreatedAt)))
	if err != nil {
		return false, fmt.Errorf("insert notification: %w", err)
	}
	c, _ := res.RowsAffected()
	return c > 0, nil
}

// DeleteNotificationsFrom removes notifications of a type ("": any) that
// from sent to account about statusID (0: any), e.g. when a like is undone.
func (tx *Tx) DeleteNotificationsFrom(ctx context.Context, account, from int64, typ string, statusID int64) error {
	_, err := tx.tx.ExecContext(ctx, `DELETE FROM notifications WHERE account_id = ? AND from_account_id = ? AND (? = '' OR type = ?)
		AND (? = 0 OR status_id = ?)`, account, from, typ, typ, statusID, statusID)
	if err != nil {
		return fmt.Errorf("delete notifications: %w", err)
	}
	return nil
}

// NotificationFilter selects notifications.
type NotificationFilter struct {
	Types        []string
	ExcludeTypes []string
	FromAccount  int64
}

// Notifications lists a local account's notifications, newest first,
// without those from accounts on domains it blocks.
func (db *DB) Notifications(ctx context.Context, accountID int64, f NotificationFilter, p Page) ([]Notification, error) {
	cond, args, order := p.where("id")
	q := `SELECT ` + notificationCols + ` FROM notifications WHERE account_id = ? AND dismissed = 0
		AND from_account_id NOT IN ` + domainBlockedIDs("?") + ` AND ` + cond
	args = append([]any{accountID, accountID}, args...)
	if len(f.Types) > 0 {
		q += ` AND type IN (` + placeholders(len(f.Types)) + `)`
		for _, t := range f.Types {
			args = append(args, t)
		}
	}
	if len(f.ExcludeTypes) > 0 {
		q += ` AND type NOT IN (` + placeholders(len(f.ExcludeTypes)) + `)`
		for _, t := range f.ExcludeTypes {
			args = append(args, t)
		}
	}
	if f.FromAccount != 0 {
		q += ` AND from_account_id = ?`
		args = append(args, f.FromAccount)
	}
	q += ` ORDER BY ` + order + ` LIMIT ?`
	out, err := queryNotifications(ctx, db.read, q, append(args, p.limit())...)
	if err != nil {
		return nil, fmt.Errorf("notifications of %d: %w", accountID, err)
	}
	return reverseIfMin(p, out), nil
}

const notificationCols = `id, account_id, from_account_id, type, COALESCE(status_id, 0), COALESCE(report_id, 0), created_at`

func scanNotification(s scanner) (Notification, error) {
	var n Notification
	var created int64
	err := s.Scan(&n.ID, &n.AccountID, &n.FromAccountID, &n.Type, &n.StatusID, &n.ReportID, &created)
	n.CreatedAt = fromMS(created)
	return n, err
}

func queryNotifications(ctx context.Context, q querier, query string, args ...any) ([]Notification, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Notification
	for rows.Next() {
		n, err := scanNotification(rows)
		if err != nil {
			return nil, fmt.Errorf("scan notification: %w", err)
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// NotificationByID returns one of accountID's notifications, or ErrNotFound.
func (db *DB) NotificationByID(ctx context.Context, accountID, id int64) (Notification, error) {
	n, err := scanNotification(db.read.QueryRowContext(ctx, `SELECT `+notificationCols+`
		FROM notifications WHERE id = ? AND account_id = ? AND dismissed = 0`, id, accountID))
	if err != nil {
		return Notification{}, notFound(err, "notification")
	}
	return n, nil
}

// DismissNotifications dismisses one notification (id > 0) or all of them.
func (tx *Tx) DismissNotifications(ctx context.Context, accountID, id int64) error {
	_, err := tx.tx.ExecContext(ctx, `UPDATE notifications SET dismissed = 1 WHERE account_id = ? AND (? = 0 OR id = ?)`,
		accountID, id, id)
	if err != nil {
		return fmt.Errorf("dismiss notifications: %w", err)
	}
	return nil
}
