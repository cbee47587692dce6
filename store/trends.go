package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Trends rank what was recently popular here, as Mastodon's explore does.
// A status can trend only when it is a public original with media, neither
// sensitive nor behind a content warning nor a reply, by an account that is
// discoverable, not suspended or deleted, and not on a domain the admin
// blocked (Mastodon keeps sensitive posts and replies out of trends too).
// The queries start from the engagement and tag uses of recent statuses
// only: status ids carry their time, so "recent" is an index range.

// TrendFilter selects a trends list.
type TrendFilter struct {
	Since      time.Time // only statuses newer than this count
	Viewer     int64     // 0: anonymous; else also hides what the viewer blocks or mutes
	Generated  bool      // only statuses carrying generated images
	ExcludeTag string    // a hashtag (lower-case, no '#') that never trends, e.g. the AI label's
	Limit      int       // 0 means 20
	Offset     int
}

// trendableStatus is the condition on statuses s and their author a for a
// status to count towards trends.
const trendableStatus = ` s.visibility = 'public' AND s.deleted_at = 0 AND s.reblog_of_id IS NULL
	AND s.sensitive = 0 AND s.spoiler_text = '' AND s.in_reply_to_id IS NULL AND s.in_reply_to_uri = ''
	AND a.discoverable = 1 AND a.suspended_at = 0 AND a.deleted_at = 0
	AND NOT EXISTS (SELECT 1 FROM domain_blocks b WHERE a.domain <> ''
		AND (a.domain = b.domain OR substr(a.domain, length(a.domain) - length(b.domain)) = '.' || b.domain))`

// TrendingStatuses lists trendable statuses created after f.Since that were
// favourited or boosted by someone other than their author, highest score
// first: (favourites + 2·boosts) / (hours since posting + 2)^1.5, so a fresh
// post with a few likes overtakes an older one with more. Ties go to the
// newer status. Paging is by f.Offset, as Mastodon's trends are.
func (db *DB) TrendingStatuses(ctx context.Context, f TrendFilter) ([]Status, error) {
	list, err := queryStatuses(ctx, db.read, trendingStatusesSQL(f), trendArgs(db, f)...)
	if err != nil {
		return nil, fmt.Errorf("trending statuses: %w", err)
	}
	return list, nil
}

func trendingStatusesSQL(f TrendFilter) string {
	return `WITH eng(status_id, actor_id, points) AS (
			SELECT status_id, account_id, 1 FROM favourites WHERE status_id >= :since
			UNION ALL
			SELECT reblog_of_id, account_id, 2 FROM statuses WHERE reblog_of_id >= :since AND deleted_at = 0),
		score(status_id, points) AS MATERIALIZED (
			SELECT e.status_id, sum(e.points) FROM eng e JOIN statuses o ON o.id = e.status_id
			WHERE e.actor_id <> o.account_id GROUP BY e.status_id)
		SELECT ` + statusColsS + ` FROM score p JOIN statuses s ON s.id = p.status_id
		JOIN accounts a ON a.id = s.account_id
		WHERE` + trendableStatus + trendExtras(f, "s.account_id") + `
		ORDER BY p.points / pow(CASE WHEN s.created_at < :now THEN :now - s.created_at ELSE 0 END / 3600000.0 + 2, 1.5) DESC, s.id DESC
		LIMIT :limit OFFSET :offset`
}

// TrendingTag is a hashtag with its recent use.
type TrendingTag struct {
	Tag      Tag
	Accounts int64 // distinct authors since f.Since
	Uses     int64 // statuses since f.Since
}

// TrendingTags lists the hashtags of trendable statuses created after
// f.Since, by how many distinct accounts used them (then by uses, then by
// name). f.Generated is ignored; f.ExcludeTag never appears.
func (db *DB) TrendingTags(ctx context.Context, f TrendFilter) ([]TrendingTag, error) {
	f.Generated = false
	rows, err := db.read.QueryContext(ctx, trendingTagsSQL(f), trendArgs(db, f)...)
	if err != nil {
		return nil, fmt.Errorf("trending tags: %w", err)
	}
	defer rows.Close()
	out := []TrendingTag{}
	for rows.Next() {
		var tt TrendingTag
		if err := rows.Scan(&tt.Tag.ID, &tt.Tag.Name, &tt.Accounts, &tt.Uses); err != nil {
			return nil, fmt.Errorf("scan trending tag: %w", err)
		}
		out = append(out, tt)
	}
	return out, rows.Err()
}

func trendingTagsSQL(f TrendFilter) string {
	return `SELECT t.id, t.name, count(DISTINCT s.account_id) AS accounts, count(*) AS uses
		FROM status_tags st JOIN statuses s ON s.id = st.status_id JOIN accounts a ON a.id = s.account_id
		JOIN tags t ON t.id = st.tag_id
		WHERE st.status_id >= :since AND t.name <> :exclude AND` + trendableStatus + trendExtras(f, "s.account_id") + `
		GROUP BY t.id ORDER BY accounts DESC, uses DESC, t.name LIMIT :limit OFFSET :offset`
}

// trendExtras adds the media condition, the generated-only condition and
// the viewer's blocks and mutes to a trends query.
func trendExtras(f TrendFilter, authorCol string) string {
	var b strings.Builder
	b.WriteString(hasMedia)
	if f.Generated {
		b.WriteString(` AND s.generated = 1`)
	}
	if f.Viewer != 0 {
		b.WriteString(viewerExclusions(authorCol))
	}
	return b.String()
}

func trendArgs(db *DB, f TrendFilter) []any {
	limit := f.Limit
	if limit <= 0 {
		limit = 20
	}
	return []any{named("since", MinIDAt(f.Since)), named("now", ms(db.Now())), named("viewer", f.Viewer),
		named("exclude", strings.ToLower(f.ExcludeTag)), named("limit", limit), named("offset", max(f.Offset, 0))}
}
