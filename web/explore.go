package web

import (
	"net/http"

	"github.com/pictor-social/pictor/store"
)

// galleryPage is how many cards a gallery page shows.
const galleryPage = 24

// exploreView is the Explore page's data.
type exploreView struct {
	Tab   string // "local", "following" or "popular"
	Cards []statusView
	Next  string // URL of the next (older) page, "" at the end
}

// explore serves / : the newest public posts with images on this instance.
func (h *Handler) explore(w http.ResponseWriter, r *http.Request, v *visitor) error {
	return h.gallery(w, r, v, "local")
}

// exploreFollowing serves /explore/following: public posts with images that
// arrived from accounts people here follow.
func (h *Handler) exploreFollowing(w http.ResponseWriter, r *http.Request, v *visitor) error {
	return h.gallery(w, r, v, "following")
}

func (h *Handler) gallery(w http.ResponseWriter, r *http.Request, v *visitor, tab string) error {
	p := store.Page{Limit: galleryPage}
	if id, ok := store.ParseID(r.URL.Query().Get("max_id")); ok {
		p.MaxID = id
	}
	list, err := h.db.LocalGallery(r.Context(), p)
	if tab == "following" {
		list, err = h.db.FollowedGallery(r.Context(), p)
	}
	if err != nil {
		return err
	}
	next := ""
	if len(list) == galleryPage {
		next = r.URL.Path + "?max_id=" + store.FormatID(list[len(list)-1].ID)
	}
	return h.renderGallery(w, r, v, tab, list, next, p.MaxID != 0)
}

// galleryTitles are the page titles of the Explore tabs.
var galleryTitles = map[string]string{"local": "Explore", "following": "From people we follow", "popular": "Popular"}

// renderGallery renders an Explore tab showing list; next is the URL of
// the following page ("" at the end) and paged is true past the first page.
func (h *Handler) renderGallery(w http.ResponseWriter, r *http.Request, v *visitor, tab string, list []store.Status,
	next string, paged bool) error {
	cards, err := h.statusViews(r.Context(), list)
	if err != nil {
		return err
	}
	ev := exploreView{Tab: tab, Cards: cards, Next: next}
	pd := pageData{Title: galleryTitles[tab], Description: h.opts.InstanceDescription, Nav: "explore", Data: ev,
		Canonical: h.opts.BaseURL + r.URL.Path, NoIndex: paged || tab != "local",
		Meta: &cardMeta{Type: "website", Title: h.opts.InstanceTitle, Description: h.opts.InstanceDescription,
			URL: h.opts.BaseURL + "/"}}
	for _, c := range cards {
		if m := c.First(); m.URL != "" && !c.Sensitive {
			pd.Meta.Image, pd.Meta.ImageAlt = h.absURL(m.ThumbURL), m.Alt
			break
		}
	}
	h.render(w, r, http.StatusOK, "explore", v, pd)
	return nil
}

// absURL makes a site-relative URL absolute, as link previews need.
func (h *Handler) absURL(u string) string {
	if len(u) > 0 && u[0] == '/' {
		return h.opts.BaseURL + u
	}
	return u
}
