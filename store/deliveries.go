package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// OutboxActivity is an outgoing activity, stored once however many inboxes
// it goes to.
type OutboxActivity struct {
	ID        int64
	URI       string
	AccountID int64 // whose key signs the deliveries
	Type      string
	Body      []byte
	CreatedAt time.Time
}

// Delivery is one pending POST of an activity to one inbox.
type Delivery struct {
	ID          int64
	ActivityID  int64
	ActivityURI string
	AccountID   int64
	Body        []byte
	Inbox       string
	Host        string
	Attempts    int
	CreatedAt   time.Time
}

// InsertOutboxActivity stores an outgoing activity; a duplicate uri gives ErrConflict.
func (tx *Tx) InsertOutboxActivity(ctx context.Context, a *OutboxActivity) error {
	if a.CreatedAt.IsZero() {
		a.CreatedAt = tx.now
	}
	err := tx.tx.QueryRowContext(ctx, `INSERT INTO outbox_activities (uri, account_id, type, body, created_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id`, a.URI, a.AccountID, a.Type, a.Body, ms(a.CreatedAt)).Scan(&a.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrConflict
	}
	if err != nil {
		return fmt.Errorf("insert outbox activity %s: %w", a.URI, err)
	}
	return nil
}

// InsertDeliveries queues one delivery of activityID per distinct inbox,
// skipping hosts marked unreachable. hostOf maps an inbox URL to its host.
// It returns how many were queued. Rows go in with one statement per
// chunk of up to insertDeliveriesChunk inboxes (chunks are powers of two,
// so few statement texts are cached): a fan-out to 10,000 followers is 40
// round trips, not 10,000, which matters on PostgreSQL over a socket.
func (tx *Tx) InsertDeliveries(ctx context.Context, activityID int64, inboxes []string, hostOf func(string) string) (int, error) {
	n := 0
	for len(inboxes) > 0 {
		size := insertDeliveriesChunk
		for size > len(inboxes) {
			size /= 2
		}
		args := make([]any, 0, 2+2*size)
		args = append(args, activityID, ms(tx.now))
		for _, inbox := range inboxes[:size] {
			args = append(args, inbox, hostOf(inbox))
		}
		res, err := tx.tx.ExecContext(ctx, insertDeliveriesSQL(size), args...)
		if err != nil {
			return n, fmt.Errorf("queue deliveries to %s and %d more: %w", inboxes[0], size-1, err)
		}
		c, _ := res.RowsAffected()
		n += int(c)
		inboxes = inboxes[size:]
	}
	return n, nil
}

// insertDeliveriesChunk is the most inboxes one INSERT of InsertDeliveries
// carries (514 parameters, far below either engine's limit).
const insertDeliveriesChunk = 256

// insertDeliveriesSQL is the INSERT of n deliveries: parameters 1 and 2 are
// the activity id and the time, then an (inbox, host) pair per row. Both
// engines name a VALUES list's columns column1, column2.
func insertDeliveriesSQL(n int) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO deliveries (activity_id, inbox, host, next_attempt_at, created_at)
		SELECT ?1, v.column1, v.column2, ?2, ?2 FROM (VALUES `)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "(?%d, ?%d)", 3+2*i, 4+2*i)
	}
	b.WriteString(`) AS v
		WHERE NOT EXISTS (SELECT 1 FROM hosts WHERE host = v.column2 AND unreachable_since > 0)
		ON CONFLICT (activity_id, inbox) DO NOTHING`)
	return b.String()
}

// ClaimDeliveries leases up to n due deliveries until now+lease and returns
// them with their activity. A worker that dies simply lets its lease lapse;
// another worker then retries the rows, so a crash delays deliveries but
// never drops them.
func (tx *Tx) ClaimDeliveries(ctx context.Context, n int, lease time.Duration) ([]Delivery, error) {
	if err := tx.claimFirst(ctx); err != nil {
		return nil, err
	}
	rows, err := tx.tx.QueryContext(ctx, `UPDATE deliveries SET lease_until = ?1, next_attempt_at = ?1, attempts = attempts + 1
		WHERE id IN (SELECT id FROM deliveries WHERE state = 'pending' AND next_attempt_at <= ?2 ORDER BY next_attempt_at, id LIMIT ?3`+
		tx.db.eng.q.skipLocked+`)
		RETURNING id, activity_id, inbox, host, attempts, created_at`, ms(tx.now.Add(lease)), ms(tx.now), n)
	if err != nil {
		return nil, fmt.Errorf("claim deliveries: %w", err)
	}
	return tx.scanClaimed(ctx, rows)
}

// scanClaimed reads claimed rows and attaches each one's activity.
func (tx *Tx) scanClaimed(ctx context.Context, rows *sql.Rows) ([]Delivery, error) {
	var out []Delivery
	for rows.Next() {
		var d Delivery
		var created int64
		if err := rows.Scan(&d.ID, &d.ActivityID, &d.Inbox, &d.Host, &d.Attempts, &created); err != nil {
			rows.Close()
			return nil, fmt.Errorf("scan delivery: %w", err)
		}
		d.CreatedAt = fromMS(created)
		out = append(out, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("claim deliveries: %w", err)
	}
	cache := map[int64]OutboxActivity{}
	for i := range out {
		a, ok := cache[out[i].ActivityID]
		if !ok {
			err := tx.tx.QueryRowContext(ctx, `SELECT id, uri, account_id, type, body FROM outbox_activities WHERE id = ?`,
				out[i].ActivityID).Scan(&a.ID, &a.URI, &a.AccountID, &a.Type, &a.Body)
			if err != nil {
				return nil, fmt.Errorf("load activity %d: %w", out[i].ActivityID, err)
			}
			cache[a.ID] = a
		}
		out[i].ActivityURI, out[i].AccountID, out[i].Body = a.URI, a.AccountID, a.Body
	}
	return out, nil
}

// DeliverySucceeded marks a delivery done and the host reachable.
func (tx *Tx) DeliverySucceeded(ctx context.Context, d Delivery, status int) error {
	if _, err := tx.tx.ExecContext(ctx, `UPDATE deliveries SET state = 'done', done_at = ?, last_status = ?, last_error = ''
		WHERE id = ?`, ms(tx.now), status, d.ID); err != nil {
		return fmt.Errorf("delivery %d done: %w", d.ID, err)
	}
	return tx.MarkHostReachable(ctx, d.Host)
}

// DeliveryDone marks a delivery done without touching its host's marks;
// callers recording many outcomes call MarkHostReachable once per host.
func (tx *Tx) DeliveryDone(ctx context.Context, d Delivery, status int) error {
	if _, err := tx.tx.ExecContext(ctx, `UPDATE deliveries SET state = 'done', done_at = ?, last_status = ?, last_error = ''
		WHERE id = ?`, ms(tx.now), status, d.ID); err != nil {
		return fmt.Errorf("delivery %d done: %w", d.ID, err)
	}
	return nil
}

// DeliveriesDone marks many deliveries done, statuses[i] being the answer
// to ds[i], with one prepared statement; callers then call
// MarkHostReachable once per host.
func (tx *Tx) DeliveriesDone(ctx context.Context, ds []Delivery, statuses []int) error {
	stmt, err := tx.tx.PrepareContext(ctx, `UPDATE deliveries SET state = 'done', done_at = ?, last_status = ?, last_error = ''
		WHERE id = ?`)
	if err != nil {
		return fmt.Errorf("deliveries done: %w", err)
	}
	defer stmt.Close()
	for i, d := range ds {
		if _, err := stmt.ExecContext(ctx, ms(tx.now), statuses[i], d.ID); err != nil {
			return fmt.Errorf("delivery %d done: %w", d.ID, err)
		}
	}
	return nil
}

// DeliveryFailed records a failed attempt. With retryAt zero the failure is
// final; otherwise the delivery is due again at retryAt.
func (tx *Tx) DeliveryFailed(ctx context.Context, d Delivery, status int, errText string, retryAt time.Time) error {
	var err error
	if retryAt.IsZero() {
		_, err = tx.tx.ExecContext(ctx, `UPDATE deliveries SET state = 'failed', done_at = ?, last_status = ?, last_error = ?
			WHERE id = ?`, ms(tx.now), status, errText, d.ID)
	} else {
		_, err = tx.tx.ExecContext(ctx, `UPDATE deliveries SET next_attempt_at = ?, lease_until = 0, last_status = ?, last_error = ?
			WHERE id = ?`, ms(retryAt), status, errText, d.ID)
	}
	if err != nil {
		return fmt.Errorf("delivery %d failed: %w", d.ID, err)
	}
	return nil
}

// MarkHostFailing notes a failed delivery to host. Once the host has failed
// without any success for unreachableAfter, it is marked unreachable, its
// pending deliveries are dropped and no new ones are queued until it talks to
// us again. It reports whether the host is now unreachable.
func (tx *Tx) MarkHostFailing(ctx context.Context, host string, unreachableAfter time.Duration) (bool, error) {
	var failingSince, unreachable int64
	err := tx.tx.QueryRowContext(ctx, `INSERT INTO hosts (host, failing_since) VALUES (?1, ?2)
		ON CONFLICT (host) DO UPDATE SET failing_since = CASE WHEN hosts.failing_since = 0 THEN ?2 ELSE hosts.failing_since END
		RETURNING failing_since, unreachable_since`, host, ms(tx.now)).Scan(&failingSince, &unreachable)
	if err != nil {
		return false, fmt.Errorf("mark host %s failing: %w", host, err)
	}
	if unreachable > 0 {
		return true, nil
	}
	if tx.now.Sub(fromMS(failingSince)) < unreachableAfter {
		return false, nil
	}
	if _, err := tx.tx.ExecContext(ctx, `UPDATE hosts SET unreachable_since = ? WHERE host = ?`, ms(tx.now), host); err != nil {
		return false, fmt.Errorf("mark host %s unreachable: %w", host, err)
	}
	if _, err := tx.tx.ExecContext(ctx, `UPDATE deliveries SET state = 'failed', done_at = ?, last_error = 'host unreachable'
		WHERE host = ? AND state = 'pending'`, ms(tx.now), host); err != nil {
		return false, fmt.Errorf("drop deliveries to %s: %w", host, err)
	}
	return true, nil
}

// MarkHostReachable clears any failure marks of host.
func (tx *Tx) MarkHostReachable(ctx context.Context, host string) error {
	_, err := tx.tx.ExecContext(ctx, `UPDATE hosts SET failing_since = 0, unreachable_since = 0, last_success_at = ?
		WHERE host = ? AND (failing_since <> 0 OR unreachable_since <> 0)`, ms(tx.now), host)
	if err != nil {
		return fmt.Errorf("mark host %s reachable: %w", host, err)
	}
	return nil
}

// HostUnreachable reports whether host is marked unreachable.
func (db *DB) HostUnreachable(ctx context.Context, host string) (bool, error) {
	var since int64
	err := db.read.QueryRowContext(ctx, `SELECT unreachable_since FROM hosts WHERE host = ?`, host).Scan(&since)
	if err != nil {
		if notFound(err, "") == ErrNotFound {
			return false, nil
		}
		return false, fmt.Errorf("host %s: %w", host, err)
	}
	return since > 0, nil
}

// DeliveryStats counts deliveries by state.
type DeliveryStats struct{ Pending, Done, Failed int64 }

// DeliveryStats returns counts of deliveries by state.
func (db *DB) DeliveryStats(ctx context.Context) (DeliveryStats, error) {
	var s DeliveryStats
	err := db.read.QueryRowContext(ctx, `SELECT
		count(*) FILTER (WHERE state = 'pending'), count(*) FILTER (WHERE state = 'done'),
		count(*) FILTER (WHERE state = 'failed') FROM deliveries`).Scan(&s.Pending, &s.Done, &s.Failed)
	if err != nil {
		return s, fmt.Errorf("delivery stats: %w", err)
	}
	return s, nil
}

// NextDeliveryDue returns when the earliest pending delivery is due, or the
// zero time when none is pending.
func (db *DB) NextDeliveryDue(ctx context.Context) (time.Time, error) {
	var next int64
	err := db.read.QueryRowContext(ctx, `SELECT COALESCE(min(next_attempt_at), 0) FROM deliveries WHERE state = 'pending'`).Scan(&next)
	if err != nil {
		return time.Time{}, fmt.Errorf("next delivery: %w", err)
	}
	return fromMS(next), nil
}

// DeliveryState is the stored state of one delivery, for tests and admin views.
type DeliveryState struct {
	Inbox, Host   string
	State         string // pending, done, failed
	Attempts      int
	NextAttemptAt time.Time
	LeaseUntil    time.Time // non-zero while a worker holds a pending delivery
	LastStatus    int
	LastError     string
}

// DeliveriesOf returns the deliveries of the outgoing activity with id
// activityURI, in insertion order.
func (db *DB) DeliveriesOf(ctx context.Context, activityURI string) ([]DeliveryState, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT d.inbox, d.host, d.state, d.attempts, d.next_attempt_at, d.lease_until, d.last_status, d.last_error
		FROM deliveries d JOIN outbox_activities a ON a.id = d.activity_id WHERE a.uri = ? ORDER BY d.id`, activityURI)
	if err != nil {
		return nil, fmt.Errorf("deliveries of %s: %w", activityURI, err)
	}
	defer rows.Close()
	var out []DeliveryState
	for rows.Next() {
		var d DeliveryState
		var next, lease int64
		if err := rows.Scan(&d.Inbox, &d.Host, &d.State, &d.Attempts, &next, &lease, &d.LastStatus, &d.LastError); err != nil {
			return nil, fmt.Errorf("deliveries of %s: %w", activityURI, err)
		}
		d.NextAttemptAt, d.LeaseUntil = fromMS(next), fromMS(lease)
		if d.State != "pending" {
			d.LeaseUntil = time.Time{}
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// ClaimDeliveriesPerHost leases up to n due deliveries until now+lease,
// taking no more from any host than perHost minus what the caller already
// holds for it (held, by host), so that a slow or busy host never fills a
// batch while others wait. Rows are taken in due order from the first
// max(256, 8n) due rows of hosts not already at their limit. A worker that
// dies lets its lease lapse and the rows are retried.
func (tx *Tx) ClaimDeliveriesPerHost(ctx context.Context, n int, lease time.Duration, perHost int, held map[string]int) ([]Delivery, error) {
	if held == nil {
		held = map[string]int{}
	}
	heldJSON, err := json.Marshal(held)
	if err != nil {
		return nil, fmt.Errorf("claim deliveries: %w", err)
	}
	if err := tx.claimFirst(ctx); err != nil {
		return nil, err
	}
	rows, err := tx.tx.QueryContext(ctx, `WITH held (host, n) AS MATERIALIZED (`+tx.db.eng.q.heldPairs(4)+`)
		UPDATE deliveries SET lease_until = ?1, next_attempt_at = ?1, attempts = attempts + 1
		WHERE id IN (
			SELECT id FROM (
				SELECT d.id, d.next_attempt_at,
					row_number() OVER (PARTITION BY d.host ORDER BY d.next_attempt_at, d.id) + COALESCE(h.n, 0) AS slot
				FROM (SELECT id, host, next_attempt_at FROM deliveries
					WHERE state = 'pending' AND next_attempt_at <= ?2
					AND host NOT IN (SELECT host FROM held WHERE n >= ?5)
					ORDER BY next_attempt_at, id LIMIT ?6`+tx.db.eng.q.skipLocked+`) d
				LEFT JOIN held h ON h.host = d.host) AS ranked
			WHERE slot <= ?5 ORDER BY next_attempt_at, id LIMIT ?3)
		RETURNING id, activity_id, inbox, host, attempts, created_at`,
		ms(tx.now.Add(lease)), ms(tx.now), n, string(heldJSON), perHost, max(256, 8*n))
	if err != nil {
		return nil, fmt.Errorf("claim deliveries: %w", err)
	}
	return tx.scanClaimed(ctx, rows)
}

// ReleaseDeliveryLeases makes every leased pending delivery due now when no
// other process works the database: at a process's start any lease then
// belongs to a process that died (a crash or kill -9 mid-fan-out), and its
// rows are sent again at once instead of after the lease. With other live
// processes (PostgreSQL) a lease may be theirs: nothing is freed, and a dead
// process's rows are claimed again when their lease expires. It returns how
// many were freed.
func (tx *Tx) ReleaseDeliveryLeases(ctx context.Context) (int, error) {
	var others int
	if err := tx.tx.QueryRowContext(ctx, tx.db.eng.q.otherProcesses, tx.db.ids.Node()).Scan(&others); err != nil {
		return 0, fmt.Errorf("release delivery leases: count processes: %w", err)
	}
	if others > 0 {
		return 0, nil
	}
	res, err := tx.tx.ExecContext(ctx, `UPDATE deliveries SET next_attempt_at = ?1, lease_until = 0
		WHERE state = 'pending' AND lease_until > ?1`, ms(tx.now))
	if err != nil {
		return 0, fmt.Errorf("release delivery leases: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
