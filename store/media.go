package store

import (
	"context"
	"fmt"
	"time"
)

// MediaAttachment is an image attached (or about to be attached) to a status.
type MediaAttachment struct {
	ID                int64
	AccountID         int64
	StatusID          int64 // 0 while unattached
	Position          int
	Type              string // "image"
	FileName          string // web-sized derivative, local
	MediaType         string
	Width, Height     int
	FileSize          int64
	ThumbName         string
	ThumbWidth        int
	ThumbHeight       int
	OriginalName      string // provider bytes kept verbatim (generated images)
	OriginalMediaType string
	RemoteURL         string // remote attachments
	Description       string
	Blurhash          string
	FocusX, FocusY    float64
	GeneratorBackend  string // set for AI-generated images
	GeneratorModel    string
	Prompt            string
	RevisedPrompt     string
	CreatedAt         time.Time
}

// Generated reports whether the image was made by an image generator.
func (m MediaAttachment) Generated() bool { return m.GeneratorBackend != "" }

const mediaCols = `id, account_id, COALESCE(status_id, 0), position, type, file_name, media_type, width, height, file_size,
	thumb_name, thumb_width, thumb_height, original_name, original_media_type, remote_url, description, blurhash,
	focus_x, focus_y, generator_backend, generator_model, prompt, revised_prompt, created_at`

func scanMedia(s scanner) (MediaAttachment, error) {
	var m MediaAttachment
	var created int64
	err := s.Scan(&m.ID, &m.AccountID, &m.StatusID, &m.Position, &m.Type, &m.FileName, &m.MediaType, &m.Width,
		&m.Height, &m.FileSize, &m.ThumbName, &m.ThumbWidth, &m.ThumbHeight, &m.OriginalName, &m.OriginalMediaType,
		&m.RemoteURL, &m.Description, &m.Blurhash, &m.FocusX, &m.FocusY, &m.GeneratorBackend, &m.GeneratorModel,
		&m.Prompt, &m.RevisedPrompt, &created)
	m.CreatedAt = fromMS(created)
	return m, err
}

// InsertMedia stores m; a zero ID is assigned.
func (tx *Tx) InsertMedia(ctx context.Context, m *MediaAttachment) error {
	if m.ID == 0 {
		m.ID = tx.NewID(tx.now)
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = tx.now
	}
	if m.Type == "" {
		m.Type = "image"
	}
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO media_attachments (id, account_id, status_id, position, type,
		file_name, media_type, width, height, file_size, thumb_name, thumb_width, thumb_height, original_name,
		original_media_type, remote_url, description, blurhash, focus_x, focus_y, generator_backend,
		generator_model, prompt, revised_prompt, created_at) VALUES (`+placeholders(25)+`)`,
		m.ID, m.AccountID, nullID(m.StatusID), m.Position, m.Type, m.FileName, m.MediaType, m.Width, m.Height,
		m.FileSize, m.ThumbName, m.ThumbWidth, m.ThumbHeight, m.OriginalName, m.OriginalMediaType, m.RemoteURL,
		m.Description, m.Blurhash, m.FocusX, m.FocusY, m.GeneratorBackend, m.GeneratorModel, m.Prompt,
		m.RevisedPrompt, ms(m.CreatedAt))
	if err != nil {
		return fmt.Errorf("insert media: %w", err)
	}
	return nil
}

// MediaByID returns one attachment, or ErrNotFound.
func (db *DB) MediaByID(ctx context.Context, id int64) (MediaAttachment, error) {
	m, err := scanMedia(db.read.QueryRowContext(ctx, `SELECT `+mediaCols+` FROM media_attachments WHERE id = ?`, id))
	if err != nil {
		return MediaAttachment{}, notFound(err, "media")
	}
	return m, nil
}

// MediaByID returns one attachment inside the transaction.
func (tx *Tx) MediaByID(ctx context.Context, id int64) (MediaAttachment, error) {
	m, err := scanMedia(tx.tx.QueryRowContext(ctx, `SELECT `+mediaCols+` FROM media_attachments WHERE id = ?`, id))
	if err != nil {
		return MediaAttachment{}, notFound(err, "media")
	}
	return m, nil
}

// UpdateMediaMeta changes the description and focus point of an attachment.
func (tx *Tx) UpdateMediaMeta(ctx context.Context, id int64, description string, fx, fy float64) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE media_attachments SET description = ?, focus_x = ?, focus_y = ? WHERE id = ?`,
		description, fx, fy, id)
	if err != nil {
		return fmt.Errorf("update media %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// AttachMedia attaches media ids to a status in the given order.
func (tx *Tx) AttachMedia(ctx context.Context, statusID int64, ids []int64) error {
	for i, id := range ids {
		if _, err := tx.tx.ExecContext(ctx, `UPDATE media_attachments SET status_id = ?, position = ? WHERE id = ?`,
			statusID, i, id); err != nil {
			return fmt.Errorf("attach media %d: %w", id, err)
		}
	}
	return nil
}

// DetachMedia detaches all media from a status (before re-attaching on edit).
func (tx *Tx) DetachMedia(ctx context.Context, statusID int64) error {
	if _, err := tx.tx.ExecContext(ctx, `UPDATE media_attachments SET status_id = NULL WHERE status_id = ?`, statusID); err != nil {
		return fmt.Errorf("detach media of %d: %w", statusID, err)
	}
	return nil
}

// MediaForStatuses returns the attachments of each status, in position order.
func (db *DB) MediaForStatuses(ctx context.Context, ids []int64) (map[int64][]MediaAttachment, error) {
	out := map[int64][]MediaAttachment{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+mediaCols+` FROM media_attachments
		WHERE status_id IN (`+placeholders(len(ids))+`) ORDER BY status_id, position`, int64Args(ids)...)
	if err != nil {
		return nil, fmt.Errorf("media for statuses: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		m, err := scanMedia(rows)
		if err != nil {
			return nil, fmt.Errorf("scan media: %w", err)
		}
		out[m.StatusID] = append(out[m.StatusID], m)
	}
	return out, rows.Err()
}

// MediaForStatus returns one status's attachments inside the transaction.
func (tx *Tx) MediaForStatus(ctx context.Context, statusID int64) ([]MediaAttachment, error) {
	rows, err := tx.tx.QueryContext(ctx, `SELECT `+mediaCols+` FROM media_attachments WHERE status_id = ? ORDER BY position`, statusID)
	if err != nil {
		return nil, fmt.Errorf("media for status %d: %w", statusID, err)
	}
	defer rows.Close()
	var out []MediaAttachment
	for rows.Next() {
		m, err := scanMedia(rows)
		if err != nil {
			return nil, fmt.Errorf("scan media: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// MediaFileReferenced reports whether any attachment or account still uses
// the content-addressed file name (before deleting the file).
func (db *DB) MediaFileReferenced(ctx context.Context, name string) (bool, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM media_attachments WHERE file_name = ?1 OR thumb_name = ?1 OR original_name = ?1) +
		(SELECT count(*) FROM accounts WHERE avatar_file = ?1 OR header_file = ?1)`, name).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("media file referenced: %w", err)
	}
	return n > 0, nil
}
