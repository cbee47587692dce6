package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Filter actions, as Mastodon names them.
const (
	FilterWarn = "warn" // show behind a warning naming the filter
	FilterHide = "hide" // leave the status out
	FilterBlur = "blur" // show, with the media hidden behind a warning
)

// Filter is one of an account's keyword filters (Mastodon's v2 filter) with
// its keywords and its individually filtered statuses, both in id order.
type Filter struct {
	ID        int64
	AccountID int64
	Title     string
	Context   []string // home, notifications, public, thread, account
	Action    string   // FilterWarn, FilterHide or FilterBlur
	ExpiresAt time.Time
	CreatedAt time.Time
	Keywords  []FilterKeyword
	Statuses  []FilterStatus
}

// FilterKeyword is one keyword of a filter.
type FilterKeyword struct {
	ID        int64
	FilterID  int64
	Keyword   string
	WholeWord bool
}

// FilterStatus is one status a filter matches by id.
type FilterStatus struct {
	ID       int64
	FilterID int64
	StatusID int64
}

const filterCols = `id, account_id, title, context, action, expires_at, created_at`

func scanFilter(s scanner) (Filter, error) {
	var f Filter
	var ctxs string
	var expires, created int64
	if err := s.Scan(&f.ID, &f.AccountID, &f.Title, &ctxs, &f.Action, &expires, &created); err != nil {
		return Filter{}, err
	}
	if ctxs != "" {
		f.Context = strings.Split(ctxs, ",")
	}
	f.ExpiresAt, f.CreatedAt = fromMS(expires), fromMS(created)
	return f, nil
}

// FiltersOf returns accountID's filters in id order, expired ones included,
// with their keywords and statuses. Every page of statuses a signed-in
// viewer reads asks for them, so they are cached per account while none of
// the filter tables has changed (tableVersions, exact on commit); an
// account without filters costs one indexed query the first time. The
// keyword and status slices are shared: callers must not modify them.
func (db *DB) FiltersOf(ctx context.Context, accountID int64) ([]Filter, error) {
	v, ok := db.versions.of(filterTables...)
	if ok {
		db.filterCache.mu.Lock()
		c, hit := db.filterCache.m[accountID]
		db.filterCache.mu.Unlock()
		if hit && c.version == v {
			return slices.Clone(c.list), nil
		}
	}
	list, err := filtersWhere(ctx, db.read, `account_id = ?`, accountID)
	if err != nil || !ok {
		return list, err
	}
	db.filterCache.mu.Lock()
	if db.filterCache.m == nil || len(db.filterCache.m) >= maxCachedFilterSets {
		db.filterCache.m = map[int64]cachedFilters{}
	}
	db.filterCache.m[accountID] = cachedFilters{version: v, list: slices.Clip(list)}
	db.filterCache.mu.Unlock()
	return slices.Clone(list), nil
}

// filterTables are the tables FiltersOf reads.
var filterTables = []string{"filters", "filter_keywords", "filter_statuses"}

// maxCachedFilterSets bounds FiltersOf's cache (accounts).
const maxCachedFilterSets = 10_000

// filterCache keeps FiltersOf's answers with the version of filterTables
// they were read at.
type filterCache struct {
	mu sync.Mutex
	m  map[int64]cachedFilters
}

type cachedFilters struct {
	version uint64
	list    []Filter
}

// FilterByID returns accountID's filter id, or ErrNotFound when there is
// none or it belongs to someone else.
func (db *DB) FilterByID(ctx context.Context, accountID, id int64) (Filter, error) {
	return filterByID(ctx, db.read, accountID, id)
}

// FilterByID is DB.FilterByID inside the transaction.
func (tx *Tx) FilterByID(ctx context.Context, accountID, id int64) (Filter, error) {
	return filterByID(ctx, tx.tx, accountID, id)
}

func filterByID(ctx context.Context, q querier, accountID, id int64) (Filter, error) {
	list, err := filtersWhere(ctx, q, `account_id = ? AND id = ?`, accountID, id)
	if err != nil {
		return Filter{}, err
	}
	if len(list) == 0 {
		return Filter{}, ErrNotFound
	}
	return list[0], nil
}

func filtersWhere(ctx context.Context, q querier, where string, args ...any) ([]Filter, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+filterCols+` FROM filters WHERE `+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("filters: %w", err)
	}
	var out []Filter
	index := map[int64]int{}
	for rows.Next() {
		f, err := scanFilter(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("scan filter: %w", err)
		}
		index[f.ID] = len(out)
		out = append(out, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	if err := loadFilterChildren(ctx, q, out, index); err != nil {
		return nil, err
	}
	return out, nil
}

// loadFilterChildren fills the keywords and statuses of list.
func loadFilterChildren(ctx context.Context, q querier, list []Filter, index map[int64]int) error {
	ids := make([]any, 0, len(list))
	for _, f := range list {
		ids = append(ids, f.ID)
	}
	in := placeholders(len(ids))
	kws, err := queryFilterKeywords(ctx, q, `filter_id IN (`+in+`)`, ids...)
	if err != nil {
		return err
	}
	for _, k := range kws {
		f := &list[index[k.FilterID]]
		f.Keywords = append(f.Keywords, k)
	}
	sts, err := queryFilterStatuses(ctx, q, `filter_id IN (`+in+`)`, ids...)
	if err != nil {
		return err
	}
	for _, s := range sts {
		f := &list[index[s.FilterID]]
		f.Statuses = append(f.Statuses, s)
	}
	return nil
}

func queryFilterKeywords(ctx context.Context, q querier, where string, args ...any) ([]FilterKeyword, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, filter_id, keyword, whole_word FROM filter_keywords WHERE `+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("filter keywords: %w", err)
	}
	defer rows.Close()
	var out []FilterKeyword
	for rows.Next() {
		var k FilterKeyword
		var whole int
		if err := rows.Scan(&k.ID, &k.FilterID, &k.Keyword, &whole); err != nil {
			return nil, fmt.Errorf("scan filter keyword: %w", err)
		}
		k.WholeWord = whole != 0
		out = append(out, k)
	}
	return out, rows.Err()
}

func queryFilterStatuses(ctx context.Context, q querier, where string, args ...any) ([]FilterStatus, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, filter_id, status_id FROM filter_statuses WHERE `+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("filter statuses: %w", err)
	}
	defer rows.Close()
	var out []FilterStatus
	for rows.Next() {
		var s FilterStatus
		if err := rows.Scan(&s.ID, &s.FilterID, &s.StatusID); err != nil {
			return nil, fmt.Errorf("scan filter status: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// FilterKeywordByID returns keyword id of one of accountID's filters, or
// ErrNotFound.
func (db *DB) FilterKeywordByID(ctx context.Context, accountID, id int64) (FilterKeyword, error) {
	return filterKeywordByID(ctx, db.read, accountID, id)
}

// FilterKeywordByID is DB.FilterKeywordByID inside the transaction.
func (tx *Tx) FilterKeywordByID(ctx context.Context, accountID, id int64) (FilterKeyword, error) {
	return filterKeywordByID(ctx, tx.tx, accountID, id)
}

func filterKeywordByID(ctx context.Context, q querier, accountID, id int64) (FilterKeyword, error) {
	list, err := queryFilterKeywords(ctx, q, `id = ? AND filter_id IN (SELECT id FROM filters WHERE account_id = ?)`, id, accountID)
	if err != nil {
		return FilterKeyword{}, err
	}
	if len(list) == 0 {
		return FilterKeyword{}, ErrNotFound
	}
	return list[0], nil
}

// FilterStatusByID returns filtered-status id of one of accountID's
// filters, or ErrNotFound.
func (db *DB) FilterStatusByID(ctx context.Context, accountID, id int64) (FilterStatus, error) {
	list, err := queryFilterStatuses(ctx, db.read, `id = ? AND filter_id IN (SELECT id FROM filters WHERE account_id = ?)`, id, accountID)
	if err != nil {
		return FilterStatus{}, err
	}
	if len(list) == 0 {
		return FilterStatus{}, ErrNotFound
	}
	return list[0], nil
}

// CountFilters counts accountID's filters.
func (tx *Tx) CountFilters(ctx context.Context, accountID int64) (int, error) {
	var n int
	if err := tx.tx.QueryRowContext(ctx, `SELECT count(*) FROM filters WHERE account_id = ?`, accountID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count filters: %w", err)
	}
	return n, nil
}

// InsertFilter stores f and its keywords, setting their ids and
// f.CreatedAt. f.Statuses are ignored.
func (tx *Tx) InsertFilter(ctx context.Context, f *Filter) error {
	f.ID, f.CreatedAt = tx.NewID(tx.now), tx.now
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO filters (`+filterCols+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		f.ID, f.AccountID, f.Title, strings.Join(f.Context, ","), f.Action, ms(f.ExpiresAt), ms(f.CreatedAt))
	if err != nil {
		return fmt.Errorf("insert filter: %w", err)
	}
	for i := range f.Keywords {
		f.Keywords[i].FilterID = f.ID
		if err := tx.InsertFilterKeyword(ctx, &f.Keywords[i]); err != nil {
			return err
		}
	}
	return nil
}

// UpdateFilter rewrites f's title, context, action and expiry; its keywords
// and statuses are left alone.
func (tx *Tx) UpdateFilter(ctx context.Context, f Filter) error {
	_, err := tx.tx.ExecContext(ctx, `UPDATE filters SET title = ?, context = ?, action = ?, expires_at = ?
		WHERE id = ? AND account_id = ?`, f.Title, strings.Join(f.Context, ","), f.Action, ms(f.ExpiresAt), f.ID, f.AccountID)
	if err != nil {
		return fmt.Errorf("update filter %d: %w", f.ID, err)
	}
	return nil
}

// DeleteFilter deletes accountID's filter id with its keywords and
// statuses; ErrNotFound when there is no such filter.
func (tx *Tx) DeleteFilter(ctx context.Context, accountID, id int64) error {
	return execOne(ctx, tx.tx, "delete filter", `DELETE FROM filters WHERE id = ? AND account_id = ?`, id, accountID)
}

// InsertFilterKeyword adds k to its filter, setting k.ID.
func (tx *Tx) InsertFilterKeyword(ctx context.Context, k *FilterKeyword) error {
	k.ID = tx.NewID(tx.now)
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO filter_keywords (id, filter_id, keyword, whole_word) VALUES (?, ?, ?, ?)`,
		k.ID, k.FilterID, k.Keyword, b2i(k.WholeWord))
	if err != nil {
		return fmt.Errorf("insert filter keyword: %w", err)
	}
	return nil
}

// UpdateFilterKeyword rewrites k's text and whole-word flag.
func (tx *Tx) UpdateFilterKeyword(ctx context.Context, k FilterKeyword) error {
	return execOne(ctx, tx.tx, "update filter keyword", `UPDATE filter_keywords SET keyword = ?, whole_word = ? WHERE id = ? AND filter_id = ?`,
		k.Keyword, b2i(k.WholeWord), k.ID, k.FilterID)
}

// DeleteFilterKeyword deletes keyword id of filterID; ErrNotFound when
// there is none.
func (tx *Tx) DeleteFilterKeyword(ctx context.Context, filterID, id int64) error {
	return execOne(ctx, tx.tx, "delete filter keyword", `DELETE FROM filter_keywords WHERE id = ? AND filter_id = ?`, id, filterID)
}

// InsertFilterStatus adds s to its filter, setting s.ID; ErrConflict when
// the filter already has that status.
func (tx *Tx) InsertFilterStatus(ctx context.Context, s *FilterStatus) error {
	s.ID = tx.NewID(tx.now)
	err := tx.insertNew(ctx, `INSERT INTO filter_statuses (id, filter_id, status_id) VALUES (?, ?, ?)
		ON CONFLICT DO NOTHING`, s.ID, s.FilterID, s.StatusID)
	if errors.Is(err, ErrConflict) {
		return ErrConflict
	}
	if err != nil {
		return fmt.Errorf("insert filter status: %w", err)
	}
	return nil
}

// DeleteFilterStatus deletes filtered-status id of one of accountID's
// filters; ErrNotFound when there is none.
func (tx *Tx) DeleteFilterStatus(ctx context.Context, accountID, id int64) error {
	return execOne(ctx, tx.tx, "delete filter status", `DELETE FROM filter_statuses WHERE id = ?
		AND filter_id IN (SELECT id FROM filters WHERE account_id = ?)`, id, accountID)
}

// execOne runs a statement that must change exactly one row.
func execOne(ctx context.Context, tx *sql.Tx, what, query string, args ...any) error {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}
