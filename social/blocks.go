package social

import (
	"context"
	"errors"

	"github.com/pictor-social/pictor/activitypub"
	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/store"
)

// errSelf is actOnAccount's answer when an account acts on itself.
var errSelf = apperr.Invalid("you cannot do that to yourself")

// actOnAccount loads the acting local account and the account it acts upon
// (block, mute and their undo); a missing target is apperr.NotFound and
// acting on oneself apperr.Invalid.
func (s *Service) actOnAccount(ctx context.Context, accountID, targetID int64) (me, target store.Account, err error) {
	if me, err = s.localAccount(ctx, accountID); err != nil {
		return
	}
	target, err = s.db.AccountByID(ctx, targetID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !target.DeletedAt.IsZero()) {
		return me, store.Account{}, apperr.NotFound("Record not found")
	}
	if err == nil && target.ID == me.ID {
		return me, store.Account{}, errSelf
	}
	return me, target, err
}

// Block makes accountID block targetID as Mastodon does: follows in both
// directions end (a remote target gets Undo(Follow) for ours and Reject for
// theirs), and a remote target receives a Block. Blocking twice is harmless.
func (s *Service) Block(ctx context.Context, accountID, targetID int64) error {
	me, target, err := s.actOnAccount(ctx, accountID, targetID)
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *store.Tx) error {
		if err := s.endFollows(ctx, tx, me, target); err != nil {
			return err
		}
		b := store.Block{AccountID: me.ID, TargetAccountID: target.ID, URI: s.fed.NewActivityID()}
		if err := tx.InsertBlock(ctx, &b); err != nil {
			return err
		}
		// As Mastodon, a block clears what the blocked account brought into
		// the blocker's notifications.
		if err := tx.DeleteNotificationsFrom(ctx, me.ID, target.ID, "", 0); err != nil {
			return err
		}
		if target.Local() {
			return nil
		}
		block := activitypub.Block(b.URI, me.URI, target.URI)
		return s.fed.Enqueue(ctx, tx, me, b.URI, "Block", block, []string{target.InboxURI})
	})
}

// endFollows removes the follows between me and target both ways,
// telling a remote target.
func (s *Service) endFollows(ctx context.Context, tx *store.Tx, me, target store.Account) error {
	if ours, err := tx.FollowBetween(ctx, me.ID, target.ID); err == nil {
		if _, err := tx.DeleteFollow(ctx, me.ID, target.ID); err != nil {
			return err
		}
		if !target.Local() {
			id := s.fed.NewActivityID()
			undo := activitypub.Undo(id, activitypub.Follow(ours.URI, me.URI, target.URI))
			if err := s.fed.Enqueue(ctx, tx, me, id, "Undo", undo, []string{target.InboxURI}); err != nil {
				return err
			}
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	theirs, err := tx.FollowBetween(ctx, target.ID, me.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if _, err := tx.DeleteFollow(ctx, target.ID, me.ID); err != nil {
		return err
	}
	if target.Local() {
		return nil
	}
	return s.fed.SendAccept(ctx, tx, me, target, theirs.URI, false)
}

// Unblock lifts accountID's block of targetID, sending Undo(Block) to a
// remote target. Unblocking an account that is not blocked is harmless.
func (s *Service) Unblock(ctx context.Context, accountID, targetID int64) error {
	me, target, err := s.actOnAccount(ctx, accountID, targetID)
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *store.Tx) error {
		b, err := tx.DeleteBlock(ctx, me.ID, target.ID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && target.Local()) {
			return nil
		}
		if err != nil {
			return err
		}
		block := activitypub.Block(b.URI, me.URI, target.URI)
		id := s.fed.NewActivityID()
		return s.fed.Enqueue(ctx, tx, me, id, "Undo", activitypub.Undo(id, block), []string{target.InboxURI})
	})
}

// Mute hides targetID's posts (and, with notifications, its notifications)
// from accountID. Muting is private: nothing federates.
func (s *Service) Mute(ctx context.Context, accountID, targetID int64, notifications bool) error {
	me, target, err := s.actOnAccount(ctx, accountID, targetID)
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *store.Tx) error { return tx.UpsertMute(ctx, me.ID, target.ID, notifications) })
}

// Unmute lifts a mute.
func (s *Service) Unmute(ctx context.Context, accountID, targetID int64) error {
	me, target, err := s.actOnAccount(ctx, accountID, targetID)
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *store.Tx) error { return tx.DeleteMute(ctx, me.ID, target.ID) })
}
