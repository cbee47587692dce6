package mastoapi

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// List is Mastodon's List entity.
type List struct {
	ID            string `json:"id"`
	Title         string `json:"title"`
	RepliesPolicy string `json:"replies_policy"`
	Exclusive     bool   `json:"exclusive"`
}

func listEntity(l store.List) List {
	return List{ID: store.FormatID(l.ID), Title: l.Title, RepliesPolicy: l.RepliesPolicy, Exclusive: l.Exclusive}
}

func listEntities(ls []store.List) []List {
	out := make([]List, 0, len(ls))
	for _, l := range ls {
		out = append(out, listEntity(l))
	}
	return out
}

// Members of a list per page, as Mastodon: 40 by default and at most; limit=0
// asks for all of them, bounded here by maxListAll.
const (
	listMemberLimit = 40
	maxListAll      = 5000
)

// listDraft reads title, replies_policy and exclusive.
func listDraft(p params) social.ListDraft {
	return social.ListDraft{Title: p.opt("title"), RepliesPolicy: p.opt("replies_policy"), Exclusive: p.optBool("exclusive")}
}

// ownList loads the list named by the path's id for the user, or 404.
func (h *Handler) ownList(r *http.Request, owner int64) (store.List, error) {
	id, err := pathID(mux.Vars(r)["id"])
	if err != nil {
		return store.List{}, err
	}
	return h.db.ListByID(r.Context(), owner, id) // ErrNotFound becomes 404 "Record not found"
}

// lists serves GET /api/v1/lists: the user's lists.
func (h *Handler) lists(w http.ResponseWriter, r *http.Request) error {
	g, err := h.user(r, auth.ScopeReadLists)
	if err != nil {
		return err
	}
	ls, err := h.db.ListsOf(r.Context(), g.AccountID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listEntities(ls))
}

// getList serves GET /api/v1/lists/:id.
func (h *Handler) getList(w http.ResponseWriter, r *http.Request) error {
	g, err := h.user(r, auth.ScopeReadLists)
	if err != nil {
		return err
	}
	l, err := h.ownList(r, g.AccountID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listEntity(l))
}

// createList serves POST /api/v1/lists.
func (h *Handler) createList(w http.ResponseWriter, r *http.Request) error {
	g, err := h.user(r, auth.ScopeWriteLists)
	if err != nil {
		return err
	}
	p, err := readParams(w, r, h.opts.MaxBodyBytes)
	if err != nil {
		return err
	}
	l, err := h.social.CreateList(r.Context(), g.AccountID, listDraft(p))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listEntity(l))
}

// updateList serves PUT /api/v1/lists/:id.
func (h *Handler) updateList(w http.ResponseWriter, r *http.Request) error {
	g, err := h.user(r, auth.ScopeWriteLists)
	if err != nil {
		return err
	}
	id, err := pathID(mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	p, err := readParams(w, r, h.opts.MaxBodyBytes)
	if err != nil {
		return err
	}
	l, err := h.social.UpdateList(r.Context(), g.AccountID, id, listDraft(p))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listEntity(l))
}

// deleteList serves DELETE /api/v1/lists/:id with {}.
func (h *Handler) deleteList(w http.ResponseWriter, r *http.Request) error {
	g, err := h.user(r, auth.ScopeWriteLists)
	if err != nil {
		return err
	}
	id, err := pathID(mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	if err := h.social.DeleteList(r.Context(), g.AccountID, id); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{})
}

// listAccounts serves GET /api/v1/lists/:id/accounts, paged with Link.
func (h *Handler) listAccounts(w http.ResponseWriter, r *http.Request) error {
	g, err := h.user(r, auth.ScopeReadLists)
	if err != nil {
		return err
	}
	l, err := h.ownList(r, g.AccountID)
	if err != nil {
		return err
	}
	page := pageOf(r, listMemberLimit, listMemberLimit)
	if r.URL.Query().Get("limit") == "0" {
		page.Limit = maxListAll
	}
	k, err := h.db.ListMembers(r.Context(), l.ID, page)
	if err != nil {
		return err
	}
	return h.writeAccounts(w, r, page, k)
}

// changeListAccounts serves POST and DELETE /api/v1/lists/:id/accounts
// with account_ids[], answering {}.
func (h *Handler) changeListAccounts(w http.ResponseWriter, r *http.Request) error {
	g, err := h.user(r, auth.ScopeWriteLists)
	if err != nil {
		return err
	}
	id, err := pathID(mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	p, err := readParams(w, r, h.opts.MaxBodyBytes)
	if err != nil {
		return err
	}
	ids, err := p.ids("account_ids")
	if err != nil {
		return err
	}
	if r.Method == http.MethodDelete {
		err = h.social.RemoveListAccounts(r.Context(), g.AccountID, id, ids)
	} else {
		err = h.social.AddListAccounts(r.Context(), g.AccountID, id, ids)
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{})
}

// accountLists serves GET /api/v1/accounts/:id/lists: the user's lists
// holding that account.
func (h *Handler) accountLists(w http.ResponseWriter, r *http.Request) error {
	g, err := h.user(r, auth.ScopeReadLists)
	if err != nil {
		return err
	}
	a, err := h.loadAccount(r)
	if err != nil {
		return err
	}
	ls, err := h.db.ListsWithMember(r.Context(), g.AccountID, a.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listEntities(ls))
}

// listTimeline serves GET /api/v1/timelines/list/:id: the posts of the
// list's members, newest first, paged like the home timeline.
func (h *Handler) listTimeline(w http.ResponseWriter, r *http.Request) error {
	g, err := h.user(r, auth.ScopeReadLists)
	if err != nil {
		return err
	}
	l, err := h.ownList(r, g.AccountID)
	if err != nil {
		return err
	}
	page := pageOf(r, defaultLimit, maxLimit)
	list, err := h.db.ListTimeline(r.Context(), l, page)
	if err != nil {
		return err
	}
	// Mastodon applies the home context's filters to list timelines.
	return h.writeStatusesIn(w, r, g.AccountID, filterHome, page, list, statusKeys(list))
}
