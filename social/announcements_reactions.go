package social

import (
	"context"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/store"
)

// AddAnnouncementReaction records accountID's reaction name (one Unicode
// emoji; Pictor has no custom emojis) to announcement id. A repeat changes
// nothing. apperr.NotFound unless the announcement is active;
// apperr.Invalid for a name that is not a single emoji, or a new emoji
// beyond MaxAnnouncementReactions different ones.
func (s *Service) AddAnnouncementReaction(ctx context.Context, accountID, id int64, name string) error {
	if _, err := s.ActiveAnnouncement(ctx, id); err != nil {
		return err
	}
	if !IsEmoji(name) {
		return apperr.Invalid("Validation failed: Name is not a recognized emoji")
	}
	return s.db.Write(ctx, func(tx *store.Tx) error {
		names, err := tx.AnnouncementReactionNames(ctx, id)
		if err != nil {
			return err
		}
		if _, ok := names[name]; !ok && len(names) >= MaxAnnouncementReactions {
			return apperr.Invalid("Validation failed: Maximum number of different reactions reached")
		}
		added, err := tx.AddAnnouncementReaction(ctx, id, accountID, name)
		if err != nil || !added {
			return err
		}
		s.publishAnnouncement(tx, "announcement.reaction", AnnouncementEvent{ID: id, Name: name, Count: names[name] + 1})
		return nil
	})
}

// RemoveAnnouncementReaction removes accountID's reaction name to
// announcement id; removing a reaction that is not there is no error.
// apperr.NotFound unless the announcement is active.
func (s *Service) RemoveAnnouncementReaction(ctx context.Context, accountID, id int64, name string) error {
	if _, err := s.ActiveAnnouncement(ctx, id); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *store.Tx) error {
		removed, err := tx.RemoveAnnouncementReaction(ctx, id, accountID, name)
		if err != nil || !removed {
			return err
		}
		names, err := tx.AnnouncementReactionNames(ctx, id)
		if err != nil {
			return err
		}
		s.publishAnnouncement(tx, "announcement.reaction", AnnouncementEvent{ID: id, Name: name, Count: names[name]})
		return nil
	})
}
