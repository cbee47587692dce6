package activitypub

import (
	"net/http"

	"github.com/pictor-social/pictor/store"
)

// Featured hashtags, as Mastodon publishes them: the actor's featuredTags
// collection lists Hashtag objects, and adding or removing one sends Add or
// Remove with that collection as target to the followers.

// FeaturedTags is a local user's featured-hashtags collection.
func (u URLs) FeaturedTags(name string) string { return u.Actor(name) + "/collections/tags" }

// hashtag renders a hashtag as a Tag object.
func (f *Federation) hashtag(name string) Tag {
	return Tag{Type: "Hashtag", Href: f.URLs.Tag(name), Name: "#" + name}
}

// ServeFeaturedTags serves a local user's featured hashtags.
func (f *Federation) ServeFeaturedTags(w http.ResponseWriter, r *http.Request) error {
	a, err := f.localUser(r.Context(), r)
	if err != nil {
		return err
	}
	list, err := f.db.FeaturedTagsOf(r.Context(), a.ID)
	if err != nil {
		return err
	}
	items := Items{}
	for _, t := range list {
		items = append(items, Embed(f.hashtag(t.Tag.Name)))
	}
	n := len(items)
	return WriteJSON(w, http.StatusOK, Collection{Context: Context(), ID: f.URLs.FeaturedTags(a.Username),
		Type: "Collection", TotalItems: &n, Items: items})
}

// featuredTagActivity is an Add or Remove of a hashtag to a collection.
type featuredTagActivity struct {
	Context LDContext `json:"@context,omitempty"`
	ID      string    `json:"id"`
	Type    string    `json:"type"`
	Actor   string    `json:"actor"`
	Object  Tag       `json:"object"`
	Target  string    `json:"target"`
}

// FeaturedTagChange renders the Add (or, with !added, Remove) of hashtag
// name to local account a's featured tags, with a fresh activity id.
func (f *Federation) FeaturedTagChange(a store.Account, name string, added bool) (id, typ string, doc any) {
	typ = "Add"
	if !added {
		typ = "Remove"
	}
	id = f.NewActivityID()
	return id, typ, featuredTagActivity{Context: Context(), ID: id, Type: typ, Actor: a.URI,
		Object: f.hashtag(name), Target: f.URLs.FeaturedTags(a.Username)}
}
