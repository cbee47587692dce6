package social

import (
	"context"
	"errors"

	"github.com/pictor-social/pictor/activitypub"
	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/store"
)

// visibleStatus loads a status that accountID may interact with.
func (s *Service) visibleStatus(ctx context.Context, accountID, statusID int64) (store.Status, store.Account, error) {
	st, err := s.db.StatusByID(ctx, statusID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !st.DeletedAt.IsZero()) {
		return store.Status{}, store.Account{}, apperr.NotFound("status not found")
	}
	if err != nil {
		return store.Status{}, store.Account{}, err
	}
	if st.ReblogOfID != 0 {
		return s.visibleStatus(ctx, accountID, st.ReblogOfID)
	}
	author, err := s.db.AccountByID(ctx, st.AccountID)
	if err != nil {
		return store.Status{}, store.Account{}, err
	}
	if ok, err := s.CanSee(ctx, accountID, st); err != nil || !ok {
		return store.Status{}, store.Account{}, errors.Join(err, apperr.NotFound("status not found"))
	}
	// An author who blocks the viewer is not shown to them, so they cannot
	// like, boost or reply (Mastodon's StatusPolicy#show?).
	if accountID != 0 && author.ID != accountID {
		if blocked, err := s.db.Blocks(ctx, author.ID, accountID); err != nil || blocked {
			return store.Status{}, store.Account{}, errors.Join(err, apperr.NotFound("status not found"))
		}
	}
	return st, author, nil
}

// CanSee reports whether viewer (0: anonymous) may see st: public and
// unlisted posts for all, followers-only for the author and accepted
// followers, direct ones for the author and mentioned accounts.
func (s *Service) CanSee(ctx context.Context, viewer int64, st store.Status) (bool, error) {
	if st.Visibility == store.VisibilityPublic || st.Visibility == store.VisibilityUnlisted || st.AccountID == viewer {
		return true, nil
	}
	if viewer == 0 {
		return false, nil
	}
	mentions, err := s.db.MentionsForStatuses(ctx, []int64{st.ID})
	if err != nil {
		return false, err
	}
	for _, id := range mentions[st.ID] {
		if id == viewer {
			return true, nil
		}
	}
	if st.Visibility == store.VisibilityPrivate {
		fl, err := s.db.FollowBetween(ctx, viewer, st.AccountID)
		if err == nil && fl.Accepted {
			return true, nil
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return false, err
		}
	}
	return false, nil
}

// actOn loads the acting local account and the status it acts on, with
// the status's author; a boost is resolved to the boosted status.
func (s *Service) actOn(ctx context.Context, accountID, statusID int64) (me store.Account, st store.Status, author store.Account, err error) {
	if me, err = s.localAccount(ctx, accountID); err != nil {
		return
	}
	st, author, err = s.visibleStatus(ctx, accountID, statusID)
	return
}

// Favourite likes a status; a remote author receives a Like.
func (s *Service) Favourite(ctx context.Context, accountID, statusID int64) (store.Status, error) {
	me, st, author, err := s.actOn(ctx, accountID, statusID)
	if err != nil {
		return store.Status{}, err
	}
	if err := s.checkInteraction(ctx, me, st, author, interactLike); err != nil {
		return store.Status{}, err
	}
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		fav := store.Favourite{AccountID: me.ID, StatusID: st.ID, URI: s.fed.NewActivityID()}
		if err := tx.InsertFavourite(ctx, &fav); errors.Is(err, store.ErrConflict) {
			return nil
		} else if err != nil {
			return err
		}
		if author.Local() {
			return s.notify(ctx, tx, store.Notification{AccountID: author.ID, FromAccountID: me.ID, Type: store.NotifyFavourite, StatusID: st.ID})
		}
		like := activitypub.Like(fav.URI, me.URI, st.URI, author.URI)
		return s.fed.Enqueue(ctx, tx, me, fav.URI, "Like", like, []string{author.DeliveryInbox()})
	})
	return st, err
}

// Unfavourite removes a like, sending Undo(Like) to a remote author.
func (s *Service) Unfavourite(ctx context.Context, accountID, statusID int64) (store.Status, error) {
	me, st, author, err := s.actOn(ctx, accountID, statusID)
	if err != nil {
		return store.Status{}, err
	}
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		fav, err := tx.FavouriteBy(ctx, me.ID, st.ID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := tx.DeleteFavourite(ctx, me.ID, st.ID); err != nil {
			return err
		}
		if author.Local() {
			return tx.DeleteNotificationsFrom(ctx, author.ID, me.ID, store.NotifyFavourite, st.ID)
		}
		id := s.fed.NewActivityID()
		undo := activitypub.Undo(id, activitypub.Like(fav.URI, me.URI, st.URI, author.URI))
		return s.fed.Enqueue(ctx, tx, me, id, "Undo", undo, []string{author.DeliveryInbox()})
	})
	return st, err
}

// Reblog boosts a public or unlisted status to accountID's followers and
// its author. It returns the boost.
func (s *Service) Reblog(ctx context.Context, accountID, statusID int64) (store.Status, error) {
	me, st, author, err := s.actOn(ctx, accountID, statusID)
	if err != nil {
		return store.Status{}, err
	}
	if st.Visibility != store.VisibilityPublic && st.Visibility != store.VisibilityUnlisted {
		return store.Status{}, apperr.Forbidden("this status cannot be boosted")
	}
	if err := s.checkInteraction(ctx, me, st, author, interactBoost); err != nil {
		return store.Status{}, err
	}
	var boost store.Status
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		if existing, err := tx.ReblogBy(ctx, me.ID, st.ID); err == nil {
			boost = existing
			return nil
		}
		boost = store.Status{AccountID: me.ID, Local: true, ReblogOfID: st.ID, Visibility: store.VisibilityPublic}
		boost.ID = tx.NewID(tx.Now())
		boost.URI = s.fed.URLs.Status(me.Username, boost.ID) + "/activity"
		boost.URL = boost.URI
		if err := tx.InsertStatus(ctx, &boost); err != nil {
			return err
		}
		s.publishStatus(tx, "create", boost.ID)
		if author.Local() {
			err := s.notify(ctx, tx, store.Notification{AccountID: author.ID, FromAccountID: me.ID, Type: store.NotifyReblog, StatusID: st.ID})
			if err != nil {
				return err
			}
		}
		// The booster's remote followers see the boost whoever wrote the
		// post; a remote author is told as well (Enqueue skips local inboxes).
		inboxes, err := tx.FollowerInboxes(ctx, me.ID)
		if err != nil {
			return err
		}
		ann := activitypub.Announce(boost.URI, me.URI, st.URI, author.URI, me.FollowersURI, boost.CreatedAt)
		return s.fed.Enqueue(ctx, tx, me, boost.URI, "Announce", ann, append(inboxes, author.DeliveryInbox()))
	})
	return boost, err
}

// Unreblog removes accountID's boost of statusID, sending Undo(Announce).
func (s *Service) Unreblog(ctx context.Context, accountID, statusID int64) (store.Status, error) {
	me, st, author, err := s.actOn(ctx, accountID, statusID)
	if err != nil {
		return store.Status{}, err
	}
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		boost, err := tx.ReblogBy(ctx, me.ID, st.ID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := tx.MarkStatusDeleted(ctx, boost.ID); err != nil {
			return err
		}
		s.publishStatus(tx, "delete", boost.ID)
		if author.Local() {
			if err := tx.DeleteNotificationsFrom(ctx, author.ID, me.ID, store.NotifyReblog, st.ID); err != nil {
				return err
			}
		}
		inboxes, err := tx.FollowerInboxes(ctx, me.ID)
		if err != nil {
			return err
		}
		id := s.fed.NewActivityID()
		ann := activitypub.Announce(boost.URI, me.URI, st.URI, author.URI, me.FollowersURI, boost.CreatedAt)
		return s.fed.Enqueue(ctx, tx, me, id, "Undo", activitypub.Undo(id, ann), append(inboxes, author.DeliveryInbox()))
	})
	return st, err
}
