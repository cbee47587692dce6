package mastoapi

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/store"
)

// Trends, as Mastodon's explore: statuses default to 20 a page (at most 40),
// tags to 10 (at most 20), paged by offset. Both look at the last week.
const (
	trendTagLimit    = 10
	maxTrendTagLimit = 20
	trendWindow      = 7 * 24 * time.Hour
)

// trendFilter reads limit and offset for a trends list; a malformed or
// negative offset counts as 0 and limit is clamped to 1..most.
func (h *Handler) trendFilter(r *http.Request, viewer int64, def, most int) store.TrendFilter {
	q := r.URL.Query()
	f := store.TrendFilter{Since: h.db.Now().Add(-trendWindow), Viewer: viewer, Limit: def,
		ExcludeTag: h.social.AIHashtag()}
	if n, err := strconv.Atoi(q.Get("limit")); err == nil {
		f.Limit = min(max(n, 1), most)
	}
	if n, err := strconv.Atoi(q.Get("offset")); err == nil && n > 0 {
		f.Offset = n
	}
	return f
}

// trendingStatuses serves GET /api/v1/trends/statuses, to anyone.
func (h *Handler) trendingStatuses(w http.ResponseWriter, r *http.Request) error {
	viewer, err := h.viewer(r, auth.ScopeReadStatuses)
	if err != nil {
		return err
	}
	f := h.trendFilter(r, viewer, defaultLimit, maxLimit)
	list, err := h.db.TrendingStatuses(r.Context(), f)
	if err != nil {
		return err
	}
	out, err := h.statusEntitiesIn(r.Context(), viewer, filterPublic, list)
	if err != nil {
		return err
	}
	h.setOffsetLink(w, r, f, len(list))
	return writeJSON(w, http.StatusOK, out)
}

// trendingTags serves GET /api/v1/trends/tags and its older name
// /api/v1/trends, to anyone: Tag entities with their week of history.
func (h *Handler) trendingTags(w http.ResponseWriter, r *http.Request) error {
	viewer, err := h.viewer(r, auth.ScopeRead)
	if err != nil {
		return err
	}
	f := h.trendFilter(r, viewer, trendTagLimit, maxTrendTagLimit)
	list, err := h.db.TrendingTags(r.Context(), f)
	if err != nil {
		return err
	}
	out := make([]Tag, 0, len(list))
	for _, tt := range list {
		e, err := h.tagEntity(r.Context(), viewer, tt.Tag)
		if err != nil {
			return err
		}
		out = append(out, e)
	}
	h.setOffsetLink(w, r, f, len(list))
	return writeJSON(w, http.StatusOK, out)
}

// setOffsetLink sets the Link header of an offset-paged list, as Mastodon
// does for trends: rel="next" (offset + limit) when the page was full,
// rel="prev" (offset - limit, at least 0) when it did not start at 0.
func (h *Handler) setOffsetLink(w http.ResponseWriter, r *http.Request, f store.TrendFilter, n int) {
	link := func(offset int, rel string) string {
		q := r.URL.Query()
		q.Del("access_token")
		q.Set("offset", strconv.Itoa(offset))
		u := url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
		return "<" + h.opts.BaseURL + u.String() + `>; rel="` + rel + `"`
	}
	var v string
	if n >= f.Limit {
		v = link(f.Offset+f.Limit, "next")
	}
	if f.Offset > 0 {
		if v != "" {
			v += ", "
		}
		v += link(max(f.Offset-f.Limit, 0), "prev")
	}
	if v != "" {
		w.Header().Set("Link", v)
	}
}
