package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// viewerExclusions hides the statuses of accounts the viewer blocks or
// mutes, that block the viewer or that are on a domain the viewer blocks
// (user_domain_blocks); authorCol names the column holding the author. The
// viewer is the named parameter :viewer.
//
// Each condition is "NOT EXISTS (rows) OR author NOT IN (list)": the engine
// answers the uncorrelated rows once per statement with one index probe,
// and builds the list, once per statement as well, only when it may hold
// something. Most viewers block, mute and hide nothing, and their pages
// then build no list at all.
func viewerExclusions(authorCol string) string {
	// One expression: one allocation (it is built for every page).
	return ` AND (NOT EXISTS (SELECT 1 FROM blocks WHERE account_id = :viewer)
			OR ` + authorCol + ` NOT IN (SELECT target_account_id FROM blocks WHERE account_id = :viewer))
		AND (NOT EXISTS (SELECT 1 FROM mutes WHERE account_id = :viewer)
			OR ` + authorCol + ` NOT IN (SELECT target_account_id FROM mutes WHERE account_id = :viewer))
		AND (NOT EXISTS (SELECT 1 FROM blocks WHERE target_account_id = :viewer)
			OR ` + authorCol + ` NOT IN (SELECT account_id FROM blocks WHERE target_account_id = :viewer))
		AND (NOT EXISTS (SELECT 1 FROM user_domain_blocks WHERE account_id = :viewer)
			OR ` + authorCol + ` NOT IN (SELECT uda.id FROM user_domain_blocks udb JOIN accounts uda ON uda.domain = udb.domain
				WHERE udb.account_id = :viewer))`
}

// notSuspended hides the statuses of suspended accounts (Mastodon shows
// none in public, hashtag or profile timelines); authorCol names the column
// holding the author. Its condition has viewerExclusions' form, and both
// of its queries read the accounts_suspended index, which holds only
// suspended accounts.
func notSuspended(authorCol string) string {
	return ` AND (NOT EXISTS (SELECT 1 FROM accounts WHERE suspended_at <> 0)
			OR ` + authorCol + ` NOT IN (SELECT id FROM accounts WHERE suspended_at <> 0))`
}

// statusColsS is statusCols for a query where statuses is aliased "s".
const statusColsS = `s.id, s.uri, s.url, s.account_id, s.local, s.content, s.text, s.spoiler_text, s.sensitive, s.visibility,
	s.language, COALESCE(s.in_reply_to_id, 0), s.in_reply_to_uri, COALESCE(s.in_reply_to_account_id, 0),
	COALESCE(s.reblog_of_id, 0), s.generated, s.created_at, s.edited_at, s.deleted_at`

func named(name string, v any) any { return sql.Named(name, v) }

// pageNamed turns a page condition's positional args into named ones so they
// mix with :viewer.
func pageNamed(p Page, col string) (cond string, args []any, order string) {
	cond, pos, order := p.where(col)
	for i := range pos {
		name := fmt.Sprintf("p%d", i)
		cond = strings.Replace(cond, "?", ":"+name, 1)
		args = append(args, named(name, pos[i]))
	}
	return cond, args, order
}

// HomeTimeline lists accountID's home feed, newest first: its own posts and
// boosts, those of the accounts it follows (accepted follows), and direct
// posts mentioning it, public posts with a hashtag it follows, without
// deleted posts, posts of blocked, muted or suspended accounts or of
// members of its exclusive lists. Boosts are left out as Mastodon's home
// feed leaves them out: those of such an account's statuses, and those of
// an account followed with boosts hidden (Follow.HideReblogs). It reads the
// home_feed table, one index range scan per page.
func (db *DB) HomeTimeline(ctx context.Context, accountID int64, p Page) ([]Status, error) {
	cond, args, order := pageNamed(p, "h.status_id")
	where := ` AND ` + cond + homeFeedConds + ` ORDER BY ` + order
	sel := func(idsOnly bool) string {
		return `SELECT ` + pick(idsOnly, "h.status_id", statusColsS) + ` FROM home_feed h JOIN statuses s ON s.id = h.status_id
		WHERE h.account_id = :viewer AND s.deleted_at = 0` + where + ` LIMIT :limit`
	}
	// Deleted statuses stay in home_feed but are few: the loose statement
	// reads home_feed alone, without a probe of statuses per row.
	loose := `SELECT h.status_id FROM home_feed h WHERE h.account_id = :viewer` + where + ` LIMIT :limit + ` + fmt.Sprint(looseSlack)
	args = append(args, named("viewer", accountID), named("limit", p.limit()))
	list, err := db.timeline(ctx, p, sel, loose, args)
	if err != nil {
		return nil, fmt.Errorf("home timeline of %d: %w", accountID, err)
	}
	return list, nil
}

// homeFeedConds are the conditions on a home_feed row (aliased h, the
// reader :viewer) that HomeTimeline and InHomeFeed share.
var homeFeedConds = viewerExclusions("h.author_id") + notSuspended("h.author_id") +
	boostExclusions("h.author_id", "h.boosted_author_id") + exclusiveListCond

// InHomeFeed reports whether statusID is on reader's home timeline: in its
// home_feed and not left out by the conditions HomeTimeline applies. The
// home stream sends a status only then.
func (db *DB) InHomeFeed(ctx context.Context, reader, statusID int64) (bool, error) {
	return inHomeFeed(ctx, db.read, reader, statusID)
}

func inHomeFeed(ctx context.Context, q querier, reader, statusID int64) (bool, error) {
	in, err := exists(ctx, q, `SELECT 1 FROM home_feed h WHERE h.account_id = :viewer AND h.status_id = :status`+homeFeedConds,
		named("viewer", reader), named("status", statusID))
	if err != nil {
		return false, fmt.Errorf("home feed of %d: %w", reader, err)
	}
	return in, nil
}

// exists reports whether the query q finds a row.
func exists(ctx context.Context, q querier, query string, args ...any) (found bool, err error) {
	err = q.QueryRowContext(ctx, `SELECT EXISTS (`+query+`)`, args...).Scan(&found)
	return found, err
}

// PostSubscribers returns the local accounts to notify of a new status:
// its author's accepted local followers who asked for it (Follow.Notify),
// when it is neither a boost nor a reply to another account, and only
// those whose home timeline shows it (no mutes, blocks or hidden domains in
// the way), as Mastodon notifies on its home feed insert.
func (tx *Tx) PostSubscribers(ctx context.Context, statusID int64) ([]int64, error) {
	ids, err := queryIDs(ctx, tx.tx, `SELECT f.account_id FROM statuses s
		JOIN follows f ON f.target_account_id = s.account_id AND f.notify = 1 AND f.accepted = 1
		JOIN users u ON u.account_id = f.account_id
		WHERE s.id = ? AND s.reblog_of_id IS NULL
			AND COALESCE(s.in_reply_to_account_id, s.account_id) = s.account_id
		ORDER BY f.account_id`, statusID)
	if err != nil {
		return nil, fmt.Errorf("post subscribers of %d: %w", statusID, err)
	}
	out := ids[:0]
	for _, id := range ids {
		in, err := inHomeFeed(ctx, tx.tx, id, statusID)
		if err != nil {
			return nil, err
		}
		if in {
			out = append(out, id)
		}
	}
	return out, nil
}

// ShownInPublicFeeds reports whether viewer's public and hashtag timelines
// may show statusID by its author: not an account the viewer blocks, mutes
// or hides by domain, that blocks the viewer or that is suspended (nor, for
// a boost, such a boosted author). The public and hashtag streams ask it
// per subscriber, as those timelines' statements decide it per page.
func (db *DB) ShownInPublicFeeds(ctx context.Context, viewer, statusID int64) (bool, error) {
	shown, err := exists(ctx, db.read, `SELECT 1 FROM statuses s WHERE s.id = :status`+publicFeedConds,
		named("viewer", viewer), named("status", statusID))
	if err != nil {
		return false, fmt.Errorf("status %d for %d: %w", statusID, viewer, err)
	}
	return shown, nil
}

// publicFeedConds are ShownInPublicFeeds' conditions on a status s.
var publicFeedConds = viewerExclusions("s.account_id") + notSuspended("s.account_id") +
	boostExclusions("s.account_id", boostedAuthorOfS)

// boostedAuthorOfS is the author of the status a status s boosts, 0 when
// s is no boost: one primary-key probe, made only for boosts.
const boostedAuthorOfS = `COALESCE((SELECT o.account_id FROM statuses o WHERE o.id = s.reblog_of_id), 0)`

// boostExclusions leaves out the boosts Mastodon's home and list feeds
// leave out: those of a status by an account the reader (:viewer) blocks,
// mutes or hides by domain, that blocks the reader or that is suspended,
// and those by an account the reader follows with boosts hidden
// (Follow.HideReblogs). boosterCol holds the booster, boostedCol the
// boosted status's author (0 when the row is not a boost). Most readers
// hide no boosts, and the partial index follows_hiding_reblogs answers
// that with one probe.
func boostExclusions(boosterCol, boostedCol string) string {
	return viewerExclusions(boostedCol) + notSuspended(boostedCol) + ` AND (` + boostedCol + ` = 0
		OR NOT EXISTS (SELECT 1 FROM follows WHERE account_id = :viewer AND show_reblogs = 0)
		OR ` + boosterCol + ` NOT IN (SELECT target_account_id FROM follows WHERE account_id = :viewer AND show_reblogs = 0))`
}

// PublicFilter selects the public timeline.
type PublicFilter struct {
	Viewer    int64 // 0: anonymous; else hides blocked and muted accounts
	Local     bool  // only local posts
	Remote    bool  // only remote posts
	OnlyMedia bool  // only posts with attachments
}

// PublicTimeline lists public original posts (no boosts), newest first,
// without those of suspended accounts.
func (db *DB) PublicTimeline(ctx context.Context, f PublicFilter, p Page) ([]Status, error) {
	cond, args, order := pageNamed(p, "s.id")
	where := ` FROM statuses s
		WHERE s.visibility = 'public' AND s.deleted_at = 0 AND s.reblog_of_id IS NULL AND ` + cond +
		publicFilterCond(f, "s") + ` ORDER BY ` + order + ` LIMIT :limit`
	sel := func(idsOnly bool) string { return `SELECT ` + pick(idsOnly, "s.id", statusColsS) + where }
	args = append(args, named("viewer", f.Viewer), named("limit", p.limit()))
	list, err := db.timeline(ctx, p, sel, "", args)
	if err != nil {
		return nil, fmt.Errorf("public timeline: %w", err)
	}
	return list, nil
}

// pick returns a if cond, else b.
func pick(cond bool, a, b string) string {
	if cond {
		return a
	}
	return b
}

// TagQuery names the hashtags (lower-cased, no '#') of a tag timeline, as
// Mastodon's any[], all[] and none[]: a post matches when it carries one of
// Any, every one of All and none of None. Any[0] is the timeline's own
// hashtag: when no post ever used it, nothing matches, as Mastodon answers.
type TagQuery struct {
	Any, All, None []string
}

// TagTimeline lists public posts matching q, newest first. Each hashtag of
// q.Any is read as its own range of the (tag_id, status_id) index, filtered
// and cut to the page size, and the ranges are merged, so a page costs a
// few index range scans however many posts the tags carry; All and None
// are primary-key probes of status_tags. One statement does it all, the
// hashtags' ids included: a hashtag no post ever used matches nothing.
func (db *DB) TagTimeline(ctx context.Context, q TagQuery, f PublicFilter, p Page) ([]Status, error) {
	if len(q.Any) == 0 {
		return nil, nil
	}
	sel, args := tagTimelineQuery(q, f, p)
	list, err := db.timeline(ctx, p, sel, "", args)
	if err != nil {
		return nil, fmt.Errorf("tag timeline %v: %w", q.Any, err)
	}
	return list, nil
}

// tagID is the id of the hashtag named by the parameter param, NULL when no
// post ever used it (so that "tag_id = NULL" matches nothing).
func tagID(param string) string { return `(SELECT id FROM tags WHERE name = :` + param + `)` }

// tagTimelineQuery builds TagTimeline's statement: one branch per hashtag
// of q.Any, each a range of the (tag_id, status_id) index cut to the page
// size, merged, and joined to statuses by id unless only the ids are
// selected. A hashtag of All that no post used matches nothing, one of
// None excludes nothing, and nothing matches unless Any[0] was used.
func tagTimelineQuery(q TagQuery, f PublicFilter, p Page) (func(idsOnly bool) string, []any) {
	cond, args, order := pageNamed(p, "st.status_id")
	branch := ` FROM status_tags st JOIN statuses s ON s.id = st.status_id
		WHERE st.tag_id = ` + tagID("t%d") + ` AND s.visibility = 'public' AND s.deleted_at = 0 AND ` + cond
	if len(q.Any) > 1 {
		branch += ` AND EXISTS ` + tagID("t0")
	}
	for i, name := range q.All {
		branch += fmt.Sprintf(` AND EXISTS (SELECT 1 FROM status_tags a WHERE a.status_id = st.status_id AND a.tag_id = %s)`,
			tagID(fmt.Sprintf("a%d", i)))
		args = append(args, named(fmt.Sprintf("a%d", i), name))
	}
	for i, name := range q.None {
		branch += fmt.Sprintf(` AND NOT EXISTS (SELECT 1 FROM status_tags n WHERE n.status_id = st.status_id AND n.tag_id = %s)`,
			tagID(fmt.Sprintf("n%d", i)))
		args = append(args, named(fmt.Sprintf("n%d", i), name))
	}
	branch += publicFilterCond(f, "s") + ` ORDER BY ` + order + ` LIMIT :limit`
	args = append(args, named("viewer", f.Viewer), named("limit", p.limit()))
	if len(q.Any) == 1 { // the branch is the statement
		one := strings.ReplaceAll(branch, "%d", "0")
		return func(idsOnly bool) string { return `SELECT ` + pick(idsOnly, "st.status_id", statusColsS) + one },
			append(args, named("t0", q.Any[0]))
	}
	parts := make([]string, len(q.Any))
	for i, name := range q.Any {
		// PostgreSQL before 16 wants every subquery in FROM named.
		parts[i] = `SELECT status_id FROM (SELECT st.status_id` + strings.ReplaceAll(branch, "%d", fmt.Sprint(i)) +
			fmt.Sprintf(`) AS b%d`, i)
		args = append(args, named(fmt.Sprintf("t%d", i), name))
	}
	_, _, outer := pageNamed(p, "m.status_id")
	union := strings.Join(parts, ` UNION `)
	sel := func(idsOnly bool) string {
		if idsOnly {
			return `SELECT m.status_id FROM (` + union + `) m ORDER BY ` + outer + ` LIMIT :limit`
		}
		return `SELECT ` + statusColsS + ` FROM (` + union + `) m JOIN statuses s ON s.id = m.status_id
		ORDER BY ` + outer + ` LIMIT :limit`
	}
	return sel, args
}

// publicFilterCond is f's local, remote, media and viewer conditions on
// statuses aliased alias, and the exclusion of suspended authors.
func publicFilterCond(f PublicFilter, alias string) string {
	q := notSuspended(alias + ".account_id")
	if f.Local {
		q += ` AND ` + alias + `.local = 1`
	}
	if f.Remote {
		q += ` AND ` + alias + `.local = 0`
	}
	if f.OnlyMedia {
		q += ` AND EXISTS (SELECT 1 FROM media_attachments m WHERE m.status_id = ` + alias + `.id)`
	}
	if f.Viewer != 0 {
		q += viewerExclusions(alias + ".account_id")
	}
	return q
}

// AccountFilter selects an account's statuses, as the parameters of
// GET /api/v1/accounts/:id/statuses do.
type AccountFilter struct {
	Visibilities []string // nil: all
	// Profile keeps the statuses Viewer (0: anonymous) may see on the
	// account's profile, as Mastodon's AccountStatusesFilter: all of them
	// when Viewer is the account; else public and unlisted ones,
	// followers-only ones too for an accepted follower, and none when either
	// blocks the other. The statement decides it, with no query before.
	Profile        bool
	Viewer         int64
	OnlyMedia      bool
	ExcludeReplies bool // replies to others are hidden; self-replies stay
	ExcludeReblogs bool
	Pinned         bool
	Tagged         string
}

// AccountTimeline lists an account's live statuses, newest first; a
// suspended account has none, and its statuses boosted by others show
// nowhere.
func (db *DB) AccountTimeline(ctx context.Context, accountID int64, f AccountFilter, p Page) ([]Status, error) {
	cond, args, order := pageNamed(p, "s.id")
	q := ` FROM statuses s WHERE s.account_id = :account AND s.deleted_at = 0 AND ` + cond + notSuspended("s.account_id")
	for i, v := range f.Visibilities {
		if i == 0 {
			q += ` AND s.visibility IN (`
		} else {
			q += `, `
		}
		name := fmt.Sprintf("v%d", i)
		q += ":" + name
		args = append(args, named(name, v))
		if i == len(f.Visibilities)-1 {
			q += `)`
		}
	}
	// A boost of a suspended account's status shows to nobody; on a
	// profile, a boost of a status by an account the viewer blocks, mutes
	// or hides by domain, or that blocks the viewer, shows neither (as
	// Mastodon's AccountStatusesFilter leaves them out).
	q += notSuspended(boostedAuthorOfS)
	if f.Profile && f.Viewer != 0 {
		q += viewerExclusions(boostedAuthorOfS)
	}
	if f.Profile && f.Viewer != accountID {
		q += profileCond
	}
	if f.Profile && (f.Viewer != 0 || f.Viewer != accountID) {
		args = append(args, named("viewer", f.Viewer))
	}
	if f.OnlyMedia {
		q += ` AND EXISTS (SELECT 1 FROM media_attachments m WHERE m.status_id = s.id)`
	}
	if f.ExcludeReplies {
		q += ` AND (s.in_reply_to_id IS NULL AND s.in_reply_to_uri = '' OR s.in_reply_to_account_id = s.account_id)`
	}
	if f.ExcludeReblogs {
		q += ` AND s.reblog_of_id IS NULL`
	}
	if f.Pinned {
		q += ` AND s.id IN (SELECT status_id FROM status_pins WHERE account_id = :account)`
	}
	if f.Tagged != "" {
		q += ` AND s.id IN (SELECT st.status_id FROM status_tags st JOIN tags t ON t.id = st.tag_id WHERE t.name = :tag)`
		args = append(args, named("tag", strings.ToLower(f.Tagged)))
	}
	q += ` ORDER BY ` + order + ` LIMIT :limit`
	sel := func(idsOnly bool) string { return `SELECT ` + pick(idsOnly, "s.id", statusColsS) + q }
	args = append(args, named("account", accountID), named("limit", p.limit()))
	list, err := db.timeline(ctx, p, sel, "", args)
	if err != nil {
		return nil, fmt.Errorf("statuses of %d: %w", accountID, err)
	}
	return list, nil
}

// profileCond is AccountFilter.Profile for a viewer other than the
// account: its subqueries name no column of s, so each runs once.
const profileCond = ` AND s.visibility IN ('public', 'unlisted', CASE WHEN EXISTS (SELECT 1 FROM follows pf
			WHERE pf.account_id = :viewer AND pf.target_account_id = :account AND pf.accepted = 1) THEN 'private' ELSE 'public' END)
		AND NOT EXISTS (SELECT 1 FROM blocks pb WHERE pb.account_id = :viewer AND pb.target_account_id = :account)
		AND NOT EXISTS (SELECT 1 FROM blocks pb WHERE pb.account_id = :account AND pb.target_account_id = :viewer)`

// Ancestors returns the known chain of parents of st, oldest first, at most
// limit long.
func (db *DB) Ancestors(ctx context.Context, st Status, limit int) ([]Status, error) {
	var out []Status
	for id := st.InReplyToID; id != 0 && len(out) < limit; {
		parent, err := db.StatusByID(ctx, id)
		if errors.Is(err, ErrNotFound) {
			break
		}
		if err != nil {
			return nil, err
		}
		if parent.DeletedAt.IsZero() {
			out = append(out, parent)
		}
		id = parent.InReplyToID
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}

// Descendants returns the live replies to statusID and their replies, depth
// first in reply order as Mastodon shows a thread, at most limit of them.
func (db *DB) Descendants(ctx context.Context, statusID int64, limit int) ([]Status, error) {
	q := db.eng.q.descendants
	list, err := queryStatuses(ctx, db.read, q, statusID, limit)
	if err != nil {
		return nil, fmt.Errorf("descendants of %d: %w", statusID, err)
	}
	return list, nil
}

// KeyedIDs are ids listed with the keys their list is paginated by (e.g.
// the favourite's id for a list of favourited statuses).
type KeyedIDs struct {
	Keys []int64
	IDs  []int64
}

func (db *DB) keyedIDs(ctx context.Context, q string, p Page, args ...any) (KeyedIDs, error) {
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return KeyedIDs{}, fmt.Errorf("keyed list: %w", err)
	}
	defer rows.Close()
	var out KeyedIDs
	for rows.Next() {
		var k, id int64
		if err := rows.Scan(&k, &id); err != nil {
			return KeyedIDs{}, fmt.Errorf("keyed list: %w", err)
		}
		out.Keys, out.IDs = append(out.Keys, k), append(out.IDs, id)
	}
	out.Keys, out.IDs = reverseIfMin(p, out.Keys), reverseIfMin(p, out.IDs)
	return out, rows.Err()
}

// keyedList runs "SELECT key, id FROM <from> WHERE <where> AND <page> ORDER
// BY key LIMIT" with the page on keyCol.
func (db *DB) keyedList(ctx context.Context, keyCol, idCol, from, where string, p Page, args ...any) (KeyedIDs, error) {
	cond, pargs, order := p.where(keyCol)
	q := `SELECT ` + keyCol + `, ` + idCol + ` FROM ` + from + ` WHERE ` + where + ` AND ` + cond + ` ORDER BY ` + order + ` LIMIT ?`
	args = append(append(args, pargs...), p.limit())
	return db.keyedIDs(ctx, q, p, args...)
}

// FavouritedBy lists who liked a status (account ids), keyed by the like.
func (db *DB) FavouritedBy(ctx context.Context, statusID int64, p Page) (KeyedIDs, error) {
	return db.keyedList(ctx, "id", "account_id", "favourites", "status_id = ?", p, statusID)
}

// RebloggedBy lists who boosted a status (account ids), keyed by the boost.
func (db *DB) RebloggedBy(ctx context.Context, statusID int64, p Page) (KeyedIDs, error) {
	return db.keyedList(ctx, "id", "account_id", "statuses", "reblog_of_id = ? AND deleted_at = 0", p, statusID)
}

// FavouritesOf lists the statuses accountID liked, keyed by the like.
func (db *DB) FavouritesOf(ctx context.Context, accountID int64, p Page) (KeyedIDs, error) {
	return db.keyedList(ctx, "id", "status_id", "favourites", "account_id = ?", p, accountID)
}

// BookmarksOf lists the statuses accountID bookmarked, keyed by the bookmark.
func (db *DB) BookmarksOf(ctx context.Context, accountID int64, p Page) (KeyedIDs, error) {
	return db.keyedList(ctx, "id", "status_id", "bookmarks", "account_id = ?", p, accountID)
}

// BlocksOf lists the accounts accountID blocks, keyed by the block.
func (db *DB) BlocksOf(ctx context.Context, accountID int64, p Page) (KeyedIDs, error) {
	return db.keyedList(ctx, "id", "target_account_id", "blocks", "account_id = ?", p, accountID)
}

// MutesOf lists the accounts accountID mutes, keyed by the mute.
func (db *DB) MutesOf(ctx context.Context, accountID int64, p Page) (KeyedIDs, error) {
	return db.keyedList(ctx, "id", "target_account_id", "mutes", "account_id = ?", p, accountID)
}

// SearchAccounts finds live accounts whose username, handle or display name
// starts with q (case-insensitive), local ones and those the viewer follows
// first, at most limit of them after skipping offset.
func (db *DB) SearchAccounts(ctx context.Context, viewer int64, q string, limit, offset int) ([]Account, error) {
	q = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(q), "@"))
	user, domain, _ := strings.Cut(q, "@")
	like := escapeLike(user) + "%"
	args := []any{like, like, domain, viewer, limit, offset}
	return queryAccounts(ctx, db.read, `SELECT `+accountCols+` FROM accounts
		WHERE deleted_at = 0 AND suspended_at = 0 AND actor_type <> 'Application'
			AND (lower(username) LIKE ?1 ESCAPE '\' OR lower(display_name) LIKE ?2 ESCAPE '\')
			AND (?3 = '' OR domain LIKE ?3 || '%')
		ORDER BY (domain = '') DESC,
			EXISTS (SELECT 1 FROM follows f WHERE f.account_id = ?4 AND f.target_account_id = accounts.id) DESC,
			lower(username) = ?1 DESC, username
		LIMIT ?5 OFFSET ?6`, args...)
}

// SearchTags returns hashtag names starting with q, shortest first.
func (db *DB) SearchTags(ctx context.Context, q string, limit int) ([]string, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT name FROM tags WHERE name LIKE ? ESCAPE '\' ORDER BY length(name), name LIMIT ?`,
		escapeLike(strings.ToLower(strings.TrimPrefix(q, "#")))+"%", limit)
	if err != nil {
		return nil, fmt.Errorf("search tags: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("search tags: %w", err)
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
