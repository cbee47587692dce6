package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// IdempotentStatus returns the status created with the Idempotency-Key key
// by accountID since the given time, or ErrNotFound.
func (db *DB) IdempotentStatus(ctx context.Context, accountID int64, key string, since time.Time) (int64, error) {
	var id int64
	err := db.read.QueryRowContext(ctx, `SELECT status_id FROM idempotency_keys WHERE account_id = ? AND key = ? AND created_at >= ?`,
		accountID, key, ms(since)).Scan(&id)
	if err != nil {
		return 0, notFound(err, "idempotency key")
	}
	return id, nil
}

// PutIdempotencyKey remembers that key created statusID and forgets keys
// older than expireBefore.
func (tx *Tx) PutIdempotencyKey(ctx context.Context, accountID int64, key string, statusID int64, expireBefore time.Time) error {
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE created_at < ?`, ms(expireBefore)); err != nil {
		return fmt.Errorf("expire idempotency keys: %w", err)
	}
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO idempotency_keys (account_id, key, status_id, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (account_id, key) DO UPDATE SET status_id = excluded.status_id, created_at = excluded.created_at`,
		accountID, key, statusID, ms(tx.now))
	if err != nil {
		return fmt.Errorf("put idempotency key: %w", err)
	}
	return nil
}

// Marker is a read position in a timeline.
type Marker struct {
	Timeline   string // home, notifications
	LastReadID string
	Version    int64
	UpdatedAt  time.Time
}

// Markers returns accountID's markers for the named timelines.
func (db *DB) Markers(ctx context.Context, accountID int64) ([]Marker, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT timeline, last_read_id, version, updated_at FROM markers WHERE account_id = ?`, accountID)
	if err != nil {
		return nil, fmt.Errorf("markers of %d: %w", accountID, err)
	}
	defer rows.Close()
	var out []Marker
	for rows.Next() {
		var m Marker
		var updated int64
		if err := rows.Scan(&m.Timeline, &m.LastReadID, &m.Version, &updated); err != nil {
			return nil, fmt.Errorf("scan marker: %w", err)
		}
		m.UpdatedAt = fromMS(updated)
		out = append(out, m)
	}
	return out, rows.Err()
}

// SetMarker stores a read position, incrementing its version.
func (tx *Tx) SetMarker(ctx context.Context, accountID int64, timeline, lastReadID string) (Marker, error) {
	m := Marker{Timeline: timeline, LastReadID: lastReadID, UpdatedAt: tx.now}
	err := tx.tx.QueryRowContext(ctx, `INSERT INTO markers (account_id, timeline, last_read_id, version, updated_at)
		VALUES (?, ?, ?, 1, ?) ON CONFLICT (account_id, timeline) DO UPDATE SET last_read_id = excluded.last_read_id,
			version = markers.version + 1, updated_at = excluded.updated_at
		RETURNING version`, accountID, timeline, lastReadID, ms(tx.now)).Scan(&m.Version)
	if err != nil {
		return Marker{}, fmt.Errorf("set marker: %w", err)
	}
	return m, nil
}

// InsertBookmark bookmarks a status; bookmarking twice is harmless.
func (tx *Tx) InsertBookmark(ctx context.Context, accountID, statusID int64) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO bookmarks (id, account_id, status_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		tx.NewID(tx.now), accountID, statusID, ms(tx.now))
	if err != nil {
		return fmt.Errorf("insert bookmark: %w", err)
	}
	return nil
}

// DeleteBookmark removes a bookmark, if any.
func (tx *Tx) DeleteBookmark(ctx context.Context, accountID, statusID int64) error {
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM bookmarks WHERE account_id = ? AND status_id = ?`, accountID, statusID); err != nil {
		return fmt.Errorf("delete bookmark: %w", err)
	}
	return nil
}

// InsertPin pins a status to its author's profile; pinning twice is harmless.
func (tx *Tx) InsertPin(ctx context.Context, accountID, statusID int64) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO status_pins (id, account_id, status_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		tx.NewID(tx.now), accountID, statusID, ms(tx.now))
	if err != nil {
		return fmt.Errorf("insert pin: %w", err)
	}
	return nil
}

// CountPins counts accountID's pinned statuses.
func (tx *Tx) CountPins(ctx context.Context, accountID int64) (int, error) {
	var n int
	if err := tx.tx.QueryRowContext(ctx, `SELECT count(*) FROM status_pins WHERE account_id = ?`, accountID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count pins: %w", err)
	}
	return n, nil
}

// DeletePin unpins a status, if pinned.
func (tx *Tx) DeletePin(ctx context.Context, accountID, statusID int64) error {
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM status_pins WHERE account_id = ? AND status_id = ?`, accountID, statusID); err != nil {
		return fmt.Errorf("delete pin: %w", err)
	}
	return nil
}

// Block is one account blocking another.
type Block struct {
	ID              int64
	AccountID       int64
	TargetAccountID int64
	URI             string // the Block activity id (local blocks)
	CreatedAt       time.Time
}

// InsertBlock stores a block; an existing one is returned unchanged in b.
func (tx *Tx) InsertBlock(ctx context.Context, b *Block) error {
	if b.ID == 0 {
		b.ID = tx.NewID(tx.now)
	}
	if b.CreatedAt.IsZero() {
		b.CreatedAt = tx.now
	}
	var created int64
	err := tx.tx.QueryRowContext(ctx, `INSERT INTO blocks (id, account_id, target_account_id, uri, created_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (account_id, target_account_id) DO UPDATE SET uri = blocks.uri
		RETURNING id, uri, created_at`, b.ID, b.AccountID, b.TargetAccountID, b.URI, ms(b.CreatedAt)).Scan(&b.ID, &b.URI, &created)
	if err != nil {
		return fmt.Errorf("insert block: %w", err)
	}
	b.CreatedAt = fromMS(created)
	return nil
}

// DeleteBlock removes accountID's block of target and returns it, or
// ErrNotFound.
func (tx *Tx) DeleteBlock(ctx context.Context, accountID, target int64) (Block, error) {
	b := Block{AccountID: accountID, TargetAccountID: target}
	var created int64
	err := tx.tx.QueryRowContext(ctx, `DELETE FROM blocks WHERE account_id = ? AND target_account_id = ? RETURNING id, uri, created_at`,
		accountID, target).Scan(&b.ID, &b.URI, &created)
	if err != nil {
		return Block{}, notFound(err, "block")
	}
	b.CreatedAt = fromMS(created)
	return b, nil
}

// Blocked reports whether either account blocks the other.
func (db *DB) Blocked(ctx context.Context, a, b int64) (bool, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM blocks WHERE (account_id = ?1 AND target_account_id = ?2)
		OR (account_id = ?2 AND target_account_id = ?1)`, a, b).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("blocked: %w", err)
	}
	return n > 0, nil
}

// Blocks reports whether blocker blocks target (one way).
func (db *DB) Blocks(ctx context.Context, blocker, target int64) (bool, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM blocks WHERE account_id = ? AND target_account_id = ?)`,
		blocker, target).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("blocks: %w", err)
	}
	return n > 0, nil
}

// UpsertMute mutes target for accountID (notifications: also hide its
// notifications).
func (tx *Tx) UpsertMute(ctx context.Context, accountID, target int64, notifications bool) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO mutes (id, account_id, target_account_id, notifications, created_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (account_id, target_account_id) DO UPDATE SET notifications = excluded.notifications`,
		tx.NewID(tx.now), accountID, target, b2i(notifications), ms(tx.now))
	if err != nil {
		return fmt.Errorf("upsert mute: %w", err)
	}
	return nil
}

// DeleteMute unmutes target, if muted.
func (tx *Tx) DeleteMute(ctx context.Context, accountID, target int64) error {
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM mutes WHERE account_id = ? AND target_account_id = ?`, accountID, target); err != nil {
		return fmt.Errorf("delete mute: %w", err)
	}
	return nil
}

// Relationship is how a viewer relates to another account.
type Relationship struct {
	Following, Requested, FollowedBy, RequestedBy    bool
	HidingReblogs                                    bool // the viewer's follow hides the account's boosts
	Notifying                                        bool // the viewer's follow asks for a notification of each post
	Blocking, BlockedBy, Muting, MutingNotifications bool
	DomainBlocking                                   bool   // the account's domain is in the viewer's domain blocks
	Endorsed                                         bool   // the viewer features the account on their profile
	Note                                             string // the viewer's private note on the account
}

// Relationships returns viewer's relationship with each of ids.
func (db *DB) Relationships(ctx context.Context, viewer int64, ids []int64) (map[int64]Relationship, error) {
	out := make(map[int64]Relationship, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	ph := placeholders(len(ids))
	args := append([]any{viewer}, int64Args(ids)...)
	queries := []struct {
		sql string
		set func(r *Relationship, v int64)
	}{
		// The viewer's own follow, its options packed in one value:
		// accepted (1), boosts hidden (2), notify (4).
		{`SELECT target_account_id, accepted + 2 * (1 - show_reblogs) + 4 * notify FROM follows
			WHERE account_id = ? AND target_account_id IN (` + ph + `)`,
			func(r *Relationship, v int64) {
				r.Following, r.Requested = v&1 != 0, v&1 == 0
				r.HidingReblogs, r.Notifying = v&2 != 0, v&4 != 0
			}},
		{`SELECT account_id, accepted FROM follows WHERE target_account_id = ? AND account_id IN (` + ph + `)`,
			func(r *Relationship, acc int64) { r.FollowedBy, r.RequestedBy = acc != 0, acc == 0 }},
		{`SELECT target_account_id, 1 FROM blocks WHERE account_id = ? AND target_account_id IN (` + ph + `)`,
			func(r *Relationship, _ int64) { r.Blocking = true }},
		{`SELECT account_id, 1 FROM blocks WHERE target_account_id = ? AND account_id IN (` + ph + `)`,
			func(r *Relationship, _ int64) { r.BlockedBy = true }},
		{`SELECT target_account_id, notifications FROM mutes WHERE account_id = ? AND target_account_id IN (` + ph + `)`,
			func(r *Relationship, n int64) { r.Muting, r.MutingNotifications = true, n != 0 }},
		{`SELECT a.id, 1 FROM accounts a JOIN user_domain_blocks b ON b.domain = a.domain WHERE b.account_id = ? AND a.id IN (` + ph + `)`,
			func(r *Relationship, _ int64) { r.DomainBlocking = true }},
		{`SELECT target_account_id, 1 FROM account_pins WHERE account_id = ? AND target_account_id IN (` + ph + `)`,
			func(r *Relationship, _ int64) { r.Endorsed = true }},
	}
	for _, q := range queries {
		if err := db.scanFlags(ctx, q.sql, args, func(id, v int64) {
			r := out[id]
			q.set(&r, v)
			out[id] = r
		}); err != nil {
			return nil, fmt.Errorf("relationships: %w", err)
		}
	}
	if err := db.accountNotes(ctx, args, ph, out); err != nil {
		return nil, fmt.Errorf("relationships: %w", err)
	}
	return out, nil
}

// accountNotes fills the viewer's private notes (args: viewer, then ids).
func (db *DB) accountNotes(ctx context.Context, args []any, ph string, out map[int64]Relationship) error {
	rows, err := db.read.QueryContext(ctx, `SELECT target_account_id, comment FROM account_notes
		WHERE account_id = ? AND target_account_id IN (`+ph+`)`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var note string
		if err := rows.Scan(&id, &note); err != nil {
			return err
		}
		r := out[id]
		r.Note = note
		out[id] = r
	}
	return rows.Err()
}

// scanFlags runs q, which selects an id and an integer value per row, and
// hands each pair to f.
func (db *DB) scanFlags(ctx context.Context, q string, args []any, f func(id, v int64)) error {
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, v int64
		if err := rows.Scan(&id, &v); err != nil {
			return err
		}
		f(id, v)
	}
	return rows.Err()
}

// ViewerFlags are a viewer's own marks on a status, and the category a
// screener flagged it in (the same for every viewer, read with the marks so
// that a page of statuses costs one query).
type ViewerFlags struct {
	Favourited, Reblogged, Bookmarked, Pinned, Muted bool
	// Screened is the category of a screening flag not overturned
	// (screening.go, FlaggedStatuses); "" when there is none.
	Screened string
}

// AccountStats are counts shown on an account.
type AccountStats struct {
	Followers, Following, Statuses int64
	LastStatusAt                   time.Time
}

// LocalAccountStats returns the followers, follows and statuses (boosts
// included, as Mastodon counts them) counts of local accounts, kept by
// triggers in account_counts (migrations 0019, 0020), and for every account
// the time of its newest status seen here. Remote accounts carry the counts
// their server published; only their LastStatusAt is set.
func (db *DB) LocalAccountStats(ctx context.Context, ids []int64) (map[int64]AccountStats, error) {
	out := make(map[int64]AccountStats, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := db.read.QueryContext(ctx, `SELECT account_id, followers, following, statuses, last_status_at
		FROM account_counts WHERE account_id IN (`+placeholders(len(ids))+`)`, int64Args(ids)...)
	if err != nil {
		return nil, fmt.Errorf("account stats: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, last int64
		var s AccountStats
		if err := rows.Scan(&id, &s.Followers, &s.Following, &s.Statuses, &last); err != nil {
			return nil, fmt.Errorf("account stats: %w", err)
		}
		s.LastStatusAt = fromMS(last)
		out[id] = s
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("account stats: %w", err)
	}
	return out, db.remoteLastStatusAt(ctx, ids, out)
}

// remoteLastStatusAt sets LastStatusAt of the remote accounts among ids
// from the newest of their statuses stored here. Status ids are made from
// their creation time (clamped to the time received), so the newest is the
// first one down statuses_account (account_id, id DESC): one index search
// per remote account, where max(created_at) read every status of each,
// local ones too (two thirds of a timeline's CPU at 1,000,000 statuses).
func (db *DB) remoteLastStatusAt(ctx context.Context, ids []int64, out map[int64]AccountStats) error {
	rows, err := db.read.QueryContext(ctx, `SELECT a.id, CASE WHEN a.domain <> '' THEN (SELECT s.created_at FROM statuses s
		WHERE s.account_id = a.id AND s.local = 0 AND s.deleted_at = 0 ORDER BY s.id DESC LIMIT 1) END AS last
		FROM accounts a WHERE a.id IN (`+placeholders(len(ids))+`)`, int64Args(ids)...)
	if err != nil {
		return fmt.Errorf("last status of remote accounts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var last sql.NullInt64 // NULL: local, or no status stored
		if err := rows.Scan(&id, &last); err != nil {
			return fmt.Errorf("last status of remote accounts: %w", err)
		}
		if !last.Valid {
			continue
		}
		s := out[id]
		s.LastStatusAt = fromMS(last.Int64)
		out[id] = s
	}
	return rows.Err()
}

// CountFollowRequests counts follow requests awaiting accountID's answer.
func (db *DB) CountFollowRequests(ctx context.Context, accountID int64) (int64, error) {
	var n int64
	err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM follows WHERE target_account_id = ? AND accepted = 0`, accountID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count follow requests: %w", err)
	}
	return n, nil
}

// LocalFollowers returns the local users who follow accountID (accepted).
func (db *DB) LocalFollowers(ctx context.Context, accountID int64) ([]int64, error) {
	ids, err := queryIDs(ctx, db.read, `SELECT f.account_id FROM follows f JOIN users u ON u.account_id = f.account_id
		WHERE f.target_account_id = ? AND f.accepted = 1`, accountID)
	if err != nil {
		return nil, fmt.Errorf("local followers of %d: %w", accountID, err)
	}
	return ids, nil
}

// queryIDs runs a query selecting one integer column and returns its values.
func queryIDs(ctx context.Context, q querier, query string, args ...any) ([]int64, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// IsLocalUser reports whether accountID is a local user (can sign in).
func (db *DB) IsLocalUser(ctx context.Context, accountID int64) (bool, error) {
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE account_id = ?`, accountID).Scan(&n); err != nil {
		return false, fmt.Errorf("is local user: %w", err)
	}
	return n > 0, nil
}
