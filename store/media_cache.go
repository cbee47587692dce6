package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Kinds of remote media fetch (media_fetches.kind).
const (
	FetchAttachment = "attachment" // target: a media_attachments row
	FetchAvatar     = "avatar"     // target: a remote account's avatar
	FetchHeader     = "header"     // target: a remote account's header
)

// MediaFetch is one queued download of a remote image. Rows are created by
// triggers (migration 0011) in the transaction that stores a remote
// attachment or a remote account's avatar/header URL, so no caller has to
// remember to enqueue; the download itself runs later, outside it.
type MediaFetch struct {
	ID        int64
	Kind      string
	TargetID  int64
	RemoteURL string // "" means there is nothing to fetch, only StaleFile to drop
	StaleFile string // a file the target used before, to delete once unreferenced
	Attempts  int    // counting the current one
	LastError string
}

// ClaimMediaFetches leases up to n due fetches until now+lease, counting the
// attempt. A worker that dies lets its lease lapse and the row becomes due
// again.
func (tx *Tx) ClaimMediaFetches(ctx context.Context, n int, lease time.Duration) ([]MediaFetch, error) {
	if err := tx.claimFirst(ctx); err != nil {
		return nil, err
	}
	rows, err := tx.tx.QueryContext(ctx, `UPDATE media_fetches SET next_at = ?1, attempts = attempts + 1
		WHERE id IN (SELECT id FROM media_fetches WHERE next_at <= ?2 ORDER BY next_at, id LIMIT ?3`+
		tx.db.eng.q.skipLocked+`)
		RETURNING id, kind, target_id, remote_url, stale_file, attempts, last_error`,
		ms(tx.now.Add(lease)), ms(tx.now), n)
	if err != nil {
		return nil, fmt.Errorf("claim media fetches: %w", err)
	}
	defer rows.Close()
	var out []MediaFetch
	for rows.Next() {
		var f MediaFetch
		if err := rows.Scan(&f.ID, &f.Kind, &f.TargetID, &f.RemoteURL, &f.StaleFile, &f.Attempts, &f.LastError); err != nil {
			return nil, fmt.Errorf("scan media fetch: %w", err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// MediaFetchByTarget returns the queued fetch for kind and target, or
// ErrNotFound.
func (db *DB) MediaFetchByTarget(ctx context.Context, kind string, targetID int64) (MediaFetch, error) {
	var f MediaFetch
	err := db.read.QueryRowContext(ctx, `SELECT id, kind, target_id, remote_url, stale_file, attempts, last_error
		FROM media_fetches WHERE kind = ? AND target_id = ?`, kind, targetID,
	).Scan(&f.ID, &f.Kind, &f.TargetID, &f.RemoteURL, &f.StaleFile, &f.Attempts, &f.LastError)
	if err != nil {
		return MediaFetch{}, notFound(err, "media fetch")
	}
	return f, nil
}

// DeleteMediaFetch removes a fetch that is done or given up.
func (tx *Tx) DeleteMediaFetch(ctx context.Context, id int64) error {
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM media_fetches WHERE id = ?`, id); err != nil {
		return fmt.Errorf("delete media fetch %d: %w", id, err)
	}
	return nil
}

// RetryMediaFetch makes a fetch due again at next, recording why it failed.
// A fetch whose URL changed meanwhile (its row was re-armed) is left alone.
func (tx *Tx) RetryMediaFetch(ctx context.Context, f MediaFetch, next time.Time, errText string) error {
	if len(errText) > 500 {
		errText = errText[:500]
	}
	_, err := tx.tx.ExecContext(ctx, `UPDATE media_fetches SET next_at = ?, last_error = ?
		WHERE id = ? AND remote_url = ? AND attempts = ?`, ms(next), errText, f.ID, f.RemoteURL, f.Attempts)
	if err != nil {
		return fmt.Errorf("retry media fetch %d: %w", f.ID, err)
	}
	return nil
}

// FinishMediaFetch removes f unless its row was re-armed for another URL
// while it ran (then the new URL is still to fetch).
func (tx *Tx) FinishMediaFetch(ctx context.Context, f MediaFetch) error {
	_, err := tx.tx.ExecContext(ctx, `DELETE FROM media_fetches WHERE id = ? AND remote_url = ?`, f.ID, f.RemoteURL)
	if err != nil {
		return fmt.Errorf("finish media fetch %d: %w", f.ID, err)
	}
	return nil
}

// NextMediaFetchAt returns when the earliest queued fetch is due, or the
// zero time when none is queued.
func (db *DB) NextMediaFetchAt(ctx context.Context) (time.Time, error) {
	var next sql.NullInt64
	if err := db.read.QueryRowContext(ctx, `SELECT min(next_at) FROM media_fetches`).Scan(&next); err != nil {
		return time.Time{}, fmt.Errorf("next media fetch: %w", err)
	}
	if !next.Valid {
		return time.Time{}, nil
	}
	return time.UnixMilli(next.Int64).UTC(), nil
}

// CachedImage describes the local copy of a remote image.
type CachedImage struct {
	FileName      string
	MediaType     string
	Width, Height int
	FileSize      int64
	ThumbName     string
	ThumbWidth    int
	ThumbHeight   int
	Blurhash      string // used only when the attachment has none
}

// CacheRemoteMedia records the local copy of remote attachment id, whose
// remote URL must still be remoteURL and which must not be cached already;
// it reports whether the row was updated (false: it changed or went away,
// and the caller's files may be unreferenced).
func (tx *Tx) CacheRemoteMedia(ctx context.Context, id int64, remoteURL string, c CachedImage) (bool, error) {
	res, err := tx.tx.ExecContext(ctx, `UPDATE media_attachments SET file_name = ?, media_type = ?, width = ?,
		height = ?, file_size = ?, thumb_name = ?, thumb_width = ?, thumb_height = ?,
		blurhash = CASE WHEN blurhash = '' THEN ? ELSE blurhash END, cached_at = ?
		WHERE id = ? AND remote_url = ? AND remote_url <> '' AND file_name = ''`,
		c.FileName, c.MediaType, c.Width, c.Height, c.FileSize, c.ThumbName, c.ThumbWidth, c.ThumbHeight,
		c.Blurhash, ms(tx.now), id, remoteURL)
	if err != nil {
		return false, fmt.Errorf("cache media %d: %w", id, err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// CacheRemoteAccountImage sets the avatar (kind FetchAvatar) or header
// (FetchHeader) file of remote account id, provided its remote URL is still
// remoteURL; it reports whether the row was updated.
func (tx *Tx) CacheRemoteAccountImage(ctx context.Context, kind string, id int64, remoteURL, file string) (bool, error) {
	q := `UPDATE accounts SET avatar_file = ? WHERE id = ? AND domain <> '' AND avatar_url = ?`
	if kind == FetchHeader {
		q = `UPDATE accounts SET header_file = ? WHERE id = ? AND domain <> '' AND header_url = ?`
	} else if kind != FetchAvatar {
		return false, fmt.Errorf("cache account image: unknown kind %q", kind)
	}
	res, err := tx.tx.ExecContext(ctx, q, file, id, remoteURL)
	if err != nil {
		return false, fmt.Errorf("cache %s of %d: %w", kind, id, err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// UncachedMedia is a remote attachment whose local copy was dropped.
type UncachedMedia struct {
	ID                  int64
	FileName, ThumbName string
}

// UncacheRemoteMedia drops the local copies of up to limit remote
// attachments cached before cutoff whose status no local user has
// favourited, bookmarked or boosted, reverting them to their remote URL. It
// touches only rows with a remote URL, posted by remote accounts, so local
// media and generated originals are never affected. It returns the dropped
// rows; their files may still be used by other rows (check
// MediaFileReferenced before deleting).
func (tx *Tx) UncacheRemoteMedia(ctx context.Context, cutoff time.Time, limit int) ([]UncachedMedia, error) {
	rows, err := tx.tx.QueryContext(ctx, `SELECT m.id, m.file_name, m.thumb_name FROM media_attachments m
		JOIN accounts a ON a.id = m.account_id AND a.domain <> ''
		WHERE m.cached_at <> 0 AND m.cached_at < ?1 AND m.remote_url <> '' AND m.original_name = ''
		AND (m.status_id IS NULL OR NOT EXISTS (
			SELECT 1 FROM favourites f JOIN accounts l ON l.id = f.account_id AND l.domain = ''
				WHERE f.status_id = m.status_id
			UNION ALL SELECT 1 FROM bookmarks b WHERE b.status_id = m.status_id
			UNION ALL SELECT 1 FROM statuses r WHERE r.reblog_of_id = m.status_id AND r.local = 1))
		ORDER BY m.cached_at LIMIT ?2`, ms(cutoff), limit)
	if err != nil {
		return nil, fmt.Errorf("uncache remote media: %w", err)
	}
	var out []UncachedMedia
	for rows.Next() {
		var u UncachedMedia
		if err := rows.Scan(&u.ID, &u.FileName, &u.ThumbName); err != nil {
			rows.Close()
			return nil, fmt.Errorf("scan uncached media: %w", err)
		}
		out = append(out, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("uncache remote media: %w", err)
	}
	for _, u := range out {
		if _, err := tx.tx.ExecContext(ctx, `UPDATE media_attachments SET file_name = '', thumb_name = '', cached_at = 0
			WHERE id = ?`, u.ID); err != nil {
			return nil, fmt.Errorf("uncache media %d: %w", u.ID, err)
		}
	}
	return out, nil
}
