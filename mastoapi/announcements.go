package mastoapi

import (
	"context"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/store"
)

// Announcement is Mastodon's Announcement entity: an admin's notice with
// the viewer's read mark and everyone's reactions.
type Announcement struct {
	ID          string                 `json:"id"`
	Content     string                 `json:"content"`
	StartsAt    *Time                  `json:"starts_at"`
	EndsAt      *Time                  `json:"ends_at"`
	Published   bool                   `json:"published"`
	AllDay      bool                   `json:"all_day"`
	PublishedAt Time                   `json:"published_at"`
	UpdatedAt   Time                   `json:"updated_at"`
	Read        bool                   `json:"read"`
	Mentions    []Mention              `json:"mentions"`
	Statuses    []AnnouncementStatus   `json:"statuses"`
	Tags        []AnnouncementTag      `json:"tags"`
	Emojis      []Emoji                `json:"emojis"`
	Reactions   []AnnouncementReaction `json:"reactions"`
}

// AnnouncementStatus is a status an announcement links to.
type AnnouncementStatus struct {
	ID  string `json:"id"`
	URL string `json:"url"`
}

// AnnouncementTag is a hashtag an announcement uses.
type AnnouncementTag struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// AnnouncementReaction is Mastodon's Reaction entity for a Unicode emoji
// (Pictor has no custom emojis, so url and static_url never appear).
type AnnouncementReaction struct {
	Name  string `json:"name"`
	Count int64  `json:"count"`
	Me    bool   `json:"me"`
}

// announcementEntities renders list for viewer with read marks, reactions,
// mentions and tags, in a fixed number of queries per announcement.
func (h *Handler) announcementEntities(ctx context.Context, viewer int64, list []store.Announcement) ([]Announcement, error) {
	ids := make([]int64, len(list))
	for i, a := range list {
		ids[i] = a.ID
	}
	read, err := h.db.AnnouncementsRead(ctx, viewer, ids)
	if err != nil {
		return nil, err
	}
	reactions, err := h.db.AnnouncementReactions(ctx, viewer, ids)
	if err != nil {
		return nil, err
	}
	out := make([]Announcement, 0, len(list))
	for _, a := range list {
		e, err := h.announcementEntity(ctx, a, read[a.ID], reactions[a.ID])
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

func (h *Handler) announcementEntity(ctx context.Context, a store.Announcement, read bool, reactions []store.AnnouncementReaction) (Announcement, error) {
	c := h.social.FormatAnnouncement(ctx, a)
	e := Announcement{ID: store.FormatID(a.ID), Content: c.HTML, Published: a.Published(), AllDay: a.AllDay,
		PublishedAt: Time(a.PublishedAt), UpdatedAt: Time(a.UpdatedAt), Read: read, Mentions: []Mention{},
		Statuses: []AnnouncementStatus{}, Tags: []AnnouncementTag{}, Emojis: []Emoji{},
		Reactions: []AnnouncementReaction{}}
	if !a.StartsAt.IsZero() {
		t := Time(a.StartsAt)
		e.StartsAt = &t
	}
	if !a.EndsAt.IsZero() {
		t := Time(a.EndsAt)
		e.EndsAt = &t
	}
	for _, t := range c.Tags {
		e.Tags = append(e.Tags, AnnouncementTag{Name: t, URL: h.fed.URLs.Tag(t)})
	}
	for _, r := range reactions {
		e.Reactions = append(e.Reactions, AnnouncementReaction{Name: r.Name, Count: r.Count, Me: r.Me})
	}
	if len(c.Mentions) == 0 {
		return e, nil
	}
	ids := make([]int64, len(c.Mentions))
	for i, m := range c.Mentions {
		ids[i] = m.ID
	}
	accounts, err := h.accountEntities(ctx, ids)
	if err != nil {
		return Announcement{}, err
	}
	for _, id := range ids {
		if a, ok := accounts[id]; ok {
			e.Mentions = append(e.Mentions, Mention{ID: a.ID, Username: a.Username, URL: a.URL, Acct: a.Acct})
		}
	}
	return e, nil
}

// announcements serves GET /api/v1/announcements (scope read): the active
// announcements, each with the viewer's read mark, oldest first.
func (h *Handler) announcements(w http.ResponseWriter, r *http.Request) error {
	g, err := h.user(r, auth.ScopeRead)
	if err != nil {
		return err
	}
	list, err := h.social.ActiveAnnouncements(r.Context())
	if err != nil {
		return err
	}
	out, err := h.announcementEntities(r.Context(), g.AccountID, list)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

// dismissAnnouncement serves POST /api/v1/announcements/:id/dismiss (scope
// write:accounts); 404 unless the announcement is active.
func (h *Handler) dismissAnnouncement(w http.ResponseWriter, r *http.Request) error {
	g, err := h.user(r, auth.ScopeWriteAccounts)
	if err != nil {
		return err
	}
	id, err := pathID(mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	if err := h.social.DismissAnnouncement(r.Context(), g.AccountID, id); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, struct{}{})
}

// announcementReaction serves PUT and DELETE
// /api/v1/announcements/:id/reactions/:name (scope write:accounts): add or
// remove the viewer's reaction. 404 unless the announcement is active, 422
// for a name that is not one emoji.
func (h *Handler) announcementReaction(w http.ResponseWriter, r *http.Request) error {
	g, err := h.user(r, auth.ScopeWriteAccounts)
	if err != nil {
		return err
	}
	id, err := pathID(mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	name := mux.Vars(r)["name"]
	if r.Method == http.MethodDelete {
		err = h.social.RemoveAnnouncementReaction(r.Context(), g.AccountID, id, name)
	} else {
		err = h.social.AddAnnouncementReaction(r.Context(), g.AccountID, id, name)
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, struct{}{})
}
