package social

import (
	"context"
	"errors"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/store"
)

// MaxAccountNote is the length limit of a private note, as Mastodon's.
const MaxAccountNote = 2000

// SetAccountNote stores accountID's private note on targetID (shown only to
// accountID, in the relationship); an empty comment removes it.
func (s *Service) SetAccountNote(ctx context.Context, accountID, targetID int64, comment string) error {
	if textLength(comment) > MaxAccountNote {
		return apperr.Invalid("Validation failed: Comment is too long (maximum is %d characters)", MaxAccountNote)
	}
	me, target, err := s.actOnAccount(ctx, accountID, targetID)
	if errors.Is(err, errSelf) {
		// Mastodon lets a user keep a note on themselves.
		target, err = me, nil
	}
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *store.Tx) error {
		return tx.SetAccountNote(ctx, me.ID, target.ID, comment)
	})
}

// Endorse makes accountID feature targetID on its profile (Mastodon's
// account pin). Only a followed account can be endorsed; ending the follow
// ends the endorsement. Endorsing twice is harmless.
func (s *Service) Endorse(ctx context.Context, accountID, targetID int64) error {
	me, target, err := s.actOnAccount(ctx, accountID, targetID)
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *store.Tx) error {
		f, err := tx.FollowBetween(ctx, me.ID, target.ID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && !f.Accepted) {
			return apperr.Invalid("Validation failed: You must be already following the person you want to endorse")
		}
		if err != nil {
			return err
		}
		return tx.PinAccount(ctx, me.ID, target.ID)
	})
}

// Unendorse ends accountID's endorsement of targetID, if any.
func (s *Service) Unendorse(ctx context.Context, accountID, targetID int64) error {
	me, target, err := s.actOnAccount(ctx, accountID, targetID)
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *store.Tx) error {
		return tx.UnpinAccount(ctx, me.ID, target.ID)
	})
}

// RemoveFromFollowers ends targetID's follow (or follow request) of
// accountID, as Mastodon's remove_from_followers: a remote follower gets a
// Reject of its Follow, so its server drops the follow too. Removing an
// account that does not follow is harmless.
func (s *Service) RemoveFromFollowers(ctx context.Context, accountID, targetID int64) error {
	me, target, err := s.actOnAccount(ctx, accountID, targetID)
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *store.Tx) error {
		f, err := tx.FollowBetween(ctx, target.ID, me.ID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := tx.DeleteFollow(ctx, target.ID, me.ID); err != nil {
			return err
		}
		if err := tx.DeleteNotificationsFrom(ctx, me.ID, target.ID, store.NotifyFollowRequest, 0); err != nil {
			return err
		}
		if target.Local() {
			return nil
		}
		return s.fed.SendAccept(ctx, tx, me, target, f.URI, false)
	})
}
