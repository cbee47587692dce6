package social

import (
	"context"
	"errors"

	"github.com/pictor-social/pictor/activitypub"
	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/store"
)

// Follow makes accountID follow target. A remote or locked target stays a
// request until accepted (the remote Accept arrives through the inbox); an
// unlocked local target is followed at once. Following again is harmless.
func (s *Service) Follow(ctx context.Context, accountID, targetID int64) (store.Follow, error) {
	return s.FollowWith(ctx, accountID, targetID, FollowOptions{})
}

// FollowOptions are the choices of Mastodon's POST /api/v1/accounts/:id/follow.
type FollowOptions struct {
	// Reblogs shows (true) or hides (false) the target's boosts in the
	// follower's home feed; nil leaves a follow as it is (a new one shows
	// them).
	Reblogs *bool
	// Notify asks (true) or stops asking (false) for a notification of
	// each new post of the target; nil leaves a follow as it is (a new one
	// does not ask).
	Notify *bool
}

// apply sets o's choices on f and reports whether that changed it.
func (o FollowOptions) apply(f *store.Follow) (changed bool) {
	was := *f
	if o.Reblogs != nil {
		f.HideReblogs = !*o.Reblogs
	}
	if o.Notify != nil {
		f.Notify = *o.Notify
	}
	return *f != was
}

// FollowWith is Follow with o applied to the new or existing follow, in
// the same transaction.
func (s *Service) FollowWith(ctx context.Context, accountID, targetID int64, o FollowOptions) (store.Follow, error) {
	me, err := s.localAccount(ctx, accountID)
	if err != nil {
		return store.Follow{}, err
	}
	target, err := s.db.AccountByID(ctx, targetID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !target.DeletedAt.IsZero()) {
		return store.Follow{}, apperr.NotFound("account not found")
	}
	if err != nil {
		return store.Follow{}, err
	}
	if target.ID == me.ID {
		return store.Follow{}, apperr.Invalid("you cannot follow yourself")
	}
	if blocked, err := s.db.Blocks(ctx, target.ID, me.ID); err != nil {
		return store.Follow{}, err
	} else if blocked {
		return store.Follow{}, apperr.Forbidden("this account has blocked you")
	}
	var fl store.Follow
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		if existing, err := tx.FollowBetween(ctx, me.ID, target.ID); err == nil {
			fl = existing
			if o.apply(&fl) {
				if err := tx.SetFollowOptions(ctx, fl); err != nil {
					return err
				}
			}
			if existing.Accepted || !target.Local() {
				if target.Local() {
					return nil
				}
				// Resend the Follow: the first may have been lost or rejected silently.
				return s.sendFollow(ctx, tx, me, target, existing.URI)
			}
			return nil
		}
		fl = store.Follow{AccountID: me.ID, TargetAccountID: target.ID, URI: s.fed.NewActivityID(),
			Accepted: target.Local() && !target.Locked}
		o.apply(&fl)
		if err := tx.UpsertFollow(ctx, &fl); err != nil {
			return err
		}
		if !target.Local() {
			return s.sendFollow(ctx, tx, me, target, fl.URI)
		}
		typ := store.NotifyFollow
		if !fl.Accepted {
			typ = store.NotifyFollowRequest
		}
		return s.notify(ctx, tx, store.Notification{AccountID: target.ID, FromAccountID: me.ID, Type: typ})
	})
	return fl, err
}

func (s *Service) sendFollow(ctx context.Context, tx *store.Tx, me, target store.Account, id string) error {
	return s.fed.Enqueue(ctx, tx, me, id, "Follow", activitypub.Follow(id, me.URI, target.URI), []string{target.InboxURI})
}

// FollowHandle resolves @user@host (WebFinger for remote accounts) and follows it.
func (s *Service) FollowHandle(ctx context.Context, accountID int64, handle string) (store.Account, store.Follow, error) {
	target, err := s.ResolveMention(ctx, handle)
	if err != nil {
		return store.Account{}, store.Follow{}, err
	}
	fl, err := s.Follow(ctx, accountID, target.ID)
	return target, fl, err
}

// Unfollow ends (or withdraws) accountID's follow of target, sending Undo
// with the original Follow embedded to a remote target.
func (s *Service) Unfollow(ctx context.Context, accountID, targetID int64) error {
	me, err := s.localAccount(ctx, accountID)
	if err != nil {
		return err
	}
	target, err := s.db.AccountByID(ctx, targetID)
	if errors.Is(err, store.ErrNotFound) {
		return apperr.NotFound("account not found")
	}
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *store.Tx) error {
		fl, err := tx.FollowBetween(ctx, me.ID, target.ID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := tx.DeleteFollow(ctx, me.ID, target.ID); err != nil {
			return err
		}
		if target.Local() {
			return nil
		}
		id := s.fed.NewActivityID()
		undo := activitypub.Undo(id, activitypub.Follow(fl.URI, me.URI, target.URI))
		return s.fed.Enqueue(ctx, tx, me, id, "Undo", undo, []string{target.InboxURI})
	})
}

// AnswerFollowRequest accepts or rejects a pending follow of accountID by
// requesterID, telling a remote requester.
func (s *Service) AnswerFollowRequest(ctx context.Context, accountID, requesterID int64, accept bool) error {
	me, err := s.localAccount(ctx, accountID)
	if err != nil {
		return err
	}
	requester, err := s.db.AccountByID(ctx, requesterID)
	if errors.Is(err, store.ErrNotFound) {
		return apperr.NotFound("follow request not found")
	}
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *store.Tx) error {
		fl, err := tx.FollowBetween(ctx, requester.ID, me.ID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && fl.Accepted) {
			return apperr.NotFound("follow request not found")
		}
		if err != nil {
			return err
		}
		if accept {
			err = tx.AcceptFollow(ctx, fl.ID)
		} else {
			_, err = tx.DeleteFollow(ctx, requester.ID, me.ID)
		}
		if err != nil {
			return err
		}
		if err := tx.DeleteNotificationsFrom(ctx, me.ID, requester.ID, store.NotifyFollowRequest, 0); err != nil {
			return err
		}
		if accept {
			if err := s.notify(ctx, tx, store.Notification{AccountID: me.ID, FromAccountID: requester.ID, Type: store.NotifyFollow}); err != nil {
				return err
			}
		}
		if requester.Local() {
			return nil
		}
		return s.fed.SendAccept(ctx, tx, me, requester, fl.URI, accept)
	})
}
