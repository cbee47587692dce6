package web

import (
	"context"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// adminAnnouncementLimit bounds the announcements the admin page lists.
const adminAnnouncementLimit = 50

// announcementTimeLayout is what a datetime-local input posts; the admin
// page states that its times are UTC.
const announcementTimeLayout = "2006-01-02T15:04"

// adminAnnouncement is one announcement on the admin page.
type adminAnnouncement struct {
	store.Announcement
	Content template.HTML
	Active  bool // users see it now
}

// announcementNotices are the messages shown after an announcement action.
var announcementNotices = map[string]string{
	"announcement_created":   "Announcement published.",
	"announcement_drafted":   "Announcement saved unpublished.",
	"announcement_publish":   "Announcement published.",
	"announcement_unpublish": "Announcement unpublished: users no longer see it.",
	"announcement_delete":    "Announcement deleted.",
}

// adminAnnouncementsSection loads the latest announcements, newest first.
func (h *Handler) adminAnnouncementsSection(ctx context.Context) ([]adminAnnouncement, error) {
	list, err := h.db.Announcements(ctx, adminAnnouncementLimit)
	if err != nil {
		return nil, err
	}
	now := h.db.Now()
	out := make([]adminAnnouncement, len(list))
	for i, a := range list {
		out[i] = adminAnnouncement{Announcement: a, Content: sanitizeHTML(h.social.FormatAnnouncement(ctx, a).HTML),
			Active: a.ActiveAt(now)}
	}
	return out, nil
}

// adminCreateAnnouncement serves POST /admin/announcements: text, optional
// starts_at and ends_at (UTC, as a datetime-local input or RFC 3339),
// all_day and draft. Invalid input re-renders the page with the message.
func (h *Handler) adminCreateAnnouncement(w http.ResponseWriter, r *http.Request, v *visitor) error {
	d := social.AnnouncementDraft{Text: r.PostFormValue("text"), AllDay: r.PostFormValue("all_day") != "",
		Draft: r.PostFormValue("draft") != ""}
	var err error
	if d.StartsAt, err = parseAnnouncementTime(r.PostFormValue("starts_at")); err == nil {
		d.EndsAt, err = parseAnnouncementTime(r.PostFormValue("ends_at"))
	}
	if err == nil {
		_, err = h.social.CreateAnnouncement(r.Context(), d)
	}
	if _, ok := apperr.As(err); ok {
		return h.renderAdmin(w, r, v, apperr.StatusOf(err), adminView{Error: apperr.MessageOf(err)})
	}
	if err != nil {
		return err
	}
	notice := "announcement_created"
	if d.Draft {
		notice = "announcement_drafted"
	}
	http.Redirect(w, r, "/admin?notice="+notice+"#announcements", http.StatusSeeOther)
	return nil
}

// parseAnnouncementTime reads an optional form time; "" is the zero time.
func parseAnnouncementTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{announcementTimeLayout, announcementTimeLayout + ":05", time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, apperr.Invalid("Enter times like 2026-01-31T18:00 (UTC).")
}

// adminAnnouncementAction serves POST /admin/announcements/{id}/{action}:
// publish, unpublish or delete.
func (h *Handler) adminAnnouncementAction(w http.ResponseWriter, r *http.Request, v *visitor) error {
	id, ok := store.ParseID(mux.Vars(r)["id"])
	if !ok {
		return errNotFound
	}
	action := mux.Vars(r)["action"]
	var err error
	switch action {
	case "publish", "unpublish":
		err = h.social.SetAnnouncementPublished(r.Context(), id, action == "publish")
	case "delete":
		err = h.social.DeleteAnnouncement(r.Context(), id)
	default:
		return errNotFound
	}
	if err != nil {
		return notFoundIf(err)
	}
	http.Redirect(w, r, "/admin?notice=announcement_"+action+"#announcements", http.StatusSeeOther)
	return nil
}
