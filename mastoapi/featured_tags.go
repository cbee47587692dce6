package mastoapi

import (
	"net/http"
	"strconv"

	"github.com/gorilla/mux"

	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// FeaturedTag is a hashtag featured on a profile. Mastodon 4.2 sends the
// count as a string and the last use as a date.
type FeaturedTag struct {
	ID            string  `json:"id"`
	Name          string  `json:"name"`
	URL           string  `json:"url"`
	StatusesCount string  `json:"statuses_count"`
	LastStatusAt  *string `json:"last_status_at"`
}

func (h *Handler) featuredTagEntity(f store.FeaturedTag) FeaturedTag {
	e := FeaturedTag{ID: store.FormatID(f.ID), Name: f.Tag.Name, URL: h.fed.URLs.Tag(f.Tag.Name),
		StatusesCount: strconv.FormatInt(f.StatusesCount, 10)}
	if !f.LastStatusAt.IsZero() {
		d := f.LastStatusAt.UTC().Format("2006-01-02")
		e.LastStatusAt = &d
	}
	return e
}

func (h *Handler) featuredTagList(list []store.FeaturedTag) []FeaturedTag {
	out := make([]FeaturedTag, 0, len(list))
	for _, f := range list {
		out = append(out, h.featuredTagEntity(f))
	}
	return out
}

// featuredTags serves GET /api/v1/featured_tags (the user's own).
func (h *Handler) featuredTags(w http.ResponseWriter, r *http.Request) error {
	g, err := h.user(r, auth.ScopeReadAccounts)
	if err != nil {
		return err
	}
	list, err := h.db.FeaturedTagsOf(r.Context(), g.AccountID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, h.featuredTagList(list))
}

// accountFeaturedTags serves GET /api/v1/accounts/:id/featured_tags, to
// anyone; remote accounts have none here.
func (h *Handler) accountFeaturedTags(w http.ResponseWriter, r *http.Request) error {
	if _, err := h.viewer(r, auth.ScopeReadAccounts); err != nil {
		return err
	}
	a, err := h.loadAccount(r)
	if err != nil {
		return err
	}
	list, err := h.db.FeaturedTagsOf(r.Context(), a.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, h.featuredTagList(list))
}

// createFeaturedTag serves POST /api/v1/featured_tags with name.
func (h *Handler) createFeaturedTag(w http.ResponseWriter, r *http.Request) error {
	g, err := h.user(r, auth.ScopeWriteAccounts)
	if err != nil {
		return err
	}
	p, err := readParams(w, r, h.opts.MaxBodyBytes)
	if err != nil {
		return err
	}
	f, err := h.social.FeatureTag(r.Context(), g.AccountID, p.str("name"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, h.featuredTagEntity(f))
}

// deleteFeaturedTag serves DELETE /api/v1/featured_tags/:id with an empty
// object, as Mastodon answers.
func (h *Handler) deleteFeaturedTag(w http.ResponseWriter, r *http.Request) error {
	g, err := h.user(r, auth.ScopeWriteAccounts)
	if err != nil {
		return err
	}
	id, err := pathID(mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	if err := h.social.UnfeatureTag(r.Context(), g.AccountID, id); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{})
}

// featuredTagSuggestions serves GET /api/v1/featured_tags/suggestions: the
// user's most used hashtags not featured yet, as Tag entities.
func (h *Handler) featuredTagSuggestions(w http.ResponseWriter, r *http.Request) error {
	g, err := h.user(r, auth.ScopeReadAccounts)
	if err != nil {
		return err
	}
	tags, err := h.db.FeaturedTagSuggestions(r.Context(), g.AccountID, social.MaxFeaturedTags)
	if err != nil {
		return err
	}
	out := make([]Tag, 0, len(tags))
	for _, t := range tags {
		e, err := h.tagEntity(r.Context(), g.AccountID, t)
		if err != nil {
			return err
		}
		out = append(out, e)
	}
	return writeJSON(w, http.StatusOK, out)
}
