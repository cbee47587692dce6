package activitypub

import (
	"context"
	"errors"

	"github.com/pictor-social/pictor/store"
)

// applyLike favourites a local status and notifies its author.
func (f *Federation) applyLike(ctx context.Context, actor store.Account, act Activity) error {
	return f.db.Write(ctx, func(tx *store.Tx) error {
		st, err := tx.StatusByURI(ctx, act.Object.ID())
		if errors.Is(err, store.ErrNotFound) || (err == nil && (!st.Local || !st.DeletedAt.IsZero())) {
			return nil // Likes matter only for local statuses (interop.md A.6)
		}
		if err != nil {
			return err
		}
		fav := store.Favourite{AccountID: actor.ID, StatusID: st.ID, URI: act.ID}
		if err := tx.InsertFavourite(ctx, &fav); errors.Is(err, store.ErrConflict) {
			return nil
		} else if err != nil {
			return err
		}
		return f.Notify(ctx, tx, store.Notification{AccountID: st.AccountID, FromAccountID: actor.ID, Type: store.NotifyFavourite, StatusID: st.ID})
	})
}

func (f *Federation) undoLike(ctx context.Context, tx *store.Tx, actor store.Account, inner *Activity, id string) (bool, error) {
	objectID := ""
	if inner != nil {
		objectID = inner.Object.ID()
	}
	var st store.Status
	var err error
	if objectID != "" {
		st, err = tx.StatusByURI(ctx, objectID)
	} else {
		return false, nil
	}
	if errors.Is(err, store.ErrNotFound) {
		return inner != nil && inner.Type == "Like", nil
	}
	if err != nil {
		return false, err
	}
	removed, err := tx.DeleteFavourite(ctx, actor.ID, st.ID)
	if err != nil || !removed {
		return removed, err
	}
	return true, tx.DeleteNotificationsFrom(ctx, st.AccountID, actor.ID, store.NotifyFavourite, st.ID)
}

// applyAnnounce records a boost of a local status (notifying its author), or
// of a remote one when the booster is followed here, so it reaches timelines.
func (f *Federation) applyAnnounce(ctx context.Context, actor store.Account, act Activity) error {
	objID := act.Object.ID()
	if objID == "" {
		return permanent("announce without object")
	}
	if f.webURL(act.ID) == "" {
		return permanent("announce id %q is not an https URL", act.ID)
	}
	if !f.IsLocalURI(objID) {
		if err := f.fetchBoosted(ctx, actor, objID); err != nil {
			return err
		}
	}
	return f.db.Write(ctx, func(tx *store.Tx) error {
		orig, err := tx.StatusByURI(ctx, objID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if !orig.DeletedAt.IsZero() || orig.Visibility == store.VisibilityPrivate || orig.Visibility == store.VisibilityDirect {
			return nil
		}
		if !orig.Local {
			if followed, err := tx.HasLocalFollowerOf(ctx, actor.ID); err != nil || !followed {
				return err
			}
		}
		boost := store.Status{URI: act.ID, URL: act.ID, AccountID: actor.ID, ReblogOfID: orig.ID,
			Visibility: visibilityOfActivity(act, actor), CreatedAt: act.Published.Time}
		if done, err := insertBoost(ctx, tx, &boost); done || err != nil {
			return err
		}
		f.PublishStatus(tx, "create", boost.ID)
		if !orig.Local {
			return nil
		}
		return f.Notify(ctx, tx, store.Notification{AccountID: orig.AccountID, FromAccountID: actor.ID, Type: store.NotifyReblog, StatusID: orig.ID})
	})
}

// insertBoost stores a remote boost; done reports that it was already
// stored. A boost of the same actor and post that was undone gives up its
// id first: snac reuses one Announce id for every boost of a post.
func insertBoost(ctx context.Context, tx *store.Tx, boost *store.Status) (done bool, err error) {
	err = tx.InsertStatus(ctx, boost)
	if !errors.Is(err, store.ErrConflict) {
		return false, err
	}
	old, err := tx.StatusByURI(ctx, boost.URI)
	if err != nil {
		return false, err
	}
	if old.DeletedAt.IsZero() || old.AccountID != boost.AccountID || old.ReblogOfID != boost.ReblogOfID {
		return true, nil
	}
	if err := tx.ReleaseStatusURI(ctx, old.ID); err != nil {
		return false, err
	}
	return false, tx.InsertStatus(ctx, boost)
}

// fetchBoosted stores a remote boosted post when the booster is followed here.
func (f *Federation) fetchBoosted(ctx context.Context, booster store.Account, objID string) error {
	if _, err := f.db.StatusByURI(ctx, objID); err == nil {
		return nil
	}
	followers, _, err := f.db.FollowCounts(ctx, booster.ID)
	if err != nil || followers == 0 {
		return err
	}
	_, err = f.FetchNote(ctx, objID)
	return err
}

func visibilityOfActivity(act Activity, actor store.Account) string {
	return visibilityOf(Object{To: act.To, Cc: act.Cc}, actor)
}
