package activitypub

import (
	"context"
	"errors"

	"github.com/pictor-social/pictor/store"
)

// MaxLocalAddressees bounds how many distinct local accounts one remote post
// may mention or address: the first ones found (Mention tags, then to, then
// cc) are kept and the rest ignored. A real post names a handful; a hostile
// one listing 25,000 local-looking URIs would otherwise cost as many lookups.
const MaxLocalAddressees = 100

// localAddressees returns the local accounts a note mentions or addresses,
// distinct and at most MaxLocalAddressees, looked up on the read pool. It
// runs before the write transaction that stores the note, so a large
// audience never holds the single writer (issue 8); the list is scanned
// without store access and only local-looking URIs are looked up.
func (f *Federation) localAddressees(ctx context.Context, o Object) ([]store.Account, error) {
	var uris []string
	seen := map[string]bool{}
	add := func(uri string) bool {
		if len(uris) == MaxLocalAddressees {
			return false
		}
		if uri != "" && !seen[uri] && f.IsLocalURI(uri) {
			seen[uri] = true
			uris = append(uris, uri)
		}
		return true
	}
	for _, t := range o.Tag {
		if t.Type == "Mention" && !add(t.Href) {
			break
		}
	}
	for _, list := range []IRIs{o.To, o.Cc} {
		for _, uri := range list {
			if !add(uri) {
				break
			}
		}
	}
	var out []store.Account
	ids := map[int64]bool{}
	for _, uri := range uris {
		f.addresseeLookups.Add(1)
		a, err := f.db.AccountByURI(ctx, uri)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if a.Local() && !ids[a.ID] {
			ids[a.ID] = true
			out = append(out, a)
		}
	}
	return out, nil
}

// AddresseeLookups returns how many local-account lookups the addressing of
// remote posts has cost since start (for metrics and tests).
func (f *Federation) AddresseeLookups() int64 { return f.addresseeLookups.Load() }
