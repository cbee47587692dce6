package web

import (
	"context"
	"html/template"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/pictor-social/pictor/store"
)

// banner is the strip of active, unread announcements shown at the top of
// every page for a signed-in visitor.
type banner struct {
	Items []bannerItem
	Next  string // the page to come back to after a dismissal
	CSRF  string
}

type bannerItem struct {
	ID      int64
	Content template.HTML
}

// banner loads v's unread active announcements. The banner is not worth
// failing a page for, so errors are logged and give no banner.
func (h *Handler) banner(ctx context.Context, r *http.Request, v *visitor) *banner {
	if !v.SignedIn {
		return nil
	}
	list, err := h.social.ActiveAnnouncements(ctx)
	if err == nil && len(list) == 0 {
		return nil
	}
	var read map[int64]bool
	if err == nil {
		read, err = h.db.AnnouncementsRead(ctx, v.Account.ID, announcementIDs(list))
	}
	if err != nil {
		if ctx.Err() == nil {
			h.opts.Log.Warn("announcement banner", "err", err)
		}
		return nil
	}
	b := &banner{Next: "/", CSRF: v.Session.CSRFToken}
	if r.Method == http.MethodGet { // a page rendered for a POST cannot be gone back to
		b.Next = localPath(r.URL.RequestURI())
	}
	for _, a := range list {
		if !read[a.ID] {
			b.Items = append(b.Items, bannerItem{ID: a.ID, Content: sanitizeHTML(h.social.FormatAnnouncement(ctx, a).HTML)})
		}
	}
	if len(b.Items) == 0 {
		return nil
	}
	return b
}

func announcementIDs(list []store.Announcement) []int64 {
	ids := make([]int64, len(list))
	for i, a := range list {
		ids[i] = a.ID
	}
	return ids
}

// dismissAnnouncement serves POST /announcements/{id}/dismiss: it marks
// the announcement read for the visitor and goes back to the form's next
// page (a local path).
func (h *Handler) dismissAnnouncement(w http.ResponseWriter, r *http.Request, v *visitor) error {
	id, ok := store.ParseID(mux.Vars(r)["id"])
	if !ok {
		return errNotFound
	}
	if err := h.social.DismissAnnouncement(r.Context(), v.Account.ID, id); err != nil {
		return err
	}
	http.Redirect(w, r, localPath(r.PostFormValue("next")), http.StatusSeeOther)
	return nil
}
