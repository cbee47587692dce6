package store

import (
	"context"
	"fmt"
	"time"
)

// Candidate is one image a generation job made (issue 12, "Variants"): an
// unattached media attachment of the job's author until it is picked for a
// post. Picked reports whether it is attached to a status.
type Candidate struct {
	JobID     string
	Position  int // 0-based order in the backend's answer
	CreatedAt time.Time
	Media     MediaAttachment
}

// Picked reports whether the candidate's image was posted.
func (c Candidate) Picked() bool { return c.Media.StatusID != 0 }

// InsertCandidates records mediaIDs, in order, as the candidates of job id.
// Recording the same media again (a re-run that stored its images before a
// crash) changes nothing.
func (tx *Tx) InsertCandidates(ctx context.Context, jobID string, mediaIDs []int64) error {
	for i, id := range mediaIDs {
		_, err := tx.tx.ExecContext(ctx, `INSERT INTO generation_candidates (media_id, job_id, position, created_at)
			VALUES (?, ?, ?, ?) ON CONFLICT (media_id) DO NOTHING`, id, jobID, i, ms(tx.now))
		if err != nil {
			return fmt.Errorf("insert candidate %d of job %s: %w", id, jobID, err)
		}
	}
	return nil
}

const candidateCols = `c.job_id, c.position, c.created_at, m.id, m.account_id, COALESCE(m.status_id, 0), m.position,
	m.type, m.file_name, m.media_type, m.width, m.height, m.file_size, m.thumb_name, m.thumb_width, m.thumb_height,
	m.original_name, m.original_media_type, m.remote_url, m.description, m.blurhash, m.focus_x, m.focus_y,
	m.generator_backend, m.generator_model, m.prompt, m.revised_prompt, m.created_at`

func scanCandidate(s scanner) (Candidate, error) {
	var c Candidate
	var created, mcreated int64
	m := &c.Media
	err := s.Scan(&c.JobID, &c.Position, &created, &m.ID, &m.AccountID, &m.StatusID, &m.Position, &m.Type,
		&m.FileName, &m.MediaType, &m.Width, &m.Height, &m.FileSize, &m.ThumbName, &m.ThumbWidth, &m.ThumbHeight,
		&m.OriginalName, &m.OriginalMediaType, &m.RemoteURL, &m.Description, &m.Blurhash, &m.FocusX, &m.FocusY,
		&m.GeneratorBackend, &m.GeneratorModel, &m.Prompt, &m.RevisedPrompt, &mcreated)
	c.CreatedAt, m.CreatedAt = fromMS(created), fromMS(mcreated)
	return c, err
}

// CandidatesOf returns the candidates of job id that still exist (swept
// ones are gone), in position order.
func (db *DB) CandidatesOf(ctx context.Context, jobID string) ([]Candidate, error) {
	return queryCandidates(ctx, db.read, `SELECT `+candidateCols+` FROM generation_candidates c
		JOIN media_attachments m ON m.id = c.media_id WHERE c.job_id = ? ORDER BY c.position`, jobID)
}

func queryCandidates(ctx context.Context, q querier, query string, args ...any) ([]Candidate, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("candidates: %w", err)
	}
	defer rows.Close()
	var out []Candidate
	for rows.Next() {
		c, err := scanCandidate(rows)
		if err != nil {
			return nil, fmt.Errorf("scan candidate: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// DeleteUnpickedCandidates deletes up to limit candidates created before
// cutoff whose image was never posted, with their media rows, and returns
// how many it deleted and the file names those rows used. The caller
// deletes each file only if no row references it any more
// (DB.MediaFileReferenced): files are content-addressed and may be shared.
func (tx *Tx) DeleteUnpickedCandidates(ctx context.Context, cutoff time.Time, limit int) (int, []string, error) {
	// The media rows go, and their candidate rows with them (ON DELETE CASCADE).
	rows, err := tx.tx.QueryContext(ctx, `DELETE FROM media_attachments WHERE status_id IS NULL AND id IN (
			SELECT c.media_id FROM generation_candidates c JOIN media_attachments m ON m.id = c.media_id
			WHERE c.created_at < ? AND m.status_id IS NULL ORDER BY c.created_at, c.media_id LIMIT ?)
		RETURNING file_name, thumb_name, original_name`, ms(cutoff), limit)
	if err != nil {
		return 0, nil, fmt.Errorf("delete unpicked candidates: %w", err)
	}
	defer rows.Close()
	n := 0
	var names []string
	for rows.Next() {
		var file, thumb, original string
		if err := rows.Scan(&file, &thumb, &original); err != nil {
			return 0, nil, fmt.Errorf("scan deleted candidate: %w", err)
		}
		n++
		for _, name := range []string{file, thumb, original} {
			if name != "" {
				names = append(names, name)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return 0, nil, fmt.Errorf("delete unpicked candidates: %w", err)
	}
	return n, names, nil
}
