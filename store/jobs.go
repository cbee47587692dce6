package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Generation job kinds.
const (
	JobPost  = "post"  // /imagine from an app: the runner publishes the draft with the image
	JobDraft = "draft" // front ends: the image becomes unattached media for the requester
	JobReply = "reply" // the generator bot answers a mention with the image
)

// Generation job states.
const (
	JobQueued  = "queued"
	JobRunning = "running"
	JobDone    = "done"
	JobFailed  = "failed"
)

// Kinds of failure stored with a failed job.
const (
	JobRefused = "refused" // a safety refusal: final, the user must rephrase
	JobTimeout = "timeout"
	JobError   = "failed"
)

// PostDraft is the post a job publishes when its image is ready.
type PostDraft struct {
	Text        string `json:"text,omitempty"`
	SpoilerText string `json:"spoiler_text,omitempty"`
	Sensitive   bool   `json:"sensitive,omitempty"`
	Visibility  string `json:"visibility,omitempty"`
	InReplyToID int64  `json:"in_reply_to_id,omitempty"`
	Language    string `json:"language,omitempty"`
}

// Job is one image generation: a row that outlives the process, so work
// queued or running when it dies is done after a restart.
type Job struct {
	ID             string
	AccountID      int64 // requester (local or remote); quotas count against it
	AuthorID       int64 // local account that owns the media and publishes the post
	Kind           string
	State          string
	Prompt         string
	NegativePrompt string
	Seed           int64
	Size           string
	Backend        string
	Model          string
	RevisedPrompt  string
	Error          string // user-facing
	ErrorKind      string
	Draft          PostDraft
	SourceStatusID int64 // the mention a bot reply answers; unique
	MediaIDs       []int64
	StatusID       int64
	Attempts       int
	LeaseUntil     time.Time
	InputTokens    int
	OutputTokens   int
	TotalTokens    int
	CostUnits      int // images produced
	ImageCount     int // images asked for (n, 1-4); 0 is read as 1
	CreatedAt      time.Time
	StartedAt      time.Time
	FinishedAt     time.Time
}

// Finished reports whether the job reached a final state.
func (j Job) Finished() bool { return j.State == JobDone || j.State == JobFailed }

const jobCols = `id, account_id, author_id, kind, state, prompt, negative_prompt, seed, size, backend, model,
	revised_prompt, error, error_kind, draft_json, COALESCE(source_status_id, 0), media_ids_json, COALESCE(status_id, 0),
	attempts, lease_until, input_tokens, output_tokens, total_tokens, cost_units, created_at, started_at, finished_at,
	image_count`

func scanJob(s scanner) (Job, error) {
	var j Job
	var draft, mediaIDs string
	var lease, created, started, finished int64
	err := s.Scan(&j.ID, &j.AccountID, &j.AuthorID, &j.Kind, &j.State, &j.Prompt, &j.NegativePrompt, &j.Seed, &j.Size,
		&j.Backend, &j.Model, &j.RevisedPrompt, &j.Error, &j.ErrorKind, &draft, &j.SourceStatusID, &mediaIDs,
		&j.StatusID, &j.Attempts, &lease, &j.InputTokens, &j.OutputTokens, &j.TotalTokens, &j.CostUnits,
		&created, &started, &finished, &j.ImageCount)
	if err != nil {
		return Job{}, err
	}
	if err := json.Unmarshal([]byte(draft), &j.Draft); err != nil {
		return Job{}, fmt.Errorf("job %s draft: %w", j.ID, err)
	}
	if err := json.Unmarshal([]byte(mediaIDs), &j.MediaIDs); err != nil {
		return Job{}, fmt.Errorf("job %s media ids: %w", j.ID, err)
	}
	j.LeaseUntil, j.CreatedAt, j.StartedAt, j.FinishedAt = fromMS(lease), fromMS(created), fromMS(started), fromMS(finished)
	return j, nil
}

// InsertJob stores a new queued job. j.ID must be set by the caller. A
// second job answering the same SourceStatusID gives ErrConflict.
func (tx *Tx) InsertJob(ctx context.Context, j *Job) error {
	if j.CreatedAt.IsZero() {
		j.CreatedAt = tx.now
	}
	j.State = JobQueued
	j.ImageCount = max(j.ImageCount, 1)
	draft, err := json.Marshal(j.Draft)
	if err != nil {
		return fmt.Errorf("insert job: %w", err)
	}
	err = tx.insertNew(ctx, `INSERT INTO generation_jobs (id, account_id, author_id, kind, state, prompt,
		negative_prompt, seed, size, backend, model, draft_json, source_status_id, created_at, image_count)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		j.ID, j.AccountID, j.AuthorID, j.Kind, j.State, j.Prompt, j.NegativePrompt, j.Seed, j.Size, j.Backend, j.Model,
		string(draft), nullID(j.SourceStatusID), ms(j.CreatedAt), j.ImageCount)
	if errors.Is(err, ErrConflict) {
		return ErrConflict
	}
	if err != nil {
		return fmt.Errorf("insert job: %w", err)
	}
	return nil
}

// JobByID returns one job, or ErrNotFound.
func (db *DB) JobByID(ctx context.Context, id string) (Job, error) {
	j, err := scanJob(db.read.QueryRowContext(ctx, `SELECT `+jobCols+` FROM generation_jobs WHERE id = ?`, id))
	if err != nil {
		return Job{}, notFound(err, "job "+id)
	}
	return j, nil
}

// ClaimJob leases the oldest due job until now+lease and returns it: a
// queued job, or a running one whose lease lapsed because the process that
// ran it died. It marks the job running and counts the attempt. It returns
// ErrNotFound when nothing is due.
func (tx *Tx) ClaimJob(ctx context.Context, lease time.Duration) (Job, error) {
	return tx.claimJob(ctx, `SELECT id FROM generation_jobs WHERE state IN ('queued', 'running') AND lease_until <= ?2
		ORDER BY created_at, id LIMIT 1`+tx.db.eng.q.skipLocked, lease)
}

// ClaimJobByID leases the job id like ClaimJob, if it is due; else ErrNotFound.
func (tx *Tx) ClaimJobByID(ctx context.Context, id string, lease time.Duration) (Job, error) {
	return tx.claimJob(ctx, `SELECT id FROM generation_jobs WHERE id = ?3 AND state IN ('queued', 'running')
		AND lease_until <= ?2`+tx.db.eng.q.skipLocked, lease, id)
}

func (tx *Tx) claimJob(ctx context.Context, pick string, lease time.Duration, args ...any) (Job, error) {
	if err := tx.claimFirst(ctx); err != nil {
		return Job{}, err
	}
	q := `UPDATE generation_jobs SET state = 'running', lease_until = ?1, attempts = attempts + 1,
		started_at = CASE WHEN started_at = 0 THEN ?2 ELSE started_at END
		WHERE id = (` + pick + `) RETURNING ` + jobCols
	j, err := scanJob(tx.tx.QueryRowContext(ctx, q, append([]any{ms(tx.now.Add(lease)), ms(tx.now)}, args...)...))
	if err != nil {
		return Job{}, notFound(err, "claim job")
	}
	return j, nil
}

// NextJobLeaseEnd returns when the earliest lease of a running job lapses,
// or the zero time when no job is running.
func (db *DB) NextJobLeaseEnd(ctx context.Context) (time.Time, error) {
	var v int64
	err := db.read.QueryRowContext(ctx, `SELECT COALESCE(min(lease_until), 0) FROM generation_jobs
		WHERE state = 'running'`).Scan(&v)
	if err != nil {
		return time.Time{}, fmt.Errorf("next job lease: %w", err)
	}
	return fromMS(v), nil
}

// JobOutput is what a generation produced, recorded before the job's post
// is published so a re-run never generates (and pays) twice.
type JobOutput struct {
	MediaIDs      []int64
	Backend       string
	Model         string
	RevisedPrompt string
	InputTokens   int
	OutputTokens  int
	TotalTokens   int
	CostUnits     int
}

// SetJobOutput records the images and usage of a job.
func (tx *Tx) SetJobOutput(ctx context.Context, id string, o JobOutput) error {
	ids, err := json.Marshal(o.MediaIDs)
	if err != nil {
		return fmt.Errorf("job %s output: %w", id, err)
	}
	_, err = tx.tx.ExecContext(ctx, `UPDATE generation_jobs SET media_ids_json = ?, backend = ?, model = ?,
		revised_prompt = ?, input_tokens = ?, output_tokens = ?, total_tokens = ?, cost_units = ? WHERE id = ?`,
		string(ids), o.Backend, o.Model, o.RevisedPrompt, o.InputTokens, o.OutputTokens, o.TotalTokens, o.CostUnits, id)
	if err != nil {
		return fmt.Errorf("job %s output: %w", id, err)
	}
	return nil
}

// FinishJob marks a job done, with the status it published (0 for drafts).
func (tx *Tx) FinishJob(ctx context.Context, id string, statusID int64) error {
	_, err := tx.tx.ExecContext(ctx, `UPDATE generation_jobs SET state = 'done', status_id = ?, lease_until = 0,
		finished_at = ?, error = '', error_kind = '' WHERE id = ?`, nullID(statusID), ms(tx.now), id)
	if err != nil {
		return fmt.Errorf("finish job %s: %w", id, err)
	}
	return nil
}

// ReleaseJob puts a running job back in the queue at once (a worker that
// stops cleanly), keeping what it already produced. The interrupted run does
// not count as an attempt.
func (tx *Tx) ReleaseJob(ctx context.Context, id string) error {
	_, err := tx.tx.ExecContext(ctx, `UPDATE generation_jobs SET state = 'queued', lease_until = 0,
		attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END WHERE id = ? AND state = 'running'`, id)
	if err != nil {
		return fmt.Errorf("release job %s: %w", id, err)
	}
	return nil
}

// FailJob marks a job failed with a user-facing message.
func (tx *Tx) FailJob(ctx context.Context, id, kind, message string) error {
	_, err := tx.tx.ExecContext(ctx, `UPDATE generation_jobs SET state = 'failed', error = ?, error_kind = ?,
		lease_until = 0, finished_at = ? WHERE id = ?`, message, kind, ms(tx.now), id)
	if err != nil {
		return fmt.Errorf("fail job %s: %w", id, err)
	}
	return nil
}

// JobUsage is how much of a quota a requester has used.
type JobUsage struct {
	Since  int       // images asked for by the jobs counted since the window start
	Oldest time.Time // creation of the oldest counted job (the window frees up a day later)
	Active int       // jobs queued or running
}

// JobUsageOf counts the images asked for by accountID's jobs created since
// `since` that count against the quota (all but failures that were not
// refusals), and its queued or running jobs.
func (db *DB) JobUsageOf(ctx context.Context, accountID int64, since time.Time) (JobUsage, error) {
	return jobUsage(ctx, db.read, accountID, since)
}

// JobUsageOf is DB.JobUsageOf inside the transaction, so a quota check and
// the insert it allows are atomic.
func (tx *Tx) JobUsageOf(ctx context.Context, accountID int64, since time.Time) (JobUsage, error) {
	return jobUsage(ctx, tx.tx, accountID, since)
}

func jobUsage(ctx context.Context, q querier, accountID int64, since time.Time) (JobUsage, error) {
	var u JobUsage
	var oldest int64
	err := q.QueryRowContext(ctx, `SELECT
		COALESCE(sum(image_count) FILTER (WHERE created_at >= ?2 AND (state <> 'failed' OR error_kind = 'refused')), 0),
		COALESCE(min(created_at) FILTER (WHERE created_at >= ?2 AND (state <> 'failed' OR error_kind = 'refused')), 0),
		count(*) FILTER (WHERE state IN ('queued', 'running'))
		FROM generation_jobs WHERE account_id = ?1 AND (created_at >= ?2 OR state IN ('queued', 'running'))`,
		accountID, ms(since)).Scan(&u.Since, &oldest, &u.Active)
	if err != nil {
		return JobUsage{}, fmt.Errorf("job usage of %d: %w", accountID, err)
	}
	u.Oldest = fromMS(oldest)
	return u, nil
}

// RecentPostJob returns accountID's newest post job with this prompt and
// draft text that is still queued or running, or that finished well since
// `since`; else ErrNotFound. It lets a resent /imagine find its first job.
func (db *DB) RecentPostJob(ctx context.Context, accountID int64, prompt string, since time.Time) (Job, error) {
	j, err := scanJob(db.read.QueryRowContext(ctx, `SELECT `+jobCols+` FROM generation_jobs
		WHERE account_id = ? AND kind = 'post' AND prompt = ?
		AND (state IN ('queued', 'running') OR (state = 'done' AND created_at >= ?))
		ORDER BY created_at DESC LIMIT 1`, accountID, prompt, ms(since)))
	if err != nil {
		return Job{}, notFound(err, "recent job")
	}
	return j, nil
}

// JobsOf returns accountID's newest jobs, newest first.
func (db *DB) JobsOf(ctx context.Context, accountID int64, limit int) ([]Job, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+jobCols+` FROM generation_jobs WHERE account_id = ?
		ORDER BY created_at DESC, id DESC LIMIT ?`, accountID, limit)
	if err != nil {
		return nil, fmt.Errorf("jobs of %d: %w", accountID, err)
	}
	defer rows.Close()
	var out []Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, fmt.Errorf("scan job: %w", err)
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

// GenerationCount is how many images one backend and model made.
type GenerationCount struct {
	Backend     string
	Model       string
	Jobs        int // finished jobs
	Failed      int
	Images      int
	TotalTokens int
}

// GenerationCounts returns per backend and model counters over all
// finished jobs, for the admin.
func (db *DB) GenerationCounts(ctx context.Context) ([]GenerationCount, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT backend, model, count(*), count(*) FILTER (WHERE state = 'failed'),
		sum(cost_units), sum(total_tokens) FROM generation_jobs WHERE state IN ('done', 'failed')
		GROUP BY backend, model ORDER BY backend, model`)
	if err != nil {
		return nil, fmt.Errorf("generation counts: %w", err)
	}
	defer rows.Close()
	var out []GenerationCount
	for rows.Next() {
		var c GenerationCount
		if err := rows.Scan(&c.Backend, &c.Model, &c.Jobs, &c.Failed, &c.Images, &c.TotalTokens); err != nil {
			return nil, fmt.Errorf("scan generation count: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ModerationEntry records one refused prompt.
type ModerationEntry struct {
	ID         int64
	AccountID  int64 // 0 when unknown
	Source     string
	Stage      string
	Prompt     string
	Categories []string
	Reason     string
	CreatedAt  time.Time
}

// InsertModerationEntry appends e to the moderation log.
func (tx *Tx) InsertModerationEntry(ctx context.Context, e *ModerationEntry) error {
	if e.ID == 0 {
		e.ID = tx.NewID(tx.now)
	}
	if e.CreatedAt.IsZero() {
		e.CreatedAt = tx.now
	}
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO moderation_log (id, account_id, source, stage, prompt, categories,
		reason, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, e.ID, nullID(e.AccountID), e.Source, e.Stage, e.Prompt,
		strings.Join(e.Categories, ","), e.Reason, ms(e.CreatedAt))
	if err != nil {
		return fmt.Errorf("insert moderation entry: %w", err)
	}
	return nil
}

// ModerationLog returns the newest refused prompts, newest first.
func (db *DB) ModerationLog(ctx context.Context, limit int) ([]ModerationEntry, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, COALESCE(account_id, 0), source, stage, prompt, categories, reason,
		created_at FROM moderation_log ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("moderation log: %w", err)
	}
	defer rows.Close()
	var out []ModerationEntry
	for rows.Next() {
		var e ModerationEntry
		var cats string
		var created int64
		if err := rows.Scan(&e.ID, &e.AccountID, &e.Source, &e.Stage, &e.Prompt, &cats, &e.Reason, &created); err != nil {
			return nil, fmt.Errorf("scan moderation entry: %w", err)
		}
		if cats != "" {
			e.Categories = strings.Split(cats, ",")
		}
		e.CreatedAt = fromMS(created)
		out = append(out, e)
	}
	return out, rows.Err()
}

// MentionsAfter returns up to limit mention notifications of accountID with
// an id above afterID, oldest first: the generator bot's work list.
func (db *DB) MentionsAfter(ctx context.Context, accountID, afterID int64, limit int) ([]Notification, error) {
	out, err := queryNotifications(ctx, db.read, `SELECT `+notificationCols+`
		FROM notifications WHERE account_id = ? AND type = 'mention' AND id > ? ORDER BY id LIMIT ?`,
		accountID, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("mentions of %d: %w", accountID, err)
	}
	return out, nil
}
