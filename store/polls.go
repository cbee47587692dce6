package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Poll is a status's poll (migration 0017); it shares the status's id.
type Poll struct {
	StatusID    int64
	Multiple    bool
	HideTotals  bool
	ExpiresAt   time.Time // zero: never
	VotersCount int64
	Options     []PollOption
	UpdatedAt   time.Time
	EndedAt     time.Time // zero until the end was handled
}

// PollOption is one choice of a poll, in order.
type PollOption struct {
	Title      string
	VotesCount int64
}

// Expired reports whether voting has ended at now.
func (p Poll) Expired(now time.Time) bool {
	return !p.ExpiresAt.IsZero() && !now.Before(p.ExpiresAt)
}

// VotesCount returns the sum of the options' votes.
func (p Poll) VotesCount() int64 {
	var n int64
	for _, o := range p.Options {
		n += o.VotesCount
	}
	return n
}

// PollVote is one chosen option of one account.
type PollVote struct {
	ID        int64
	StatusID  int64
	AccountID int64
	Choice    int
	URI       string
	CreatedAt time.Time
}

// InsertPoll stores a new poll with its options for an existing status.
func (tx *Tx) InsertPoll(ctx context.Context, p *Poll) error {
	p.UpdatedAt = tx.now
	err := tx.insertNew(ctx, `INSERT INTO polls (status_id, multiple, hide_totals, expires_at, voters_count, updated_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, p.StatusID, b2i(p.Multiple), b2i(p.HideTotals), ms(p.ExpiresAt), p.VotersCount, ms(p.UpdatedAt))
	if errors.Is(err, ErrConflict) {
		return ErrConflict
	}
	if err != nil {
		return fmt.Errorf("insert poll of %d: %w", p.StatusID, err)
	}
	return tx.insertPollOptions(ctx, p.StatusID, p.Options)
}

func (tx *Tx) insertPollOptions(ctx context.Context, statusID int64, opts []PollOption) error {
	for i, o := range opts {
		_, err := tx.tx.ExecContext(ctx, `INSERT INTO poll_options (status_id, position, title, votes_count) VALUES (?, ?, ?, ?)`,
			statusID, i, o.Title, o.VotesCount)
		if err != nil {
			return fmt.Errorf("insert poll option of %d: %w", statusID, err)
		}
	}
	return nil
}

// RefreshRemotePoll replaces a remote poll's state with what its server
// says. When the options changed (an edit), the old votes go, as Mastodon
// resets them; otherwise the counts are overwritten and votes are kept.
func (tx *Tx) RefreshRemotePoll(ctx context.Context, p Poll) error {
	old, err := pollWhere(ctx, tx.tx, p.StatusID)
	if errors.Is(err, ErrNotFound) {
		return tx.InsertPoll(ctx, &p)
	}
	if err != nil {
		return err
	}
	same := len(old.Options) == len(p.Options)
	for i := 0; same && i < len(p.Options); i++ {
		same = old.Options[i].Title == p.Options[i].Title
	}
	if !same {
		for _, q := range []string{`DELETE FROM poll_votes WHERE status_id = ?`, `DELETE FROM poll_options WHERE status_id = ?`} {
			if _, err := tx.tx.ExecContext(ctx, q, p.StatusID); err != nil {
				return fmt.Errorf("reset poll %d: %w", p.StatusID, err)
			}
		}
		if err := tx.insertPollOptions(ctx, p.StatusID, p.Options); err != nil {
			return err
		}
	} else {
		for i, o := range p.Options {
			if _, err := tx.tx.ExecContext(ctx, `UPDATE poll_options SET votes_count = ? WHERE status_id = ? AND position = ?`,
				o.VotesCount, p.StatusID, i); err != nil {
				return fmt.Errorf("update poll option of %d: %w", p.StatusID, err)
			}
		}
	}
	_, err = tx.tx.ExecContext(ctx, `UPDATE polls SET multiple = ?, expires_at = ?, voters_count = ?, updated_at = ?
		WHERE status_id = ?`, b2i(p.Multiple), ms(p.ExpiresAt), p.VotersCount, ms(tx.now), p.StatusID)
	if err != nil {
		return fmt.Errorf("update poll %d: %w", p.StatusID, err)
	}
	return nil
}

// DeletePoll removes a status's poll with its options and votes.
func (tx *Tx) DeletePoll(ctx context.Context, statusID int64) error {
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM polls WHERE status_id = ?`, statusID); err != nil {
		return fmt.Errorf("delete poll %d: %w", statusID, err)
	}
	return nil
}

func pollWhere(ctx context.Context, q querier, statusID int64) (Poll, error) {
	polls, err := pollsByIDs(ctx, q, []int64{statusID})
	if err != nil {
		return Poll{}, err
	}
	p, ok := polls[statusID]
	if !ok {
		return Poll{}, ErrNotFound
	}
	return p, nil
}

// PollByStatusID returns the poll of a status, or ErrNotFound.
func (db *DB) PollByStatusID(ctx context.Context, statusID int64) (Poll, error) {
	return pollWhere(ctx, db.read, statusID)
}

// PollByStatusID returns the poll of a status, or ErrNotFound.
func (tx *Tx) PollByStatusID(ctx context.Context, statusID int64) (Poll, error) {
	return pollWhere(ctx, tx.tx, statusID)
}

// PollsByStatusIDs returns the polls of those statuses that have one.
func (db *DB) PollsByStatusIDs(ctx context.Context, ids []int64) (map[int64]Poll, error) {
	return pollsByIDs(ctx, db.read, ids)
}

func pollsByIDs(ctx context.Context, q querier, ids []int64) (map[int64]Poll, error) {
	out := make(map[int64]Poll, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	ph, args := placeholders(len(ids)), int64Args(ids)
	rows, err := q.QueryContext(ctx, `SELECT status_id, multiple, hide_totals, expires_at, voters_count, updated_at, ended_at
		FROM polls WHERE status_id IN (`+ph+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("polls: %w", err)
	}
	for rows.Next() {
		var p Poll
		var expires, updated, ended int64
		if err := rows.Scan(&p.StatusID, &p.Multiple, &p.HideTotals, &expires, &p.VotersCount, &updated, &ended); err != nil {
			rows.Close()
			return nil, fmt.Errorf("polls: %w", err)
		}
		p.ExpiresAt, p.UpdatedAt, p.EndedAt = fromMS(expires), fromMS(updated), fromMS(ended)
		out[p.StatusID] = p
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	rows, err = q.QueryContext(ctx, `SELECT status_id, title, votes_count FROM poll_options
		WHERE status_id IN (`+ph+`) ORDER BY status_id, position`, args...)
	if err != nil {
		return nil, fmt.Errorf("poll options: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var o PollOption
		if err := rows.Scan(&id, &o.Title, &o.VotesCount); err != nil {
			return nil, fmt.Errorf("poll options: %w", err)
		}
		p := out[id]
		p.Options = append(p.Options, o)
		out[id] = p
	}
	return out, rows.Err()
}

// InsertPollVote records one chosen option; inserted is false when the
// account had already chosen it (or the vote's uri is known). The triggers
// of migration 0017 keep the counts.
func (tx *Tx) InsertPollVote(ctx context.Context, v *PollVote) (inserted bool, err error) {
	if v.ID == 0 {
		v.ID = tx.NewID(tx.now)
	}
	if v.CreatedAt.IsZero() {
		v.CreatedAt = tx.now
	}
	var dup int
	if v.URI != "" {
		err := tx.tx.QueryRowContext(ctx, `SELECT count(*) FROM poll_votes WHERE status_id = ? AND uri = ?`, v.StatusID, v.URI).Scan(&dup)
		if err != nil {
			return false, fmt.Errorf("poll vote %s: %w", v.URI, err)
		}
	}
	if dup > 0 {
		return false, nil
	}
	res, err := tx.tx.ExecContext(ctx, `INSERT INTO poll_votes (id, status_id, account_id, choice, uri, created_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, v.ID, v.StatusID, v.AccountID, v.Choice, v.URI, ms(v.CreatedAt))
	if err != nil {
		return false, fmt.Errorf("insert poll vote: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// PollChoices returns, per poll, the options accountID chose, in order.
func (db *DB) PollChoices(ctx context.Context, accountID int64, statusIDs []int64) (map[int64][]int, error) {
	return pollChoices(ctx, db.read, accountID, statusIDs)
}

// PollChoices returns, per poll, the options accountID chose, in order.
func (tx *Tx) PollChoices(ctx context.Context, accountID int64, statusIDs []int64) (map[int64][]int, error) {
	return pollChoices(ctx, tx.tx, accountID, statusIDs)
}

func pollChoices(ctx context.Context, q querier, accountID int64, ids []int64) (map[int64][]int, error) {
	out := map[int64][]int{}
	if len(ids) == 0 || accountID == 0 {
		return out, nil
	}
	rows, err := q.QueryContext(ctx, `SELECT status_id, choice FROM poll_votes WHERE account_id = ? AND status_id IN (`+
		placeholders(len(ids))+`) ORDER BY status_id, choice`, append([]any{accountID}, int64Args(ids)...)...)
	if err != nil {
		return nil, fmt.Errorf("poll choices: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var c int
		if err := rows.Scan(&id, &c); err != nil {
			return nil, fmt.Errorf("poll choices: %w", err)
		}
		out[id] = append(out[id], c)
	}
	return out, rows.Err()
}

// PollVoters returns the distinct accounts that voted on a poll, local or
// remote as asked.
func (tx *Tx) PollVoters(ctx context.Context, statusID int64, local bool) ([]Account, error) {
	cond := `domain <> ''`
	if local {
		cond = `domain = ''`
	}
	list, err := queryAccounts(ctx, tx.tx, `SELECT `+accountCols+` FROM accounts
		WHERE id IN (SELECT account_id FROM poll_votes WHERE status_id = ?) AND deleted_at = 0 AND `+cond, statusID)
	if err != nil {
		return nil, fmt.Errorf("poll voters of %d: %w", statusID, err)
	}
	return list, nil
}

// HasLocalPollVoters reports whether any local account voted on a poll.
func (db *DB) HasLocalPollVoters(ctx context.Context, statusID int64) (bool, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM poll_votes v JOIN accounts a ON a.id = v.account_id
		WHERE v.status_id = ? AND a.domain = '' LIMIT 1)`, statusID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("local voters of %d: %w", statusID, err)
	}
	return n > 0, nil
}

// SchedulePollUpdate asks for an Update of a local poll's Question at the
// latest at; an earlier pending time is kept, so a storm of votes yields
// one Update per delay (Mastodon waits 3 minutes the same way).
func (tx *Tx) SchedulePollUpdate(ctx context.Context, statusID int64, at time.Time) error {
	_, err := tx.tx.ExecContext(ctx, `UPDATE polls SET update_due_at = ? WHERE status_id = ? AND update_due_at = 0`,
		ms(at), statusID)
	if err != nil {
		return fmt.Errorf("schedule poll update %d: %w", statusID, err)
	}
	return nil
}

// PollWork is what the poll worker must do now: local polls whose Update is
// due, and polls (local or remote) that ended and were not yet handled.
type PollWork struct {
	UpdateDue []int64
	Ended     []int64
}

// DuePollWork lists up to limit polls of each kind due at now.
func (tx *Tx) DuePollWork(ctx context.Context, limit int) (PollWork, error) {
	var w PollWork
	now := ms(tx.now)
	var err error
	w.UpdateDue, err = queryIDs(ctx, tx.tx, `SELECT status_id FROM polls WHERE update_due_at <> 0 AND update_due_at <= ? LIMIT ?`, now, limit)
	if err != nil {
		return w, fmt.Errorf("due poll updates: %w", err)
	}
	w.Ended, err = queryIDs(ctx, tx.tx, `SELECT status_id FROM polls WHERE expires_at <> 0 AND ended_at = 0 AND expires_at <= ? LIMIT ?`, now, limit)
	if err != nil {
		return w, fmt.Errorf("ended polls: %w", err)
	}
	return w, nil
}

// NextPollWork returns when the poll worker next has something to do, or
// the zero time when nothing is scheduled.
func (db *DB) NextPollWork(ctx context.Context) (time.Time, error) {
	var next sql.NullInt64
	err := db.read.QueryRowContext(ctx, `SELECT min(t) FROM (
		SELECT min(update_due_at) AS t FROM polls WHERE update_due_at <> 0
		UNION ALL SELECT min(expires_at) FROM polls WHERE expires_at <> 0 AND ended_at = 0) AS due`).Scan(&next)
	if err != nil {
		return time.Time{}, fmt.Errorf("next poll work: %w", err)
	}
	return fromMS(next.Int64), nil
}

// MarkPollUpdateSent clears a poll's pending Update; pending is false when
// none was pending (another worker sent it, or the poll ended).
func (tx *Tx) MarkPollUpdateSent(ctx context.Context, statusID int64) (pending bool, err error) {
	res, err := tx.tx.ExecContext(ctx, `UPDATE polls SET update_due_at = 0 WHERE status_id = ? AND update_due_at <> 0`, statusID)
	if err != nil {
		return false, fmt.Errorf("mark poll update %d: %w", statusID, err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// MarkPollEnded records that a poll's end was handled; ended is false when
// another worker did it first.
func (tx *Tx) MarkPollEnded(ctx context.Context, statusID int64) (ended bool, err error) {
	res, err := tx.tx.ExecContext(ctx, `UPDATE polls SET ended_at = ?, update_due_at = 0 WHERE status_id = ? AND ended_at = 0`,
		ms(tx.now), statusID)
	if err != nil {
		return false, fmt.Errorf("mark poll ended %d: %w", statusID, err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}
