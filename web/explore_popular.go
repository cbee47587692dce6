package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/pictor-social/pictor/store"
)

// The Popular tab ranks the last week's public generated images as the
// client API's trends do (store.TrendingStatuses), paged by offset.
const (
	popularWindow    = 7 * 24 * time.Hour
	maxPopularOffset = 40 * galleryPage // deeper pages are noise and cost a longer sort
)

// explorePopular serves /explore/popular: public posts with generated
// images from here and elsewhere, most liked and boosted recently first.
// A signed-in visitor does not see accounts they block or mute.
func (h *Handler) explorePopular(w http.ResponseWriter, r *http.Request, v *visitor) error {
	offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
	offset = min(max(offset, 0), maxPopularOffset)
	f := store.TrendFilter{Since: h.db.Now().Add(-popularWindow), Generated: true, Limit: galleryPage, Offset: offset}
	if v != nil && v.SignedIn {
		f.Viewer = v.Account.ID
	}
	list, err := h.db.TrendingStatuses(r.Context(), f)
	if err != nil {
		return err
	}
	next := ""
	if len(list) == galleryPage && offset+galleryPage <= maxPopularOffset {
		next = r.URL.Path + "?offset=" + strconv.Itoa(offset+galleryPage)
	}
	return h.renderGallery(w, r, v, "popular", list, next, offset != 0)
}
