package mastoapi

import (
	"context"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/store"
)

// Conversation is Mastodon's Conversation entity: a thread of direct
// statuses as one participant sees it.
type Conversation struct {
	ID         string    `json:"id"`
	Unread     bool      `json:"unread"`
	Accounts   []Account `json:"accounts"` // the other participants
	LastStatus *Status   `json:"last_status"`
}

// conversationEntities renders conversations for viewer, in order. The
// participants are the last status's author and mentioned accounts other
// than the viewer (the viewer alone for a note to self). A conversation
// whose last status cannot be rendered is left out.
func (h *Handler) conversationEntities(ctx context.Context, viewer int64, list []store.Conversation) ([]Conversation, error) {
	ids := make([]int64, len(list))
	for i, c := range list {
		ids[i] = c.LastStatusID
	}
	byID, err := h.db.StatusesByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	mentions, err := h.db.MentionsForStatuses(ctx, ids)
	if err != nil {
		return nil, err
	}
	var statuses []store.Status
	var people []int64
	participants := make(map[int64][]int64, len(list))
	for _, id := range ids {
		st, ok := byID[id]
		if !ok {
			continue
		}
		statuses = append(statuses, st)
		for _, p := range append([]int64{st.AccountID}, mentions[id]...) {
			if p != viewer && !containsID(participants[id], p) {
				participants[id] = append(participants[id], p)
			}
		}
		if len(participants[id]) == 0 {
			participants[id] = []int64{viewer}
		}
		people = append(people, participants[id]...)
	}
	rendered, err := h.statusEntities(ctx, viewer, statuses)
	if err != nil {
		return nil, err
	}
	entities := make(map[string]*Status, len(rendered))
	for i := range rendered {
		entities[rendered[i].ID] = &rendered[i]
	}
	accounts, err := h.accountEntities(ctx, people)
	if err != nil {
		return nil, err
	}
	out := make([]Conversation, 0, len(list))
	for _, c := range list {
		last, ok := entities[store.FormatID(c.LastStatusID)]
		if !ok {
			continue
		}
		e := Conversation{ID: store.FormatID(c.ID), Unread: c.Unread, LastStatus: last, Accounts: []Account{}}
		for _, p := range participants[c.LastStatusID] {
			if a, ok := accounts[p]; ok {
				e.Accounts = append(e.Accounts, a)
			}
		}
		out = append(out, e)
	}
	return out, nil
}

func containsID(list []int64, id int64) bool {
	for _, x := range list {
		if x == id {
			return true
		}
	}
	return false
}

// conversations serves GET /api/v1/conversations: the user's direct
// conversations, most recently active first, paged by last status id.
func (h *Handler) conversations(w http.ResponseWriter, r *http.Request) error {
	g, err := h.user(r, auth.ScopeReadStatuses)
	if err != nil {
		return err
	}
	page := pageOf(r, defaultLimit, maxLimit)
	list, err := h.db.Conversations(r.Context(), g.AccountID, page)
	if err != nil {
		return err
	}
	out, err := h.conversationEntities(r.Context(), g.AccountID, list)
	if err != nil {
		return err
	}
	keys := make([]int64, len(list))
	for i, c := range list {
		keys[i] = c.LastStatusID
	}
	h.setLink(w, r, page, keys)
	return writeJSON(w, http.StatusOK, out)
}

// readConversation serves POST /api/v1/conversations/:id/read.
func (h *Handler) readConversation(w http.ResponseWriter, r *http.Request) error {
	g, err := h.user(r, auth.ScopeWriteConversations)
	if err != nil {
		return err
	}
	id, err := pathID(mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	c, err := h.social.MarkConversationRead(r.Context(), g.AccountID, id)
	if err != nil {
		return err
	}
	out, err := h.conversationEntities(r.Context(), g.AccountID, []store.Conversation{c})
	if err != nil {
		return err
	}
	if len(out) == 0 {
		return errNotFound()
	}
	return writeJSON(w, http.StatusOK, out[0])
}

// deleteConversation serves DELETE /api/v1/conversations/:id: the
// conversation leaves the user's list; its statuses stay.
func (h *Handler) deleteConversation(w http.ResponseWriter, r *http.Request) error {
	g, err := h.user(r, auth.ScopeWriteConversations)
	if err != nil {
		return err
	}
	id, err := pathID(mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	if err := h.social.RemoveConversation(r.Context(), g.AccountID, id); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, struct{}{})
}
