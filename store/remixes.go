package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
)

// NotifyRemix tells a local author that someone remixed their post. It is a
// Pictor extension: Mastodon clients see it only when they ask for it by
// name (mastoapi/notifications.go).
const NotifyRemix = "pictor.remix"

// JobSource is the input side of a remix job: the post it remixes, the
// image it starts from (0: the prompt alone) and an optional PNG mask.
type JobSource struct {
	RemixStatusID int64
	MediaID       int64
	Mask          []byte
}

// SetJobSource records the source of job id; call it in the transaction
// that inserts the job.
func (tx *Tx) SetJobSource(ctx context.Context, id string, src JobSource) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO generation_job_sources (job_id, remix_status_id, source_media_id, mask_png)
		VALUES (?, ?, ?, ?)`, id, nullID(src.RemixStatusID), nullID(src.MediaID), encodeMask(src.Mask))
	if err != nil {
		return fmt.Errorf("set job %s source: %w", id, err)
	}
	return nil
}

// JobSourceOf returns the source of job id, or ErrNotFound for a job that
// remixes nothing.
func (db *DB) JobSourceOf(ctx context.Context, id string) (JobSource, error) {
	var src JobSource
	var mask string
	err := db.read.QueryRowContext(ctx, `SELECT COALESCE(remix_status_id, 0), COALESCE(source_media_id, 0), mask_png
		FROM generation_job_sources WHERE job_id = ?`, id).Scan(&src.RemixStatusID, &src.MediaID, &mask)
	if err != nil {
		return JobSource{}, notFound(err, "job source "+id)
	}
	if src.Mask, err = decodeMask(mask); err != nil {
		return JobSource{}, fmt.Errorf("job %s mask: %w", id, err)
	}
	return src, nil
}

// DropJobMask forgets the mask of a finished job.
func (tx *Tx) DropJobMask(ctx context.Context, id string) error {
	_, err := tx.tx.ExecContext(ctx, `UPDATE generation_job_sources SET mask_png = '' WHERE job_id = ?`, id)
	if err != nil {
		return fmt.Errorf("drop job %s mask: %w", id, err)
	}
	return nil
}

// Remix says which post a post remixes. SourceID is 0 when this server does
// not know the source (or it was deleted); SourceURI is always set.
type Remix struct {
	StatusID  int64
	SourceID  int64
	SourceURI string
}

// InsertRemix records that st remixes the source; a second record for the
// same status is ignored.
func (tx *Tx) InsertRemix(ctx context.Context, r Remix) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO status_remixes (status_id, source_id, source_uri, created_at)
		VALUES (?, ?, ?, ?) ON CONFLICT (status_id) DO NOTHING`, r.StatusID, nullID(r.SourceID), r.SourceURI, ms(tx.now))
	if err != nil {
		return fmt.Errorf("insert remix of %d: %w", r.StatusID, err)
	}
	return nil
}

// RemixesOf returns, for each of the given statuses that remixes another,
// its Remix record.
func (db *DB) RemixesOf(ctx context.Context, ids []int64) (map[int64]Remix, error) {
	out := make(map[int64]Remix)
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := db.read.QueryContext(ctx, `SELECT status_id, COALESCE(source_id, 0), source_uri FROM status_remixes
		WHERE status_id IN (`+placeholders(len(ids))+`)`, int64Args(ids)...)
	if err != nil {
		return nil, fmt.Errorf("remixes of statuses: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r Remix
		if err := rows.Scan(&r.StatusID, &r.SourceID, &r.SourceURI); err != nil {
			return nil, fmt.Errorf("scan remix: %w", err)
		}
		out[r.StatusID] = r
	}
	return out, rows.Err()
}

// RemixOf returns the Remix record of one status, or ErrNotFound.
func (db *DB) RemixOf(ctx context.Context, id int64) (Remix, error) {
	m, err := db.RemixesOf(ctx, []int64{id})
	if err != nil {
		return Remix{}, err
	}
	r, ok := m[id]
	if !ok {
		return Remix{}, ErrNotFound
	}
	return r, nil
}

// PublicRemixes returns the public and unlisted, undeleted remixes of
// sourceID, oldest first, at most limit, and how many there are in all.
func (db *DB) PublicRemixes(ctx context.Context, sourceID int64, limit int) ([]Status, int, error) {
	const where = ` FROM statuses WHERE id IN (SELECT status_id FROM status_remixes WHERE source_id = ?)
		AND deleted_at = 0 AND visibility IN ('public', 'unlisted')`
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*)`+where, sourceID).Scan(&n); err != nil {
		return nil, 0, fmt.Errorf("count remixes of %d: %w", sourceID, err)
	}
	list, err := queryStatuses(ctx, db.read, `SELECT `+statusCols+where+` ORDER BY id LIMIT ?`, sourceID, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("remixes of %d: %w", sourceID, err)
	}
	return list, n, nil
}

// AttachRemixSource points remixes that named uri before this server knew
// it at the status st that now has that id.
func (tx *Tx) AttachRemixSource(ctx context.Context, st Status) error {
	_, err := tx.tx.ExecContext(ctx, `UPDATE status_remixes SET source_id = ? WHERE source_uri = ? AND source_id IS NULL`,
		st.ID, st.URI)
	if err != nil {
		return fmt.Errorf("attach remix source %d: %w", st.ID, err)
	}
	return nil
}

// ErrNoSourceImage is returned by SourceImageOf when a status has no image.
var ErrNoSourceImage = errors.New("the post has no image")

// SourceImageOf returns the first image attachment of status id.
func (db *DB) SourceImageOf(ctx context.Context, id int64) (MediaAttachment, error) {
	m, err := scanMedia(db.read.QueryRowContext(ctx, `SELECT `+mediaCols+` FROM media_attachments
		WHERE status_id = ? ORDER BY position LIMIT 1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return MediaAttachment{}, ErrNoSourceImage
	}
	if err != nil {
		return MediaAttachment{}, fmt.Errorf("source image of %d: %w", id, err)
	}
	return m, nil
}

func encodeMask(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func decodeMask(s string) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	return base64.StdEncoding.DecodeString(s)
}

// SetRemixMedia records that the media ids were made by remixing sourceID.
func (tx *Tx) SetRemixMedia(ctx context.Context, sourceID int64, ids []int64) error {
	for _, id := range ids {
		_, err := tx.tx.ExecContext(ctx, `INSERT INTO media_remix_sources (media_id, source_status_id) VALUES (?, ?)
			ON CONFLICT (media_id) DO NOTHING`, id, sourceID)
		if err != nil {
			return fmt.Errorf("set remix media %d: %w", id, err)
		}
	}
	return nil
}

// RemixSourceOfMedia returns the post that one of the media ids remixes,
// or 0.
func (db *DB) RemixSourceOfMedia(ctx context.Context, ids []int64) (int64, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	var id int64
	err := db.read.QueryRowContext(ctx, `SELECT source_status_id FROM media_remix_sources
		WHERE media_id IN (`+placeholders(len(ids))+`) ORDER BY media_id LIMIT 1`, int64Args(ids)...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("remix source of media: %w", err)
	}
	return id, nil
}

// MediaByFileName returns the attachment stored locally as name (its
// web-sized file or its original), or ErrNotFound.
func (db *DB) MediaByFileName(ctx context.Context, name string) (MediaAttachment, error) {
	m, err := scanMedia(db.read.QueryRowContext(ctx, `SELECT `+mediaCols+` FROM media_attachments
		WHERE (file_name = ? OR original_name = ?) AND file_name <> '' ORDER BY id LIMIT 1`, name, name))
	if err != nil {
		return MediaAttachment{}, notFound(err, "media "+name)
	}
	return m, nil
}

// MediaByRemoteURL returns a remote attachment by its origin URL, or
// ErrNotFound.
func (db *DB) MediaByRemoteURL(ctx context.Context, url string) (MediaAttachment, error) {
	m, err := scanMedia(db.read.QueryRowContext(ctx, `SELECT `+mediaCols+` FROM media_attachments
		WHERE remote_url = ? AND remote_url <> '' ORDER BY id LIMIT 1`, url))
	if err != nil {
		return MediaAttachment{}, notFound(err, "media "+url)
	}
	return m, nil
}
