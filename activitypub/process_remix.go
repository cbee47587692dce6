package activitypub

import (
	"context"
	"errors"

	"github.com/pictor-social/pictor/store"
)

// remixFacts is what a remote note's pictor:remixOf says (docs/federation.md).
type remixFacts struct {
	uri    string       // the source Note's id, checked as a web URL; "" when absent or unusable
	source store.Status // the source, when this server knows it (ID 0 otherwise)
}

// ofLocal reports whether the note remixes a post of this instance: such a
// note is kept even from an account nobody here follows, as a reply would be.
func (r remixFacts) ofLocal() bool { return r.source.ID != 0 && r.source.Local }

// remixFacts reads o's remixOf inside the write transaction. An unknown
// source is not fetched: its id is kept, and the lineage completes when the
// source arrives (storeRemoteRemix's AttachRemixSource, as replies do).
func (f *Federation) remixFacts(ctx context.Context, tx *store.Tx, o Object, r *remixFacts) error {
	id := o.RemixOf.ID()
	if id == "" || f.webURL(id) == "" || id == o.ID {
		return nil
	}
	r.uri = id
	st, err := tx.StatusByURI(ctx, id)
	switch {
	case err == nil && st.DeletedAt.IsZero() && st.ReblogOfID == 0:
		r.source = st
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return err
	}
	return nil
}

// storeRemoteRemix records the lineage of a stored remote note, completes
// remixes that named it before it was known, and notifies a local source's
// author with the Pictor-only pictor.remix notification.
func (f *Federation) storeRemoteRemix(ctx context.Context, tx *store.Tx, actor store.Account, st store.Status, r remixFacts) error {
	if err := tx.AttachRemixSource(ctx, st); err != nil {
		return err
	}
	if r.uri == "" {
		return nil
	}
	if err := tx.InsertRemix(ctx, store.Remix{StatusID: st.ID, SourceID: r.source.ID, SourceURI: r.uri}); err != nil {
		return err
	}
	if !r.ofLocal() {
		return nil
	}
	return f.Notify(ctx, tx, store.Notification{AccountID: r.source.AccountID, FromAccountID: actor.ID,
		Type: store.NotifyRemix, StatusID: st.ID})
}
