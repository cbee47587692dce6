package store

import (
	"context"
	"fmt"
	"time"
)

// Tag is a hashtag; Name is lower-cased, without '#'.
type Tag struct {
	ID   int64
	Name string
}

// TagByName returns the hashtag with the (lower-cased) name, or ErrNotFound.
func (db *DB) TagByName(ctx context.Context, name string) (Tag, error) {
	t := Tag{Name: name}
	if err := db.read.QueryRowContext(ctx, `SELECT id FROM tags WHERE name = ?`, name).Scan(&t.ID); err != nil {
		return Tag{}, notFound(err, "tag")
	}
	return t, nil
}

// EnsureTag returns the hashtag with the (lower-cased) name, creating it.
func (tx *Tx) EnsureTag(ctx context.Context, name string) (Tag, error) {
	t := Tag{Name: name}
	err := tx.tx.QueryRowContext(ctx, `INSERT INTO tags (name) VALUES (?) ON CONFLICT (name) DO UPDATE SET name = excluded.name
		RETURNING id`, name).Scan(&t.ID)
	if err != nil {
		return Tag{}, fmt.Errorf("ensure tag %s: %w", name, err)
	}
	return t, nil
}

// FollowTag makes accountID follow the hashtag; following again is harmless.
func (tx *Tx) FollowTag(ctx context.Context, accountID, tagID int64) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO tag_follows (id, account_id, tag_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		tx.NewID(tx.now), accountID, tagID, ms(tx.now))
	if err != nil {
		return fmt.Errorf("follow tag %d: %w", tagID, err)
	}
	return nil
}

// UnfollowTag ends accountID's follow of the hashtag, if any. Posts it
// already brought into the home feed stay there.
func (tx *Tx) UnfollowTag(ctx context.Context, accountID, tagID int64) error {
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM tag_follows WHERE account_id = ? AND tag_id = ?`, accountID, tagID); err != nil {
		return fmt.Errorf("unfollow tag %d: %w", tagID, err)
	}
	return nil
}

// FollowingTag reports whether accountID follows the hashtag.
func (db *DB) FollowingTag(ctx context.Context, accountID, tagID int64) (bool, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM tag_follows WHERE account_id = ? AND tag_id = ?`, accountID, tagID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("following tag: %w", err)
	}
	return n > 0, nil
}

// FollowedTag is a followed hashtag with the key its list is paged by.
type FollowedTag struct {
	Key int64 // the follow's id
	Tag Tag
}

// FollowedTags lists the hashtags accountID follows, newest follow first.
func (db *DB) FollowedTags(ctx context.Context, accountID int64, p Page) ([]FollowedTag, error) {
	cond, args, order := p.where("f.id")
	rows, err := db.read.QueryContext(ctx, `SELECT f.id, t.id, t.name FROM tag_follows f JOIN tags t ON t.id = f.tag_id
		WHERE f.account_id = ? AND `+cond+` ORDER BY `+order+` LIMIT ?`, append(append([]any{accountID}, args...), p.limit())...)
	if err != nil {
		return nil, fmt.Errorf("followed tags of %d: %w", accountID, err)
	}
	defer rows.Close()
	out := []FollowedTag{}
	for rows.Next() {
		var f FollowedTag
		if err := rows.Scan(&f.Key, &f.Tag.ID, &f.Tag.Name); err != nil {
			return nil, fmt.Errorf("scan followed tag: %w", err)
		}
		out = append(out, f)
	}
	return reverseIfMin(p, out), rows.Err()
}

// LocalTagFollowers returns the local accounts following a hashtag of the
// status (for streaming the post to their home).
func (db *DB) LocalTagFollowers(ctx context.Context, statusID int64) ([]int64, error) {
	return queryIDs(ctx, db.read, `SELECT DISTINCT tf.account_id FROM status_tags st
		JOIN tag_follows tf ON tf.tag_id = st.tag_id JOIN users u ON u.account_id = tf.account_id
		WHERE st.status_id = ?`, statusID)
}

// TagDay is one day of a hashtag's use.
type TagDay struct {
	Day      time.Time // midnight UTC
	Uses     int64     // posts
	Accounts int64     // distinct authors
}

// TagHistory returns the use of a hashtag on each of the last days days up
// to now, newest day first, counting live posts by their id's time. It
// walks the (tag_id, status_id) index over those days only.
func (db *DB) TagHistory(ctx context.Context, tagID int64, now time.Time, days int) ([]TagDay, error) {
	today := now.UTC().Truncate(24 * time.Hour)
	from := today.AddDate(0, 0, -(days - 1))
	rows, err := db.read.QueryContext(ctx, `SELECT (st.status_id >> 16) / 86400000, count(*), count(DISTINCT s.account_id)
		FROM status_tags st JOIN statuses s ON s.id = st.status_id
		WHERE st.tag_id = ? AND st.status_id >= ? AND s.deleted_at = 0 GROUP BY 1`, tagID, MinIDAt(from))
	if err != nil {
		return nil, fmt.Errorf("tag history %d: %w", tagID, err)
	}
	defer rows.Close()
	byDay := map[int64]TagDay{}
	for rows.Next() {
		var d int64
		var td TagDay
		if err := rows.Scan(&d, &td.Uses, &td.Accounts); err != nil {
			return nil, fmt.Errorf("scan tag history: %w", err)
		}
		byDay[d] = td
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]TagDay, days)
	for i := range out {
		day := today.AddDate(0, 0, -i)
		out[i] = byDay[day.UnixMilli()/86400000]
		out[i].Day = day
	}
	return out, nil
}
