package social

import (
	"context"
	"errors"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/store"
)

// MaxFeaturedTags is how many hashtags a user may feature, as Mastodon's
// FeaturedTag::LIMIT.
const MaxFeaturedTags = 10

// FeatureTag makes local account accountID feature hashtag raw on its
// profile and sends Add to its followers, as Mastodon does. A malformed
// name, a tag featured already or one over the limit is apperr.Invalid.
func (s *Service) FeatureTag(ctx context.Context, accountID int64, raw string) (store.FeaturedTag, error) {
	me, err := s.localAccount(ctx, accountID)
	if err != nil {
		return store.FeaturedTag{}, err
	}
	name, ok := TagName(raw)
	if !ok {
		return store.FeaturedTag{}, apperr.Invalid("Validation failed: Tag is invalid")
	}
	var id int64
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		n, err := tx.CountFeaturedTags(ctx, me.ID)
		if err != nil {
			return err
		}
		if n >= MaxFeaturedTags {
			return apperr.Invalid("Validation failed: You cannot feature more than %d hashtags", MaxFeaturedTags)
		}
		t, err := tx.EnsureTag(ctx, name)
		if err != nil {
			return err
		}
		id, err = tx.InsertFeaturedTag(ctx, me.ID, t)
		if errors.Is(err, store.ErrConflict) {
			return apperr.Invalid("Validation failed: Tag has already been taken")
		}
		if err != nil {
			return err
		}
		return s.sendFeaturedTagChange(ctx, tx, me, name, true)
	})
	if err != nil {
		return store.FeaturedTag{}, err
	}
	return s.db.FeaturedTagByID(ctx, me.ID, id)
}

// UnfeatureTag removes accountID's featured tag id and sends Remove to its
// followers; an unknown id is apperr.NotFound.
func (s *Service) UnfeatureTag(ctx context.Context, accountID, id int64) error {
	me, err := s.localAccount(ctx, accountID)
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *store.Tx) error {
		t, err := tx.DeleteFeaturedTag(ctx, me.ID, id)
		if errors.Is(err, store.ErrNotFound) {
			return apperr.NotFound("Record not found")
		}
		if err != nil {
			return err
		}
		return s.sendFeaturedTagChange(ctx, tx, me, t.Name, false)
	})
}

func (s *Service) sendFeaturedTagChange(ctx context.Context, tx *store.Tx, me store.Account, name string, added bool) error {
	inboxes, err := tx.FollowerInboxes(ctx, me.ID)
	if err != nil || len(inboxes) == 0 {
		return err
	}
	id, typ, doc := s.fed.FeaturedTagChange(me, name, added)
	return s.fed.Enqueue(ctx, tx, me, id, typ, doc, inboxes)
}
