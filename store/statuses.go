package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Visibility values, as Mastodon names them.
const (
	VisibilityPublic   = "public"
	VisibilityUnlisted = "unlisted"
	VisibilityPrivate  = "private" // followers only
	VisibilityDirect   = "direct"
)

// Status is a post, local or remote; a boost is a Status with ReblogOfID set.
type Status struct {
	ID                 int64
	URI                string
	URL                string
	AccountID          int64
	Local              bool
	Content            string // HTML
	Text               string // source text (local)
	SpoilerText        string
	Sensitive          bool
	Visibility         string
	Language           string
	InReplyToID        int64 // 0 when none or unknown
	InReplyToURI       string
	InReplyToAccountID int64
	ReblogOfID         int64
	Generated          bool
	CreatedAt          time.Time
	EditedAt           time.Time
	DeletedAt          time.Time
}

const statusCols = `id, uri, url, account_id, local, content, text, spoiler_text, sensitive, visibility, language,
	COALESCE(in_reply_to_id, 0), in_reply_to_uri, COALESCE(in_reply_to_account_id, 0), COALESCE(reblog_of_id, 0), generated,
	created_at, edited_at, deleted_at`

func scanStatus(s scanner) (Status, error) {
	var st Status
	var created, edited, deleted int64
	err := s.Scan(&st.ID, &st.URI, &st.URL, &st.AccountID, &st.Local, &st.Content, &st.Text, &st.SpoilerText,
		&st.Sensitive, &st.Visibility, &st.Language, &st.InReplyToID, &st.InReplyToURI, &st.InReplyToAccountID,
		&st.ReblogOfID, &st.Generated, &created, &edited, &deleted)
	if err != nil {
		return Status{}, err
	}
	st.CreatedAt, st.EditedAt, st.DeletedAt = fromMS(created), fromMS(edited), fromMS(deleted)
	return st, nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func statusWhere(ctx context.Context, q querier, where string, args ...any) (Status, error) {
	st, err := scanStatus(q.QueryRowContext(ctx, `SELECT `+statusCols+` FROM statuses WHERE `+where, args...))
	if err != nil {
		return Status{}, notFound(err, "status")
	}
	return st, nil
}

// StatusByID returns the status with the given id (deleted ones included:
// check DeletedAt), or ErrNotFound. It reads the status cache first.
func (db *DB) StatusByID(ctx context.Context, id int64) (Status, error) {
	if !db.statusCache.on() {
		return statusWhere(ctx, db.read, `id = ?`, id)
	}
	rows, err := db.statusRows(ctx, []int64{id})
	if err != nil {
		return Status{}, err
	}
	if len(rows) == 0 {
		return Status{}, ErrNotFound
	}
	return rows[0], nil
}

// StatusByURI returns the status with the given ActivityPub id, or ErrNotFound.
func (db *DB) StatusByURI(ctx context.Context, uri string) (Status, error) {
	return statusWhere(ctx, db.read, `uri = ?`, uri)
}

// StatusByID returns the status inside the transaction.
func (tx *Tx) StatusByID(ctx context.Context, id int64) (Status, error) {
	return statusWhere(ctx, tx.tx, `id = ?`, id)
}

// StatusByURI returns the status inside the transaction.
func (tx *Tx) StatusByURI(ctx context.Context, uri string) (Status, error) {
	return statusWhere(ctx, tx.tx, `uri = ?`, uri)
}

// StatusesByIDs returns the statuses with the given ids (deleted ones
// included), keyed by id; an id without a status is left out.
func (db *DB) StatusesByIDs(ctx context.Context, ids []int64) (map[int64]Status, error) {
	list, err := db.statusRows(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]Status, len(list))
	for _, st := range list {
		out[st.ID] = st
	}
	return out, nil
}

// statusRows returns the rows of ids in their order (deleted ones
// included; an id without a row is left out), from the status cache where
// it holds them and otherwise with one query for the missing ones. The
// cache is exact: every committed change of a statuses row, whichever
// statement, trigger or foreign-key action made it, drops the row before
// Write returns (cache_statuses.go), and rows read while such a change
// committed are not kept. Callers decide what a viewer may see before
// asking for rows.
func (db *DB) statusRows(ctx context.Context, ids []int64) ([]Status, error) {
	out := make([]Status, len(ids))
	seq, missing := db.statusCache.getRows(ids, out)
	if len(missing) > 0 {
		read, err := queryStatuses(ctx, db.read, `SELECT `+statusCols+` FROM statuses WHERE id IN (`+placeholders(len(missing))+`)`,
			int64Args(missing)...)
		if err != nil {
			return nil, err
		}
		db.statusCache.putRows(seq, read)
		byID := make(map[int64]*Status, len(read))
		for i := range read {
			byID[read[i].ID] = &read[i]
		}
		for i, id := range ids {
			if st := byID[id]; st != nil && out[i].ID == 0 {
				out[i] = *st
			}
		}
	}
	list := out[:0]
	for _, st := range out {
		if st.ID != 0 {
			list = append(list, st)
		}
	}
	return list, nil
}

// timeline runs a timeline's statement and returns its statuses in the
// page's order. sel(idsOnly) is the statement's text: it selects the ids of
// statuses aliased s when idsOnly is set, else statusColsS, newest first
// (oldest first with p.MinID), at most :limit of them. With the status
// cache on, the statement reads ids only, from its indexes where it can,
// and the rows come from the cache (statusRows); a status deleted in
// between is left out. Without the cache (PostgreSQL) one statement reads
// the rows.
//
// loose, when not empty, is a cheaper ids statement that differs from
// sel(true) only in not leaving out deleted statuses, and selects
// :limit + looseSlack of them: its result, without the deleted statuses
// the rows show, stands when it keeps a full page or when it reached the
// end of the list; only otherwise does sel(true) run.
func (db *DB) timeline(ctx context.Context, p Page, sel func(idsOnly bool) string, loose string, args []any) ([]Status, error) {
	if !db.statusCache.on() {
		list, err := queryStatuses(ctx, db.read, sel(false), args...)
		if err != nil {
			return nil, err
		}
		return reverseIfMin(p, list), nil
	}
	if loose != "" {
		list, complete, err := db.liveRows(ctx, loose, p.limit()+looseSlack, args)
		if err != nil {
			return nil, err
		}
		if len(list) >= p.limit() || complete {
			return reverseIfMin(p, list[:min(len(list), p.limit())]), nil
		}
	}
	list, _, err := db.liveRows(ctx, sel(true), p.limit(), args)
	if err != nil {
		return nil, err
	}
	return reverseIfMin(p, list), nil
}

// looseSlack is how many more ids than a page a loose timeline statement
// reads, to make up for deleted statuses.
const looseSlack = 10

// liveRows runs the ids statement q, which selects at most limit ids, and
// returns the rows of its statuses that are not deleted, in its order;
// complete is set when q selected fewer than limit ids.
func (db *DB) liveRows(ctx context.Context, q string, limit int, args []any) (list []Status, complete bool, err error) {
	ids, err := queryIDs(ctx, db.read, q, args...)
	if err != nil {
		return nil, false, fmt.Errorf("query statuses: %w", err)
	}
	rows, err := db.statusRows(ctx, ids)
	if err != nil {
		return nil, false, err
	}
	list = rows[:0]
	for _, st := range rows {
		if st.DeletedAt.IsZero() {
			list = append(list, st)
		}
	}
	return list, len(ids) < limit, nil
}

func queryStatuses(ctx context.Context, q querier, query string, args ...any) ([]Status, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("query statuses: %w", err)
	}
	defer rows.Close()
	var out []Status
	for rows.Next() {
		st, err := scanStatus(rows)
		if err != nil {
			return nil, fmt.Errorf("scan status: %w", err)
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// InsertStatus inserts st; a zero ID is assigned from CreatedAt (or tx.Now()).
// A duplicate uri gives ErrConflict.
func (tx *Tx) InsertStatus(ctx context.Context, st *Status) error {
	if st.CreatedAt.IsZero() {
		st.CreatedAt = tx.now
	}
	assigned := st.ID == 0
	t := st.CreatedAt
	if t.After(tx.now) {
		t = tx.now
	}
	if assigned {
		st.ID = tx.NewID(t)
	}
	if st.Visibility == "" {
		st.Visibility = VisibilityPublic
	}
	for attempt := 0; ; attempt++ {
		err := tx.insertStatusRow(ctx, st)
		if !errors.Is(err, ErrConflict) || !assigned || attempt == 3 {
			return err
		}
		// An id for a past time (a remote post's publication) relies on
		// the sequence, which another post of the same millisecond may
		// have used: unless the uri is the duplicate, take another id.
		var one int
		switch err := tx.tx.QueryRowContext(ctx, `SELECT 1 FROM statuses WHERE uri = ?`, st.URI).Scan(&one); {
		case err == nil:
			return ErrConflict
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("insert status %s: %w", st.URI, err)
		}
		st.ID = tx.NewID(t.Add(time.Duration(attempt+1) * time.Millisecond))
	}
}

// insertStatusRow inserts st with its id; a duplicate id or uri gives
// ErrConflict.
func (tx *Tx) insertStatusRow(ctx context.Context, st *Status) error {
	err := tx.insertNew(ctx, `INSERT INTO statuses (id, uri, url, account_id, local, content, text,
		spoiler_text, sensitive, visibility, language, in_reply_to_id, in_reply_to_uri, in_reply_to_account_id,
		reblog_of_id, generated, created_at, edited_at, deleted_at) VALUES (`+placeholders(19)+`) ON CONFLICT DO NOTHING`,
		st.ID, st.URI, st.URL, st.AccountID, b2i(st.Local), st.Content, st.Text, st.SpoilerText, b2i(st.Sensitive),
		st.Visibility, st.Language, nullID(st.InReplyToID), st.InReplyToURI, nullID(st.InReplyToAccountID),
		nullID(st.ReblogOfID), b2i(st.Generated), ms(st.CreatedAt), ms(st.EditedAt), ms(st.DeletedAt))
	if errors.Is(err, ErrConflict) {
		return ErrConflict
	}
	if err != nil {
		return fmt.Errorf("insert status %s: %w", st.URI, err)
	}
	return nil
}

// UpdateStatusContent records an edit: the previous version goes to the edit
// history and the new content, spoiler and sensitivity replace it.
func (tx *Tx) UpdateStatusContent(ctx context.Context, st *Status, previousMediaJSON string) error {
	old, err := tx.StatusByID(ctx, st.ID)
	if err != nil {
		return err
	}
	if previousMediaJSON == "" {
		previousMediaJSON = "[]"
	}
	if _, err := tx.tx.ExecContext(ctx, `INSERT INTO status_edits (id, status_id, content, spoiler_text, sensitive,
		media_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`, tx.NewID(tx.now), old.ID, old.Content, old.SpoilerText,
		b2i(old.Sensitive), previousMediaJSON, ms(maxTime(old.EditedAt, old.CreatedAt))); err != nil {
		return fmt.Errorf("record edit of %d: %w", st.ID, err)
	}
	if st.EditedAt.IsZero() {
		st.EditedAt = tx.now
	}
	_, err = tx.tx.ExecContext(ctx, `UPDATE statuses SET content = ?, text = ?, spoiler_text = ?, sensitive = ?,
		language = ?, generated = ?, edited_at = ? WHERE id = ?`, st.Content, st.Text, st.SpoilerText, b2i(st.Sensitive),
		st.Language, b2i(st.Generated), ms(st.EditedAt), st.ID)
	if err != nil {
		return fmt.Errorf("update status %d: %w", st.ID, err)
	}
	return nil
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// StatusEdit is an earlier version of a status.
type StatusEdit struct {
	ID          int64
	StatusID    int64
	Content     string
	SpoilerText string
	Sensitive   bool
	MediaJSON   string
	CreatedAt   time.Time
}

// StatusEdits returns the earlier versions of a status, oldest first.
func (db *DB) StatusEdits(ctx context.Context, statusID int64) ([]StatusEdit, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, status_id, content, spoiler_text, sensitive, media_json, created_at
		FROM status_edits WHERE status_id = ? ORDER BY id`, statusID)
	if err != nil {
		return nil, fmt.Errorf("status edits %d: %w", statusID, err)
	}
	defer rows.Close()
	var out []StatusEdit
	for rows.Next() {
		var e StatusEdit
		var created int64
		if err := rows.Scan(&e.ID, &e.StatusID, &e.Content, &e.SpoilerText, &e.Sensitive, &e.MediaJSON, &created); err != nil {
			return nil, fmt.Errorf("scan status edit: %w", err)
		}
		e.CreatedAt = fromMS(created)
		out = append(out, e)
	}
	return out, rows.Err()
}

// MarkStatusDeleted turns the status into a tombstone (GET then answers 410)
// and removes its boosts, favourites and notifications.
func (tx *Tx) MarkStatusDeleted(ctx context.Context, id int64) error {
	stmts := []string{
		`UPDATE statuses SET deleted_at = ?1, content = '', text = '', spoiler_text = '' WHERE id = ?2`,
		`UPDATE statuses SET deleted_at = ?1 WHERE reblog_of_id = ?2`,
		`DELETE FROM favourites WHERE status_id = ?2`,
		`DELETE FROM notifications WHERE status_id = ?2`,
		`UPDATE media_attachments SET status_id = NULL WHERE status_id = ?2`,
	}
	for _, q := range stmts {
		if _, err := tx.tx.ExecContext(ctx, q, ms(tx.now), id); err != nil {
			return fmt.Errorf("delete status %d: %w", id, err)
		}
	}
	return nil
}

// ReleaseStatusURI renames the uri of the deleted status id (to
// uri#released-ID) so that a new status may take it; snac gives every boost of
// a post the same Announce id, so a boost undone and made again arrives with
// the uri of the first. It returns ErrNotFound unless id is a deleted status.
func (tx *Tx) ReleaseStatusURI(ctx context.Context, id int64) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE statuses SET uri = uri || '#released-' || id
		WHERE id = ? AND deleted_at <> 0`, id)
	if err != nil {
		return fmt.Errorf("release status uri %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// StatusCounts are a status's public interaction counts.
type StatusCounts struct {
	Replies, Reblogs, Favourites int64
}

// StatusCountsByIDs returns interaction counts for each status id.
func (db *DB) StatusCountsByIDs(ctx context.Context, ids []int64) (map[int64]StatusCounts, error) {
	out := make(map[int64]StatusCounts, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	ph := placeholders(len(ids))
	err := groupedCounts(ctx, db.read, out, int64Args(ids), []countQuery[StatusCounts]{
		{`SELECT in_reply_to_id, count(*), 0 FROM statuses WHERE in_reply_to_id IN (` + ph + `) AND deleted_at = 0 GROUP BY in_reply_to_id`,
			func(c *StatusCounts, n, _ int64) { c.Replies = n }},
		{`SELECT reblog_of_id, count(*), 0 FROM statuses WHERE reblog_of_id IN (` + ph + `) AND deleted_at = 0 GROUP BY reblog_of_id`,
			func(c *StatusCounts, n, _ int64) { c.Reblogs = n }},
		{`SELECT status_id, count(*), 0 FROM favourites WHERE status_id IN (` + ph + `) GROUP BY status_id`,
			func(c *StatusCounts, n, _ int64) { c.Favourites = n }},
	})
	if err != nil {
		return nil, fmt.Errorf("status counts: %w", err)
	}
	return out, nil
}

// countQuery is one grouped count over a list of ids: its SQL selects
// (id, count, extra) and set stores the two numbers into an id's value.
type countQuery[T any] struct {
	sql string
	set func(v *T, n, extra int64)
}

// groupedCounts runs each query with args and merges its rows into out by id.
func groupedCounts[T any](ctx context.Context, q querier, out map[int64]T, args []any, queries []countQuery[T]) error {
	for _, cq := range queries {
		rows, err := q.QueryContext(ctx, cq.sql, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id, n, extra int64
			if err := rows.Scan(&id, &n, &extra); err != nil {
				rows.Close()
				return err
			}
			v := out[id]
			cq.set(&v, n, extra)
			out[id] = v
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// Page bounds a keyset-paginated list, as Mastodon's max_id, since_id, min_id
// and limit do. Zero values mean unbounded.
type Page struct {
	MaxID   int64 // strictly older than
	SinceID int64 // strictly newer than, newest first
	MinID   int64 // strictly newer than, oldest first (the page right after MinID)
	Limit   int
}

// where returns the SQL condition on col and the ORDER BY direction.
// With MinID the rows come oldest first and callers reverse them.
func (p Page) where(col string) (cond string, args []any, order string) {
	var conds []string
	if p.MaxID > 0 {
		conds = append(conds, col+" < ?")
		args = append(args, p.MaxID)
	}
	lower := p.SinceID
	if p.MinID > lower {
		lower = p.MinID
	}
	if lower > 0 {
		conds = append(conds, col+" > ?")
		args = append(args, lower)
	}
	cond = "1 = 1"
	if len(conds) > 0 {
		cond = strings.Join(conds, " AND ")
	}
	order = col + " DESC"
	if p.MinID > 0 {
		order = col + " ASC"
	}
	return cond, args, order
}

func (p Page) limit() int {
	if p.Limit <= 0 {
		return 20
	}
	return p.Limit
}

func reverseIfMin[T any](p Page, list []T) []T {
	if p.MinID > 0 {
		for i, j := 0, len(list)-1; i < j; i, j = i+1, j-1 {
			list[i], list[j] = list[j], list[i]
		}
	}
	return list
}

// AccountStatuses lists an account's statuses (boosts included), newest first.
// visibilities restricts which are returned (nil means all).
func (db *DB) AccountStatuses(ctx context.Context, accountID int64, visibilities []string, p Page) ([]Status, error) {
	cond, args, order := p.where("id")
	q := `SELECT ` + statusCols + ` FROM statuses WHERE account_id = ? AND deleted_at = 0 AND ` + cond
	args = append([]any{accountID}, args...)
	if len(visibilities) > 0 {
		q += ` AND visibility IN (` + placeholders(len(visibilities)) + `)`
		for _, v := range visibilities {
			args = append(args, v)
		}
	}
	q += ` ORDER BY ` + order + ` LIMIT ?`
	list, err := queryStatuses(ctx, db.read, q, append(args, p.limit())...)
	if err != nil {
		return nil, err
	}
	return reverseIfMin(p, list), nil
}

// CountAccountStatuses counts an account's visible statuses in visibilities.
func (db *DB) CountAccountStatuses(ctx context.Context, accountID int64, visibilities []string) (int64, error) {
	q := `SELECT count(*) FROM statuses WHERE account_id = ? AND deleted_at = 0`
	args := []any{accountID}
	if len(visibilities) > 0 {
		q += ` AND visibility IN (` + placeholders(len(visibilities)) + `)`
		for _, v := range visibilities {
			args = append(args, v)
		}
	}
	var n int64
	if err := db.read.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count statuses of %d: %w", accountID, err)
	}
	return n, nil
}

// CountLocalStatuses counts local, not deleted statuses, boosts included
// (Mastodon sums its accounts' statuses_count the same way).
func (db *DB) CountLocalStatuses(ctx context.Context) (int64, error) {
	return db.cachedCount(ctx, "local statuses", []string{"account_counts", "accounts"}, func(ctx context.Context) (int64, error) {
		var n int64
		// account_counts (migration 0019) counts exactly these per account;
		// only local accounts have any, and accounts_domain finds them.
		err := db.read.QueryRowContext(ctx, `SELECT COALESCE(sum(c.statuses), 0) FROM accounts a
			JOIN account_counts c ON c.account_id = a.id WHERE a.domain = ''`).Scan(&n)
		if err != nil {
			return 0, fmt.Errorf("count local statuses: %w", err)
		}
		return n, nil
	})
}

// ReblogBy returns accountID's boost of statusID, or ErrNotFound.
func (tx *Tx) ReblogBy(ctx context.Context, accountID, statusID int64) (Status, error) {
	return statusWhere(ctx, tx.tx, `account_id = ? AND reblog_of_id = ? AND deleted_at = 0`, accountID, statusID)
}

// LocalRebloggers returns the local accounts that boosted a status (they
// are told when it is edited, as Mastodon does).
func (tx *Tx) LocalRebloggers(ctx context.Context, statusID int64) ([]int64, error) {
	ids, err := queryIDs(ctx, tx.tx, `SELECT DISTINCT s.account_id FROM statuses s JOIN accounts a ON a.id = s.account_id
		WHERE s.reblog_of_id = ? AND s.deleted_at = 0 AND a.domain = ''`, statusID)
	if err != nil {
		return nil, fmt.Errorf("rebloggers of %d: %w", statusID, err)
	}
	return ids, nil
}

// Replies returns the visible direct replies to a status, oldest first.
func (db *DB) Replies(ctx context.Context, statusID int64, limit int) ([]Status, error) {
	return queryStatuses(ctx, db.read, `SELECT `+statusCols+` FROM statuses WHERE in_reply_to_id = ? AND deleted_at = 0
		ORDER BY id LIMIT ?`, statusID, limit)
}

// AttachReplyParent links statuses that replied to uri before it was known.
func (tx *Tx) AttachReplyParent(ctx context.Context, parent Status) error {
	_, err := tx.tx.ExecContext(ctx, `UPDATE statuses SET in_reply_to_id = ?, in_reply_to_account_id = ?
		WHERE in_reply_to_uri = ? AND in_reply_to_id IS NULL AND in_reply_to_uri <> ''`, parent.ID, parent.AccountID, parent.URI)
	if err != nil {
		return fmt.Errorf("attach replies to %d: %w", parent.ID, err)
	}
	return nil
}
