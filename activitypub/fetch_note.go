package activitypub

import (
	"context"
	"errors"
	"fmt"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/store"
)

// FetchNote returns the post with ActivityPub id uri, from the store or
// fetched and stored with its author (for search by URL and boosts of
// followed accounts). A missing or non-post object gives apperr.NotFound.
func (f *Federation) FetchNote(ctx context.Context, uri string) (store.Status, error) {
	if st, err := f.db.StatusByURI(ctx, uri); err == nil {
		if !st.DeletedAt.IsZero() {
			return store.Status{}, apperr.NotFound("status not found")
		}
		return st, nil
	}
	if f.IsLocalURI(uri) {
		return store.Status{}, apperr.NotFound("status not found")
	}
	body, err := f.Get(ctx, uri)
	if errors.Is(err, ErrGone) || errors.Is(err, ErrRemoteNotFound) {
		return store.Status{}, apperr.NotFound("status not found")
	}
	if err != nil {
		return store.Status{}, apperr.Wrap(apperr.Unavailable("could not fetch %s", uri), err)
	}
	o, err := ParseObject(body)
	if err != nil || !postTypes[o.Type] {
		return store.Status{}, apperr.NotFound("%s is not a post", uri)
	}
	if o.ID != uri {
		return store.Status{}, apperr.NotFound("%s is not a post", uri)
	}
	return f.storeFetchedNote(ctx, o)
}

// storeFetchedNote stores a post fetched from its own id (o.ID), with its
// author, and returns it; a post already stored is returned as it is.
func (f *Federation) storeFetchedNote(ctx context.Context, o Object) (store.Status, error) {
	if st, err := f.db.StatusByURI(ctx, o.ID); err == nil {
		if !st.DeletedAt.IsZero() {
			return store.Status{}, apperr.NotFound("status not found")
		}
		return st, nil
	}
	author, err := f.FetchActor(ctx, o.AttributedTo.ID(), false)
	if err != nil {
		return store.Status{}, apperr.Wrap(apperr.Unavailable("could not fetch the author of %s", o.ID), err)
	}
	if err := f.checkAuthor(author, o); err != nil {
		return store.Status{}, apperr.NotFound("%s is not a post", o.ID)
	}
	mentioned, err := f.localAddressees(ctx, o)
	if err != nil {
		return store.Status{}, err
	}
	var st store.Status
	err = f.db.Write(ctx, func(tx *store.Tx) error {
		nf, err := f.noteFacts(ctx, tx, author, o, mentioned)
		if err != nil {
			return err
		}
		st = f.remoteStatus(o, author, nf)
		if err := tx.InsertStatus(ctx, &st); err != nil {
			return err
		}
		if err := f.storeRemoteDetails(ctx, tx, st, o, nf); err != nil {
			return err
		}
		return tx.AttachReplyParent(ctx, st)
	})
	if errors.Is(err, store.ErrConflict) {
		return f.db.StatusByURI(ctx, o.ID)
	}
	if err != nil {
		return store.Status{}, fmt.Errorf("store %s: %w", o.ID, err)
	}
	return st, nil
}
