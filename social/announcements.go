package social

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/internal/pubsub"
	"github.com/pictor-social/pictor/store"
)

// Announcement limits: the text of one announcement, and how many different
// emoji one announcement may collect (Mastodon's reaction limit).
const (
	MaxAnnouncementText      = 5000
	MaxAnnouncementReactions = 8
)

// StreamAnnouncements is the pubsub stream on which announcement changes
// are published after commit. Event kinds are Mastodon's streaming event
// names: "announcement" (published), "announcement.reaction" and
// "announcement.delete" (deleted or unpublished); the payload is an
// AnnouncementEvent.
const StreamAnnouncements = "announcements"

// AnnouncementEvent is the payload of an event on StreamAnnouncements.
// Name and Count are set for "announcement.reaction": the emoji and how
// many users now react with it.
type AnnouncementEvent struct {
	ID    int64
	Name  string
	Count int64
}

// AnnouncementDraft is an announcement an admin writes.
type AnnouncementDraft struct {
	Text     string
	StartsAt time.Time // zero: shown from publication
	EndsAt   time.Time // zero: shown until unpublished
	AllDay   bool
	Draft    bool // keep unpublished
}

// CreateAnnouncement stores and (unless d.Draft) publishes an announcement.
// The text must be non-empty and at most MaxAnnouncementText characters,
// and EndsAt after StartsAt (apperr.Invalid otherwise).
func (s *Service) CreateAnnouncement(ctx context.Context, d AnnouncementDraft) (store.Announcement, error) {
	text := strings.TrimSpace(strings.ReplaceAll(d.Text, "\r\n", "\n"))
	switch {
	case text == "":
		return store.Announcement{}, apperr.Invalid("Validation failed: Text can't be blank")
	case utf8.RuneCountInString(text) > MaxAnnouncementText:
		return store.Announcement{}, apperr.Invalid("Validation failed: Text is too long (maximum is %d characters)", MaxAnnouncementText)
	case !d.StartsAt.IsZero() && !d.EndsAt.IsZero() && !d.EndsAt.After(d.StartsAt):
		return store.Announcement{}, apperr.Invalid("Validation failed: Ends at must be after the start")
	}
	a := store.Announcement{Text: text, StartsAt: d.StartsAt.UTC(), EndsAt: d.EndsAt.UTC(), AllDay: d.AllDay}
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		if !d.Draft {
			a.PublishedAt = tx.Now()
		}
		if err := tx.InsertAnnouncement(ctx, &a); err != nil {
			return err
		}
		if !d.Draft {
			s.publishAnnouncement(tx, "announcement", AnnouncementEvent{ID: a.ID})
		}
		return nil
	})
	return a, err
}

// SetAnnouncementPublished publishes or unpublishes announcement id;
// apperr.NotFound for an unknown one. Apps hear of it as a new or a
// deleted announcement.
func (s *Service) SetAnnouncementPublished(ctx context.Context, id int64, published bool) error {
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		if err := tx.SetAnnouncementPublished(ctx, id, published); err != nil {
			return err
		}
		kind := "announcement.delete"
		if published {
			kind = "announcement"
		}
		s.publishAnnouncement(tx, kind, AnnouncementEvent{ID: id})
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return apperr.NotFound("Record not found")
	}
	return err
}

// DeleteAnnouncement removes announcement id with its read marks and
// reactions; apperr.NotFound for an unknown one.
func (s *Service) DeleteAnnouncement(ctx context.Context, id int64) error {
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		if err := tx.DeleteAnnouncement(ctx, id); err != nil {
			return err
		}
		s.publishAnnouncement(tx, "announcement.delete", AnnouncementEvent{ID: id})
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return apperr.NotFound("Record not found")
	}
	return err
}

// ActiveAnnouncements lists the announcements users see now, in Mastodon's
// order (store.DB.ActiveAnnouncements).
func (s *Service) ActiveAnnouncements(ctx context.Context) ([]store.Announcement, error) {
	return s.db.ActiveAnnouncements(ctx, s.db.Now())
}

// ActiveAnnouncement returns announcement id if users see it now, else
// apperr.NotFound, as Mastodon answers for unknown and unpublished ones.
func (s *Service) ActiveAnnouncement(ctx context.Context, id int64) (store.Announcement, error) {
	a, err := s.db.AnnouncementByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !a.ActiveAt(s.db.Now())) {
		return store.Announcement{}, apperr.NotFound("Record not found")
	}
	return a, err
}

// DismissAnnouncement marks announcement id read for accountID; dismissing
// twice is harmless. apperr.NotFound unless the announcement is active.
func (s *Service) DismissAnnouncement(ctx context.Context, accountID, id int64) error {
	if _, err := s.ActiveAnnouncement(ctx, id); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *store.Tx) error { return tx.MarkAnnouncementRead(ctx, accountID, id) })
}

// publishAnnouncement publishes an announcement event once tx commits.
func (s *Service) publishAnnouncement(tx *store.Tx, kind string, ev AnnouncementEvent) {
	if s.hub == nil {
		return
	}
	tx.AfterCommit(func() {
		s.hub.Publish(pubsub.Event{Stream: StreamAnnouncements, Kind: kind, Payload: ev})
	})
}
