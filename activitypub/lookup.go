package activitypub

import (
	"context"
	"errors"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/store"
)

// Found is what LookupURL resolved: a post or an account (the other is zero).
type Found struct {
	Status  store.Status
	Account store.Account
}

// LookupURL resolves a remote address a user searched for: the ActivityPub
// id of a post or an actor, or a web address of one (`https://host/@user`,
// `https://host/@user/ID`, GoToSocial's `https://host/@user/statuses/ID`).
// The document fetched there is trusted only when its id is the address
// itself; otherwise the document is fetched again from its id, whatever host
// that is, and used only if it names itself by that id (as Mastodon does), so
// one server can never speak for another. A post or actor is stored as when
// it arrives by federation. Any failure gives an apperr (NotFound or
// Unavailable), for search to answer with an empty result.
func (f *Federation) LookupURL(ctx context.Context, rawURL string) (Found, error) {
	if f.webURL(rawURL) == "" || f.IsLocalURI(rawURL) {
		return Found{}, apperr.NotFound("nothing found at %s", rawURL)
	}
	body, o, err := f.getDocument(ctx, rawURL)
	if err != nil {
		return Found{}, err
	}
	if o.ID != rawURL {
		if f.webURL(o.ID) == "" || f.IsLocalURI(o.ID) {
			return Found{}, apperr.NotFound("nothing found at %s", rawURL)
		}
		id := o.ID
		if body, o, err = f.getDocument(ctx, id); err != nil {
			return Found{}, err
		}
		if o.ID != id {
			return Found{}, apperr.NotFound("%s does not name itself %s", id, o.ID)
		}
	}
	switch {
	case actorTypes[o.Type]:
		act, err := ParseActor(body)
		if err != nil {
			return Found{}, apperr.NotFound("%s is not an actor", o.ID)
		}
		a, err := f.storeActor(ctx, act)
		if err != nil {
			return Found{}, apperr.Wrap(apperr.NotFound("%s is not a usable actor", o.ID), err)
		}
		return Found{Account: a}, nil
	case postTypes[o.Type]:
		st, err := f.storeFetchedNote(ctx, o)
		if err != nil {
			return Found{}, err
		}
		return Found{Status: st}, nil
	}
	return Found{}, apperr.NotFound("%s is neither a post nor an account", o.ID)
}

// getDocument fetches rawURL and decodes it as an object (actors decode as
// objects too: the id and type are what LookupURL needs first).
func (f *Federation) getDocument(ctx context.Context, rawURL string) ([]byte, Object, error) {
	body, err := f.Get(ctx, rawURL)
	if errors.Is(err, ErrGone) || errors.Is(err, ErrRemoteNotFound) {
		return nil, Object{}, apperr.NotFound("nothing found at %s", rawURL)
	}
	if err != nil {
		return nil, Object{}, apperr.Wrap(apperr.Unavailable("could not fetch %s", rawURL), err)
	}
	o, err := ParseObject(body)
	if err != nil {
		return nil, Object{}, apperr.NotFound("%s is not an ActivityPub document", rawURL)
	}
	return body, o, nil
}
