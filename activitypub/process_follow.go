package activitypub

import (
	"context"
	"errors"

	"github.com/pictor-social/pictor/store"
)

// applyFollow stores a follow of a local account: accepted at once (and an
// Accept sent back) unless the account approves followers by hand, when it
// becomes a follow request (interop.md A.6, checklist 24, 25). A follow
// from an account or domain the target blocked is answered with a Reject
// and not stored, as Mastodon does.
func (f *Federation) applyFollow(ctx context.Context, actor store.Account, act Activity) error {
	return f.db.Write(ctx, func(tx *store.Tx) error {
		target, ok, err := f.localAccountByURI(ctx, tx, act.Object.ID())
		if err != nil || !ok {
			return err
		}
		if refused, err := tx.RefusesFollowFrom(ctx, target.ID, actor); err != nil || refused {
			if err != nil {
				return err
			}
			return f.SendAccept(ctx, tx, target, actor, act.ID, false)
		}
		fl := store.Follow{AccountID: actor.ID, TargetAccountID: target.ID, URI: act.ID, Accepted: !target.Locked}
		if err := tx.UpsertFollow(ctx, &fl); err != nil {
			return err
		}
		if !fl.Accepted {
			return f.Notify(ctx, tx, store.Notification{AccountID: target.ID, FromAccountID: actor.ID, Type: store.NotifyFollowRequest})
		}
		if err := f.Notify(ctx, tx, store.Notification{AccountID: target.ID, FromAccountID: actor.ID, Type: store.NotifyFollow}); err != nil {
			return err
		}
		return f.SendAccept(ctx, tx, target, actor, act.ID, true)
	})
}

// SendAccept (accept=true) or a Reject answers a remote account's Follow of
// local account target, embedding the Follow with its id.
func (f *Federation) SendAccept(ctx context.Context, tx *store.Tx, target, follower store.Account, followID string, accept bool) error {
	follow := Follow(followID, follower.URI, target.URI)
	id := f.NewActivityID()
	doc, typ := Accept(id, target.URI, follow), "Accept"
	if !accept {
		doc, typ = Reject(id, target.URI, follow), "Reject"
	}
	return f.Enqueue(ctx, tx, target, id, typ, doc, []string{follower.InboxURI})
}

// applyFollowAnswer marks our follow of the sender accepted, or removes it on
// Reject. The object is the Follow's id or the embedded Follow (interop.md A.6).
func (f *Federation) applyFollowAnswer(ctx context.Context, actor store.Account, act Activity) error {
	return f.db.Write(ctx, func(tx *store.Tx) error {
		fl, err := f.findOurFollow(ctx, tx, actor, act.Object)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if act.Type == "Reject" {
			_, err := tx.DeleteFollow(ctx, fl.AccountID, fl.TargetAccountID)
			return err
		}
		return tx.AcceptFollow(ctx, fl.ID)
	})
}

// findOurFollow finds a local account's follow of actor named by obj.
func (f *Federation) findOurFollow(ctx context.Context, tx *store.Tx, actor store.Account, obj IRIOrObject) (store.Follow, error) {
	if fl, err := tx.FollowByURI(ctx, obj.ID()); err == nil && fl.TargetAccountID == actor.ID {
		return fl, nil
	}
	if inner := obj.Activity(); inner != nil && inner.Type == "Follow" {
		local, ok, err := f.localAccountByURI(ctx, tx, inner.Actor.ID())
		if err != nil {
			return store.Follow{}, err
		}
		if ok {
			return tx.FollowBetween(ctx, local.ID, actor.ID)
		}
	}
	return store.Follow{}, store.ErrNotFound
}

// applyBlock ends follows in both directions between the blocker and a local account.
func (f *Federation) applyBlock(ctx context.Context, actor store.Account, act Activity) error {
	return f.db.Write(ctx, func(tx *store.Tx) error {
		target, ok, err := f.localAccountByURI(ctx, tx, act.Object.ID())
		if err != nil || !ok {
			return err
		}
		if _, err := tx.DeleteFollow(ctx, actor.ID, target.ID); err != nil {
			return err
		}
		if _, err = tx.DeleteFollow(ctx, target.ID, actor.ID); err != nil {
			return err
		}
		// Recorded as Mastodon does: the blocked user sees blocked_by, no
		// longer sees the blocker's posts, and cannot follow, like, boost or
		// reply to them, so nothing of that is sent to the blocker.
		return tx.InsertBlock(ctx, &store.Block{AccountID: actor.ID, TargetAccountID: target.ID, URI: act.ID})
	})
}

// undoBlock lifts a remote actor's block of a local account.
func (f *Federation) undoBlock(ctx context.Context, tx *store.Tx, actor store.Account, inner *Activity) error {
	target, ok, err := f.localAccountByURI(ctx, tx, inner.Object.ID())
	if err != nil || !ok {
		return err
	}
	if _, err := tx.DeleteBlock(ctx, actor.ID, target.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return nil
}

// applyUndo reverses a Follow, Like, Announce or Block of the same actor. Mastodon
// embeds the original; a bare id is looked up among stored activities.
func (f *Federation) applyUndo(ctx context.Context, actor store.Account, act Activity) error {
	inner := act.Object.Activity()
	innerID := act.Object.ID()
	return f.db.Write(ctx, func(tx *store.Tx) error {
		if inner != nil && inner.Actor.ID() != "" && inner.Actor.ID() != actor.URI {
			return permanent("undo of another actor's activity")
		}
		typ := TypeName("")
		if inner != nil {
			typ = inner.Type
		}
		if typ == "Block" {
			return f.undoBlock(ctx, tx, actor, inner)
		}
		if typ == "Follow" || typ == "" {
			if done, err := f.undoFollow(ctx, tx, actor, inner, innerID); done || err != nil {
				return err
			}
		}
		if typ == "Like" || typ == "" {
			if done, err := f.undoLike(ctx, tx, actor, inner, innerID); done || err != nil {
				return err
			}
		}
		if typ == "Announce" || typ == "" {
			st, err := tx.StatusByURI(ctx, innerID)
			if err == nil && st.AccountID == actor.ID && st.ReblogOfID != 0 {
				if err := tx.MarkStatusDeleted(ctx, st.ID); err != nil {
					return err
				}
				orig, err := tx.StatusByID(ctx, st.ReblogOfID)
				if err == nil {
					err = tx.DeleteNotificationsFrom(ctx, orig.AccountID, actor.ID, store.NotifyReblog, orig.ID)
				}
				f.PublishStatus(tx, "delete", st.ID)
				return err
			}
		}
		return nil
	})
}

func (f *Federation) undoFollow(ctx context.Context, tx *store.Tx, actor store.Account, inner *Activity, id string) (bool, error) {
	var target store.Account
	if fl, err := tx.FollowByURI(ctx, id); err == nil && fl.AccountID == actor.ID {
		t, err := tx.AccountByID(ctx, fl.TargetAccountID)
		if err != nil {
			return false, err
		}
		target = t
	} else if inner != nil {
		t, ok, err := f.localAccountByURI(ctx, tx, inner.Object.ID())
		if err != nil || !ok {
			return false, err
		}
		target = t
	} else {
		return false, nil
	}
	if _, err := tx.DeleteFollow(ctx, actor.ID, target.ID); err != nil {
		return false, err
	}
	for _, typ := range []string{store.NotifyFollow, store.NotifyFollowRequest} {
		if err := tx.DeleteNotificationsFrom(ctx, target.ID, actor.ID, typ, 0); err != nil {
			return false, err
		}
	}
	return true, nil
}
