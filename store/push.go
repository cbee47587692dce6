package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// PushSubscription is a Web Push subscription of one access token.
type PushSubscription struct {
	ID          int64
	TokenID     int64
	AccountID   int64
	Endpoint    string
	P256DH      []byte // user agent public key (65-byte uncompressed point)
	Auth        []byte // 16-byte authentication secret
	AccessToken string // the token in clear: Mastodon's payload carries it
	Alerts      []string
	Policy      string // "all", "followed", "follower" or "none"
	Standard    bool   // RFC 8291/8292 instead of Mastodon's legacy aesgcm
	CreatedAt   time.Time
}

// Alert reports whether notifications of type typ are pushed.
func (s PushSubscription) Alert(typ string) bool {
	for _, a := range s.Alerts {
		if a == typ {
			return true
		}
	}
	return false
}

const pushSubscriptionCols = `id, token_id, account_id, endpoint, p256dh, auth, access_token, alerts, policy, standard, created_at`

func scanPushSubscription(s scanner) (PushSubscription, error) {
	var p PushSubscription
	var alerts string
	var created int64
	err := s.Scan(&p.ID, &p.TokenID, &p.AccountID, &p.Endpoint, &p.P256DH, &p.Auth, &p.AccessToken, &alerts,
		&p.Policy, &p.Standard, &created)
	p.Alerts, p.CreatedAt = strings.Fields(alerts), fromMS(created)
	return p, err
}

// ReplacePushSubscription stores s as the subscription of s.TokenID,
// deleting the token's previous one (and its queued pushes), and sets s.ID
// and s.CreatedAt.
func (tx *Tx) ReplacePushSubscription(ctx context.Context, s *PushSubscription) error {
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM push_subscriptions WHERE token_id = ?`, s.TokenID); err != nil {
		return fmt.Errorf("replace push subscription: %w", err)
	}
	s.ID, s.CreatedAt = tx.NewID(tx.now), tx.now
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO push_subscriptions (`+pushSubscriptionCols+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, s.ID, s.TokenID, s.AccountID, s.Endpoint, s.P256DH, s.Auth,
		s.AccessToken, strings.Join(s.Alerts, " "), s.Policy, b2i(s.Standard), ms(s.CreatedAt))
	if err != nil {
		return fmt.Errorf("insert push subscription: %w", err)
	}
	return nil
}

// UpdatePushSubscriptionData sets the alerts and policy of the token's
// subscription and returns it, or ErrNotFound.
func (tx *Tx) UpdatePushSubscriptionData(ctx context.Context, tokenID int64, alerts []string, policy string) (PushSubscription, error) {
	s, err := scanPushSubscription(tx.tx.QueryRowContext(ctx, `UPDATE push_subscriptions SET alerts = ?, policy = ?
		WHERE token_id = ? RETURNING `+pushSubscriptionCols, strings.Join(alerts, " "), policy, tokenID))
	if err != nil {
		return PushSubscription{}, notFound(err, "update push subscription")
	}
	return s, nil
}

// PushSubscriptionByToken returns the subscription of the token, or
// ErrNotFound.
func (db *DB) PushSubscriptionByToken(ctx context.Context, tokenID int64) (PushSubscription, error) {
	s, err := scanPushSubscription(db.read.QueryRowContext(ctx, `SELECT `+pushSubscriptionCols+`
		FROM push_subscriptions WHERE token_id = ?`, tokenID))
	if err != nil {
		return PushSubscription{}, notFound(err, "push subscription")
	}
	return s, nil
}

// PushSubscriptionByID returns the subscription, or ErrNotFound.
func (db *DB) PushSubscriptionByID(ctx context.Context, id int64) (PushSubscription, error) {
	s, err := scanPushSubscription(db.read.QueryRowContext(ctx, `SELECT `+pushSubscriptionCols+`
		FROM push_subscriptions WHERE id = ?`, id))
	if err != nil {
		return PushSubscription{}, notFound(err, "push subscription")
	}
	return s, nil
}

// PushSubscriptionsOf lists the subscriptions of a local account.
func (db *DB) PushSubscriptionsOf(ctx context.Context, accountID int64) ([]PushSubscription, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+pushSubscriptionCols+` FROM push_subscriptions
		WHERE account_id = ? ORDER BY id`, accountID)
	if err != nil {
		return nil, fmt.Errorf("push subscriptions of %d: %w", accountID, err)
	}
	defer rows.Close()
	var out []PushSubscription
	for rows.Next() {
		s, err := scanPushSubscription(rows)
		if err != nil {
			return nil, fmt.Errorf("scan push subscription: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// DeletePushSubscriptionOfToken removes the token's subscription, if any.
func (tx *Tx) DeletePushSubscriptionOfToken(ctx context.Context, tokenID int64) error {
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM push_subscriptions WHERE token_id = ?`, tokenID); err != nil {
		return fmt.Errorf("delete push subscription: %w", err)
	}
	return nil
}

// DeletePushSubscription removes a subscription (the push service said it
// is gone) with its queued pushes; a missing one is not an error.
func (tx *Tx) DeletePushSubscription(ctx context.Context, id int64) error {
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM push_subscriptions WHERE id = ?`, id); err != nil {
		return fmt.Errorf("delete push subscription %d: %w", id, err)
	}
	return nil
}

// PushDelivery is one notification still to push to one subscription.
type PushDelivery struct {
	ID             int64
	SubscriptionID int64
	NotificationID int64
	Attempts       int // including the current one once claimed
}

// ClaimPushDeliveries leases up to n due pushes until now+lease, counting
// the attempt. A worker that dies lets its lease lapse and the row becomes
// due again, so a crash delays a push but does not drop it.
func (tx *Tx) ClaimPushDeliveries(ctx context.Context, n int, lease time.Duration) ([]PushDelivery, error) {
	if err := tx.claimFirst(ctx); err != nil {
		return nil, err
	}
	rows, err := tx.tx.QueryContext(ctx, `UPDATE push_deliveries SET next_at = ?1, attempts = attempts + 1
		WHERE id IN (SELECT id FROM push_deliveries WHERE next_at <= ?2 ORDER BY next_at, id LIMIT ?3`+
		tx.db.eng.q.skipLocked+`)
		RETURNING id, subscription_id, notification_id, attempts`, ms(tx.now.Add(lease)), ms(tx.now), n)
	if err != nil {
		return nil, fmt.Errorf("claim push deliveries: %w", err)
	}
	defer rows.Close()
	var out []PushDelivery
	for rows.Next() {
		var d PushDelivery
		if err := rows.Scan(&d.ID, &d.SubscriptionID, &d.NotificationID, &d.Attempts); err != nil {
			return nil, fmt.Errorf("scan push delivery: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// DeletePushDelivery removes a push that was sent or given up.
func (tx *Tx) DeletePushDelivery(ctx context.Context, id int64) error {
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM push_deliveries WHERE id = ?`, id); err != nil {
		return fmt.Errorf("delete push delivery %d: %w", id, err)
	}
	return nil
}

// RetryPushDelivery makes a push due again at next.
func (tx *Tx) RetryPushDelivery(ctx context.Context, id int64, next time.Time) error {
	if _, err := tx.tx.ExecContext(ctx, `UPDATE push_deliveries SET next_at = ? WHERE id = ?`, ms(next), id); err != nil {
		return fmt.Errorf("retry push delivery %d: %w", id, err)
	}
	return nil
}

// NextPushDeliveryAt returns when the earliest queued push is due, or the
// zero time when none is queued.
func (db *DB) NextPushDeliveryAt(ctx context.Context) (time.Time, error) {
	var next sql.NullInt64
	if err := db.read.QueryRowContext(ctx, `SELECT min(next_at) FROM push_deliveries`).Scan(&next); err != nil {
		return time.Time{}, fmt.Errorf("next push delivery: %w", err)
	}
	return fromMS(next.Int64), nil
}
