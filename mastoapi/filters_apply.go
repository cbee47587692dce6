package mastoapi

import (
	"context"
	"net/http"
	"strings"

	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// Filter contexts of the lists that apply filters, as Mastodon names them.
// A status fetched on its own (or bookmarked, favourited, searched) is
// rendered in no context: "filtered" then names every matching filter,
// as Mastodon's does, and nothing is left out.
const (
	filterHome          = "home"
	filterNotifications = "notifications"
	filterPublic        = "public"
	filterThread        = "thread"
	filterAccount       = "account"
)

// viewerFilters loads and compiles viewer's active filters, with the
// system filters of screening for the statuses of flags it flagged: one
// indexed query for a viewer without filters (a second, for the viewer's
// screening preferences, when a status is flagged), none for anonymous
// viewers.
func (h *Handler) viewerFilters(ctx context.Context, viewer int64, flags map[int64]store.ViewerFlags) (*social.FilterSet, error) {
	if viewer == 0 {
		return nil, nil
	}
	list, err := h.db.FiltersOf(ctx, viewer)
	if err != nil {
		return nil, err
	}
	system, err := h.social.ScreeningFilters(ctx, viewer, flags)
	if err != nil {
		return nil, err
	}
	return social.CompileFilters(append(list, system...), h.db.Now()), nil
}

// applyFilters sets e.Filtered for st (not a boost) and reports whether
// the status is to be shown: false when a hide filter of d's context
// matches.
func (d *statusData) applyFilters(e *Status, st store.Status) bool {
	if d.filters.Empty() {
		return true
	}
	subject := social.FilterSubject{IDs: []int64{st.ID}, SpoilerText: st.SpoilerText, ContentHTML: st.Content}
	for _, m := range d.extras[st.ID].Media {
		if m.Description != "" {
			subject.MediaDescriptions = append(subject.MediaDescriptions, m.Description)
		}
	}
	matches := d.filters.Match(d.context, subject)
	if d.context != "" && social.Hides(matches) {
		return false
	}
	e.Filtered = filterResults(matches)
	return true
}

// writeStatusesIn renders a page of statuses shown in filter context fctx.
// Statuses a hide filter matches are left out, but the Link header still
// pages from the statuses that were read (keys), so no page is skipped
// or repeated, and a page emptied by filters still links onwards.
func (h *Handler) writeStatusesIn(w http.ResponseWriter, r *http.Request, viewer int64, fctx string,
	page store.Page, list []store.Status, keys []int64) error {
	d, err := h.loadStatusData(r.Context(), viewer, list)
	if err != nil {
		return err
	}
	d.context = fctx
	h.setLink(w, r, page, keys)
	// Each status is rendered and encoded in turn, without a slice of
	// entities in between (what statusEntitiesIn then writeJSON would do).
	return writeEncoded(w, http.StatusOK, func(b []byte) ([]byte, error) {
		jw := jsonW{b: append(b, '[')}
		n := 0
		for _, st := range list {
			e, ok := h.renderStatus(d, st)
			if !ok {
				continue
			}
			if n > 0 {
				jw.b = append(jw.b, ',')
			}
			n++
			jw.status(&e)
		}
		return append(jw.b, ']'), jw.err
	})
}

// streamFilterContext is the filter context of a stream's statuses: home
// for the user's own stream (and lists), public for the others.
func streamFilterContext(internal string) string {
	if strings.HasPrefix(internal, "api:user:") || strings.HasPrefix(internal, "api:list:") {
		return filterHome
	}
	return filterPublic
}
