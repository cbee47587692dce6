package mastoapi

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/gorilla/mux"

	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// Followed tags per page, as Mastodon: 100 by default, at most 200.
const (
	followedTagLimit    = 100
	maxFollowedTagLimit = 200
	tagHistoryDays      = 7
)

// TagHistory is one day of a Tag's history; Mastodon sends the numbers as
// strings.
type TagHistory struct {
	Day      string `json:"day"`
	Uses     string `json:"uses"`
	Accounts string `json:"accounts"`
}

// tagEntity renders a hashtag with its week of history and, for a signed-in
// viewer, whether they follow it. An unknown tag (no post used it yet) is
// valid and has an empty history.
func (h *Handler) tagEntity(ctx context.Context, viewer int64, t store.Tag) (Tag, error) {
	e := Tag{Name: t.Name, URL: h.fed.URLs.Tag(t.Name), History: []any{}}
	if t.ID != 0 {
		e.ID = strconv.FormatInt(t.ID, 10)
	}
	days := make([]store.TagDay, 0)
	if t.ID != 0 {
		var err error
		if days, err = h.db.TagHistory(ctx, t.ID, h.db.Now(), tagHistoryDays); err != nil {
			return Tag{}, err
		}
	}
	for _, d := range days {
		e.History = append(e.History, TagHistory{Day: strconv.FormatInt(d.Day.Unix(), 10),
			Uses: strconv.FormatInt(d.Uses, 10), Accounts: strconv.FormatInt(d.Accounts, 10)})
	}
	if viewer != 0 {
		following := false
		if t.ID != 0 {
			var err error
			if following, err = h.db.FollowingTag(ctx, viewer, t.ID); err != nil {
				return Tag{}, err
			}
		}
		e.Following = &following
	}
	return e, nil
}

// getTag serves GET /api/v1/tags/:name, to anyone.
func (h *Handler) getTag(w http.ResponseWriter, r *http.Request) error {
	viewer, err := h.viewer(r, auth.ScopeRead)
	if err != nil {
		return err
	}
	name, ok := social.TagName(mux.Vars(r)["name"])
	if !ok {
		return errNotFound()
	}
	t, err := h.db.TagByName(r.Context(), name)
	if errors.Is(err, store.ErrNotFound) {
		t, err = store.Tag{Name: name}, nil
	}
	if err != nil {
		return err
	}
	e, err := h.tagEntity(r.Context(), viewer, t)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, e)
}

// followTag serves POST /api/v1/tags/:name/follow and /unfollow; both are
// idempotent and answer the Tag.
func (h *Handler) followTag(w http.ResponseWriter, r *http.Request) error {
	g, err := h.user(r, auth.ScopeWriteFollows)
	if err != nil {
		return err
	}
	name := mux.Vars(r)["name"]
	var t store.Tag
	if mux.Vars(r)["action"] == "unfollow" {
		t, err = h.social.UnfollowTag(r.Context(), g.AccountID, name)
	} else {
		t, err = h.social.FollowTag(r.Context(), g.AccountID, name)
	}
	if err != nil {
		return err
	}
	e, err := h.tagEntity(r.Context(), g.AccountID, t)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, e)
}

// followedTags serves GET /api/v1/followed_tags, newest follow first, paged
// with Link.
func (h *Handler) followedTags(w http.ResponseWriter, r *http.Request) error {
	g, err := h.user(r, auth.ScopeReadFollows)
	if err != nil {
		return err
	}
	page := pageOf(r, followedTagLimit, maxFollowedTagLimit)
	list, err := h.db.FollowedTags(r.Context(), g.AccountID, page)
	if err != nil {
		return err
	}
	out := make([]Tag, 0, len(list))
	keys := make([]int64, 0, len(list))
	for _, f := range list {
		e, err := h.tagEntity(r.Context(), g.AccountID, f.Tag)
		if err != nil {
			return err
		}
		out, keys = append(out, e), append(keys, f.Key)
	}
	h.setLink(w, r, page, keys)
	return writeJSON(w, http.StatusOK, out)
}
