package store

import (
	"context"
	"database/sql"
	"fmt"
)

// Health is what a readiness probe needs to know about the database.
type Health struct {
	SchemaVersion     int // newest applied migration
	PendingMigrations int // embedded migrations not yet applied
}

// Health reads the database through the reader pool and compares the
// applied migrations with the embedded ones. An error means the database
// cannot be read.
func (db *DB) Health(ctx context.Context) (Health, error) {
	list, err := loadMigrations(db.eng.migrations)
	if err != nil {
		return Health{}, err
	}
	applied := map[int]bool{}
	rows, err := db.read.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return Health{}, fmt.Errorf("read schema_migrations: %w", err)
	}
	defer rows.Close()
	var h Health
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return Health{}, fmt.Errorf("read schema_migrations: %w", err)
		}
		applied[v] = true
		h.SchemaVersion = max(h.SchemaVersion, v)
	}
	if err := rows.Err(); err != nil {
		return Health{}, fmt.Errorf("read schema_migrations: %w", err)
	}
	for _, m := range list {
		if !applied[m.version] {
			h.PendingMigrations++
		}
	}
	return h, nil
}

// Host classes: how Pictor currently rates a remote host it delivers to.
const (
	HostHealthy     = "healthy"     // no failure since its last success
	HostFailing     = "failing"     // failing, still retried
	HostUnreachable = "unreachable" // failing for longer than unreachable_after
)

// HostClass returns the class of a remote host; a host never seen is healthy.
func (db *DB) HostClass(ctx context.Context, host string) (string, error) {
	var failing, unreachable int64
	err := db.read.QueryRowContext(ctx, `SELECT failing_since, unreachable_since FROM hosts WHERE host = ?`, host).
		Scan(&failing, &unreachable)
	switch {
	case err == sql.ErrNoRows:
		return HostHealthy, nil
	case err != nil:
		return "", fmt.Errorf("host class %s: %w", host, err)
	}
	return hostClass(failing, unreachable), nil
}

func hostClass(failing, unreachable int64) string {
	switch {
	case unreachable != 0:
		return HostUnreachable
	case failing != 0:
		return HostFailing
	}
	return HostHealthy
}

// QueueStats are the sizes of the work queues at one moment, for metrics.
type QueueStats struct {
	DeliveriesPending map[string]int64    // by host class
	InboxPending      int64               // acknowledged, not yet applied
	InboxProcessed    map[string]int64    // by final state: done, failed
	Jobs              map[[2]string]int64 // by (state, backend)
	MediaFetches      int64               // remote media waiting for a download (or a retry)
	PushPending       int64               // Web Push messages waiting to be sent
}

// QueueStats counts the rows of every queue. Pending rows are found through
// the queues' partial indexes; the processed inbox count scans the table.
func (db *DB) QueueStats(ctx context.Context) (QueueStats, error) {
	q := QueueStats{DeliveriesPending: map[string]int64{}, InboxProcessed: map[string]int64{}, Jobs: map[[2]string]int64{}}
	rows, err := db.read.QueryContext(ctx, `SELECT COALESCE(h.failing_since, 0), COALESCE(h.unreachable_since, 0), count(*)
		FROM deliveries d LEFT JOIN hosts h ON h.host = d.host WHERE d.state = 'pending'
		GROUP BY h.failing_since <> 0, h.unreachable_since <> 0`)
	if err != nil {
		return q, fmt.Errorf("delivery queue: %w", err)
	}
	for rows.Next() {
		var f, u, n int64
		if err := rows.Scan(&f, &u, &n); err != nil {
			rows.Close()
			return q, fmt.Errorf("delivery queue: %w", err)
		}
		q.DeliveriesPending[hostClass(f, u)] += n
	}
	rows.Close()
	if err := db.scanCounts(ctx, `SELECT state, count(*) FROM inbox_items WHERE state <> 'pending' GROUP BY state`,
		func(k string, n int64) { q.InboxProcessed[k] = n }); err != nil {
		return q, err
	}
	rows, err = db.read.QueryContext(ctx, `SELECT state, backend, count(*) FROM generation_jobs GROUP BY state, backend`)
	if err != nil {
		return q, fmt.Errorf("job counts: %w", err)
	}
	for rows.Next() {
		var state, backend string
		var n int64
		if err := rows.Scan(&state, &backend, &n); err != nil {
			rows.Close()
			return q, fmt.Errorf("job counts: %w", err)
		}
		q.Jobs[[2]string{state, backend}] = n
	}
	rows.Close()
	for _, c := range []struct {
		dst   *int64
		query string
	}{
		{&q.InboxPending, `SELECT count(*) FROM inbox_items WHERE state = 'pending'`},
		{&q.MediaFetches, `SELECT count(*) FROM media_fetches WHERE remote_url <> ''`},
		{&q.PushPending, `SELECT count(*) FROM push_deliveries`},
	} {
		if err := db.read.QueryRowContext(ctx, c.query).Scan(c.dst); err != nil {
			return q, fmt.Errorf("queue count: %w", err)
		}
	}
	return q, nil
}

func (db *DB) scanCounts(ctx context.Context, query string, fn func(string, int64)) error {
	rows, err := db.read.QueryContext(ctx, query)
	if err != nil {
		return fmt.Errorf("counts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var n int64
		if err := rows.Scan(&k, &n); err != nil {
			return fmt.Errorf("counts: %w", err)
		}
		fn(k, n)
	}
	return rows.Err()
}

// PoolStats returns the statistics of the writer connection and of the
// reader pool.
func (db *DB) PoolStats() (write, read sql.DBStats) { return db.write.Stats(), db.read.Stats() }
