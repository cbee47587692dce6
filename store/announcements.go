package store

import (
	"context"
	"fmt"
	"time"
)

// Announcement is a notice an admin posts for every user of the instance,
// as Mastodon's. Zero StartsAt or EndsAt means no bound; zero PublishedAt
// means the announcement is a draft or was unpublished.
type Announcement struct {
	ID          int64
	Text        string
	StartsAt    time.Time
	EndsAt      time.Time
	AllDay      bool
	PublishedAt time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Published reports whether the announcement is published.
func (a Announcement) Published() bool { return !a.PublishedAt.IsZero() }

// ActiveAt reports whether users see the announcement at t: published,
// started (or without start) and not ended (or without end).
func (a Announcement) ActiveAt(t time.Time) bool {
	return a.Published() && (a.StartsAt.IsZero() || !t.Before(a.StartsAt)) && (a.EndsAt.IsZero() || t.Before(a.EndsAt))
}

// AnnouncementReaction is one emoji's reactions to an announcement: how
// many users chose it and whether the viewer did.
type AnnouncementReaction struct {
	Name  string
	Count int64
	Me    bool
}

const announcementCols = `id, text, starts_at, ends_at, all_day, published_at, created_at, updated_at`

func scanAnnouncement(s scanner) (Announcement, error) {
	var a Announcement
	var starts, ends, published, created, updated int64
	err := s.Scan(&a.ID, &a.Text, &starts, &ends, &a.AllDay, &published, &created, &updated)
	a.StartsAt, a.EndsAt, a.PublishedAt = fromMS(starts), fromMS(ends), fromMS(published)
	a.CreatedAt, a.UpdatedAt = fromMS(created), fromMS(updated)
	return a, err
}

// InsertAnnouncement stores a, setting ID, CreatedAt and UpdatedAt; the
// caller sets PublishedAt to publish it at once.
func (tx *Tx) InsertAnnouncement(ctx context.Context, a *Announcement) error {
	a.ID, a.CreatedAt, a.UpdatedAt = tx.NewID(tx.now), tx.now, tx.now
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO announcements (id, text, starts_at, ends_at, all_day, published_at,
		created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, a.ID, a.Text, ms(a.StartsAt), ms(a.EndsAt),
		b2i(a.AllDay), ms(a.PublishedAt), ms(a.CreatedAt), ms(a.UpdatedAt))
	if err != nil {
		return fmt.Errorf("insert announcement: %w", err)
	}
	return nil
}

// SetAnnouncementPublished publishes announcement id now, or unpublishes
// it. Publishing an already published announcement keeps its first
// publication time. ErrNotFound when there is no such announcement.
func (tx *Tx) SetAnnouncementPublished(ctx context.Context, id int64, published bool) error {
	q := `UPDATE announcements SET published_at = 0, updated_at = ? WHERE id = ?`
	args := []any{ms(tx.now), id}
	if published {
		q = `UPDATE announcements SET published_at = CASE published_at WHEN 0 THEN ? ELSE published_at END,
			updated_at = ? WHERE id = ?`
		args = []any{ms(tx.now), ms(tx.now), id}
	}
	res, err := tx.tx.ExecContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("publish announcement %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// DeleteAnnouncement removes announcement id with its read marks and
// reactions. ErrNotFound when there is no such announcement.
func (tx *Tx) DeleteAnnouncement(ctx context.Context, id int64) error {
	res, err := tx.tx.ExecContext(ctx, `DELETE FROM announcements WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete announcement %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// AnnouncementByID returns announcement id, published or not, or
// ErrNotFound.
func (db *DB) AnnouncementByID(ctx context.Context, id int64) (Announcement, error) {
	a, err := scanAnnouncement(db.read.QueryRowContext(ctx, `SELECT `+announcementCols+` FROM announcements WHERE id = ?`, id))
	if err != nil {
		return Announcement{}, notFound(err, "announcement")
	}
	return a, nil
}

// Announcements lists every announcement, published or not, newest first,
// at most limit (the admin's list).
func (db *DB) Announcements(ctx context.Context, limit int) ([]Announcement, error) {
	return db.queryAnnouncements(ctx, `SELECT `+announcementCols+` FROM announcements ORDER BY id DESC LIMIT ?`, limit)
}

// ActiveAnnouncements lists the announcements users see at now (see
// Announcement.ActiveAt) in Mastodon's order: by start, else publication
// time, oldest first.
func (db *DB) ActiveAnnouncements(ctx context.Context, now time.Time) ([]Announcement, error) {
	t := ms(now)
	return db.queryAnnouncements(ctx, `SELECT `+announcementCols+` FROM announcements
		WHERE published_at <> 0 AND starts_at <= ? AND (ends_at = 0 OR ends_at > ?)
		ORDER BY CASE starts_at WHEN 0 THEN published_at ELSE starts_at END, id`, t, t)
}

func (db *DB) queryAnnouncements(ctx context.Context, q string, args ...any) ([]Announcement, error) {
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("announcements: %w", err)
	}
	defer rows.Close()
	var out []Announcement
	for rows.Next() {
		a, err := scanAnnouncement(rows)
		if err != nil {
			return nil, fmt.Errorf("scan announcement: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("announcements: %w", err)
	}
	return out, nil
}

// MarkAnnouncementRead records that accountID dismissed announcement id;
// marking twice is harmless.
func (tx *Tx) MarkAnnouncementRead(ctx context.Context, accountID, id int64) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO announcement_reads (account_id, announcement_id)
		VALUES (?, ?) ON CONFLICT DO NOTHING`, accountID, id)
	if err != nil {
		return fmt.Errorf("mark announcement %d read: %w", id, err)
	}
	return nil
}

// AnnouncementsRead reports which of ids accountID has dismissed.
func (db *DB) AnnouncementsRead(ctx context.Context, accountID int64, ids []int64) (map[int64]bool, error) {
	out := make(map[int64]bool, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	args := append([]any{accountID}, int64Args(ids)...)
	rows, err := db.read.QueryContext(ctx, `SELECT announcement_id FROM announcement_reads
		WHERE account_id = ? AND announcement_id IN (`+placeholders(len(ids))+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("announcement reads: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("scan announcement read: %w", err)
		}
		out[id] = true
	}
	return out, rows.Err()
}
