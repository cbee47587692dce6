package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// FeaturedTag is a hashtag a local user features on their profile, with
// the use the user made of it.
type FeaturedTag struct {
	ID            int64
	AccountID     int64
	Tag           Tag
	StatusesCount int64     // the user's live public or unlisted posts with the tag
	LastStatusAt  time.Time // zero when none
	CreatedAt     time.Time
}

// featuredTagCols counts the owner's live public and unlisted posts with
// the tag and finds the newest, over the owner's (account_id, id) index.
const featuredTagCols = `f.id, f.account_id, t.id, t.name, f.created_at,
	(SELECT count(*) FROM statuses s JOIN status_tags st ON st.status_id = s.id AND st.tag_id = f.tag_id
		WHERE s.account_id = f.account_id AND s.deleted_at = 0 AND s.visibility IN ('public', 'unlisted')),
	(SELECT COALESCE(max(s.id), 0) FROM statuses s JOIN status_tags st ON st.status_id = s.id AND st.tag_id = f.tag_id
		WHERE s.account_id = f.account_id AND s.deleted_at = 0 AND s.visibility IN ('public', 'unlisted'))`

func scanFeaturedTag(row interface{ Scan(...any) error }) (FeaturedTag, error) {
	var f FeaturedTag
	var created, last int64
	if err := row.Scan(&f.ID, &f.AccountID, &f.Tag.ID, &f.Tag.Name, &created, &f.StatusesCount, &last); err != nil {
		return FeaturedTag{}, err
	}
	f.CreatedAt = fromMS(created)
	if last != 0 {
		f.LastStatusAt = IDTime(last)
	}
	return f, nil
}

// FeaturedTagsOf lists the hashtags accountID features, most used first.
func (db *DB) FeaturedTagsOf(ctx context.Context, accountID int64) ([]FeaturedTag, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+featuredTagCols+`
		FROM featured_tags f JOIN tags t ON t.id = f.tag_id WHERE f.account_id = ? ORDER BY 6 DESC, f.id`, accountID)
	if err != nil {
		return nil, fmt.Errorf("featured tags of %d: %w", accountID, err)
	}
	defer rows.Close()
	out := []FeaturedTag{}
	for rows.Next() {
		f, err := scanFeaturedTag(rows)
		if err != nil {
			return nil, fmt.Errorf("scan featured tag: %w", err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// FeaturedTagByID returns accountID's featured tag id, or ErrNotFound.
func (db *DB) FeaturedTagByID(ctx context.Context, accountID, id int64) (FeaturedTag, error) {
	f, err := scanFeaturedTag(db.read.QueryRowContext(ctx, `SELECT `+featuredTagCols+`
		FROM featured_tags f JOIN tags t ON t.id = f.tag_id WHERE f.account_id = ? AND f.id = ?`, accountID, id))
	if err != nil {
		return FeaturedTag{}, notFound(err, "featured tag")
	}
	return f, nil
}

// InsertFeaturedTag makes accountID feature tag and returns the new row's
// id; ErrConflict when it is featured already.
func (tx *Tx) InsertFeaturedTag(ctx context.Context, accountID int64, tag Tag) (int64, error) {
	id := tx.NewID(tx.now)
	err := tx.insertNew(ctx, `INSERT INTO featured_tags (id, account_id, tag_id, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT DO NOTHING`,
		id, accountID, tag.ID, ms(tx.now))
	if errors.Is(err, ErrConflict) {
		return 0, ErrConflict
	}
	if err != nil {
		return 0, fmt.Errorf("feature tag %s: %w", tag.Name, err)
	}
	return id, nil
}

// CountFeaturedTags returns how many hashtags accountID features.
func (tx *Tx) CountFeaturedTags(ctx context.Context, accountID int64) (int, error) {
	var n int
	err := tx.tx.QueryRowContext(ctx, `SELECT count(*) FROM featured_tags WHERE account_id = ?`, accountID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count featured tags: %w", err)
	}
	return n, nil
}

// DeleteFeaturedTag removes accountID's featured tag id and returns its
// hashtag; ErrNotFound when there is no such row.
func (tx *Tx) DeleteFeaturedTag(ctx context.Context, accountID, id int64) (Tag, error) {
	var t Tag
	err := tx.tx.QueryRowContext(ctx, `DELETE FROM featured_tags WHERE account_id = ? AND id = ?
		RETURNING tag_id, (SELECT name FROM tags WHERE tags.id = featured_tags.tag_id)`, accountID, id).Scan(&t.ID, &t.Name)
	if errors.Is(err, sql.ErrNoRows) {
		return Tag{}, ErrNotFound
	}
	if err != nil {
		return Tag{}, fmt.Errorf("delete featured tag %d: %w", id, err)
	}
	return t, nil
}

// FeaturedTagSuggestions returns up to limit hashtags of accountID's last
// 1,000 posts that it does not feature yet, most used first, as Mastodon
// suggests them.
func (db *DB) FeaturedTagSuggestions(ctx context.Context, accountID int64, limit int) ([]Tag, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT t.id, t.name
		FROM (SELECT id FROM statuses WHERE account_id = ?1 AND deleted_at = 0 ORDER BY id DESC LIMIT 1000) s
		JOIN status_tags st ON st.status_id = s.id JOIN tags t ON t.id = st.tag_id
		WHERE st.tag_id NOT IN (SELECT tag_id FROM featured_tags WHERE account_id = ?1)
		GROUP BY t.id ORDER BY count(*) DESC, max(s.id) DESC LIMIT ?2`, accountID, limit)
	if err != nil {
		return nil, fmt.Errorf("featured tag suggestions of %d: %w", accountID, err)
	}
	defer rows.Close()
	out := []Tag{}
	for rows.Next() {
		var t Tag
		if err := rows.Scan(&t.ID, &t.Name); err != nil {
			return nil, fmt.Errorf("scan tag: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}
