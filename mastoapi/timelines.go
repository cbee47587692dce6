package mastoapi

import (
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// homeTimeline serves the user's own posts and boosts and those of the
// accounts they follow, remote ones included, newest first.
func (h *Handler) homeTimeline(w http.ResponseWriter, r *http.Request) error {
	g, err := h.user(r, auth.ScopeReadStatuses)
	if err != nil {
		return err
	}
	page := pageOf(r, defaultLimit, maxLimit)
	list, err := h.db.HomeTimeline(r.Context(), g.AccountID, page)
	if err != nil {
		return err
	}
	return h.writeStatusesIn(w, r, g.AccountID, filterHome, page, list, statusKeys(list))
}

// publicFilter reads local, remote and only_media.
func publicFilter(r *http.Request, viewer int64) store.PublicFilter {
	q, _ := readParams(nil, r, 0)
	return store.PublicFilter{Viewer: viewer, Local: q.boolean("local"), Remote: q.boolean("remote"), OnlyMedia: q.boolean("only_media")}
}

// publicTimeline serves public posts (no boosts), to anyone.
func (h *Handler) publicTimeline(w http.ResponseWriter, r *http.Request) error {
	viewer, err := h.viewer(r, auth.ScopeReadStatuses)
	if err != nil {
		return err
	}
	page := pageOf(r, defaultLimit, maxLimit)
	list, err := h.db.PublicTimeline(r.Context(), publicFilter(r, viewer), page)
	if err != nil {
		return err
	}
	return h.writeStatusesIn(w, r, viewer, filterPublic, page, list, statusKeys(list))
}

// tagTimeline serves public posts with a hashtag, to anyone; any[], all[]
// and none[] widen and narrow it as Mastodon's (Tusky's multi-hashtag
// tabs), at most tagsPerMode hashtags each.
func (h *Handler) tagTimeline(w http.ResponseWriter, r *http.Request) error {
	viewer, err := h.viewer(r, auth.ScopeReadStatuses)
	if err != nil {
		return err
	}
	q, _ := readParams(nil, r, 0)
	main := strings.ToLower(strings.TrimPrefix(mux.Vars(r)["tag"], "#"))
	tq := store.TagQuery{Any: append([]string{main}, tagNames(q.list("any"))...), All: tagNames(q.list("all")),
		None: tagNames(q.list("none"))}
	page := pageOf(r, defaultLimit, maxLimit)
	list, err := h.db.TagTimeline(r.Context(), tq, publicFilter(r, viewer), page)
	if err != nil {
		return err
	}
	return h.writeStatusesIn(w, r, viewer, filterPublic, page, list, statusKeys(list))
}

// tagsPerMode bounds each of any[], all[] and none[], as Mastodon's
// TagFeed::LIMIT_PER_MODE.
const tagsPerMode = 4

// tagNames normalizes hashtag parameters, skipping malformed ones.
func tagNames(raw []string) []string {
	var out []string
	for _, s := range raw {
		if name, ok := social.TagName(s); ok && len(out) < tagsPerMode {
			out = append(out, name)
		}
	}
	return out
}
