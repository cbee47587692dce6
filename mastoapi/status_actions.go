package mastoapi

import (
	"net/http"

	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/store"
)

// statusAction authenticates with scope, runs act on the {id} status and
// answers with the status act returns, rendered for the user.
func (h *Handler) statusAction(w http.ResponseWriter, r *http.Request, scope auth.Scope,
	act func(me, statusID int64) (store.Status, error)) error {
	g, err := h.user(r, scope)
	if err != nil {
		return err
	}
	if _, err := readParams(w, r, h.opts.MaxBodyBytes); err != nil {
		return err
	}
	st, err := h.loadStatus(r, g.AccountID)
	if err != nil {
		return err
	}
	res, err := act(g.AccountID, st.ID)
	if err != nil {
		return err
	}
	if res.ID == 0 {
		res = st
	}
	if res, err = h.db.StatusByID(r.Context(), res.ID); err != nil { // fresh counts and flags
		return err
	}
	e, err := h.statusEntity(r.Context(), g.AccountID, res)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, e)
}

func (h *Handler) favourite(w http.ResponseWriter, r *http.Request) error {
	return h.statusAction(w, r, auth.ScopeWriteFavourites, func(me, id int64) (store.Status, error) {
		return h.social.Favourite(r.Context(), me, id)
	})
}

func (h *Handler) unfavourite(w http.ResponseWriter, r *http.Request) error {
	return h.statusAction(w, r, auth.ScopeWriteFavourites, func(me, id int64) (store.Status, error) {
		return h.social.Unfavourite(r.Context(), me, id)
	})
}

// reblog answers with the boost, which carries the boosted status.
func (h *Handler) reblog(w http.ResponseWriter, r *http.Request) error {
	return h.statusAction(w, r, auth.ScopeWriteStatuses, func(me, id int64) (store.Status, error) {
		return h.social.Reblog(r.Context(), me, id)
	})
}

func (h *Handler) unreblog(w http.ResponseWriter, r *http.Request) error {
	return h.statusAction(w, r, auth.ScopeWriteStatuses, func(me, id int64) (store.Status, error) {
		return h.social.Unreblog(r.Context(), me, id)
	})
}

func (h *Handler) bookmark(w http.ResponseWriter, r *http.Request) error {
	return h.statusAction(w, r, auth.ScopeWriteBookmarks, func(me, id int64) (store.Status, error) {
		return h.social.Bookmark(r.Context(), me, id)
	})
}

func (h *Handler) unbookmark(w http.ResponseWriter, r *http.Request) error {
	return h.statusAction(w, r, auth.ScopeWriteBookmarks, func(me, id int64) (store.Status, error) {
		return h.social.Unbookmark(r.Context(), me, id)
	})
}

func (h *Handler) pin(w http.ResponseWriter, r *http.Request) error {
	return h.statusAction(w, r, auth.ScopeWriteAccounts, func(me, id int64) (store.Status, error) {
		return h.social.Pin(r.Context(), me, id)
	})
}

func (h *Handler) unpin(w http.ResponseWriter, r *http.Request) error {
	return h.statusAction(w, r, auth.ScopeWriteAccounts, func(me, id int64) (store.Status, error) {
		return h.social.Unpin(r.Context(), me, id)
	})
}

// muteConversation accepts conversation mutes without effect: Pictor sends
// no notifications for threads one merely took part in.
func (h *Handler) muteConversation(w http.ResponseWriter, r *http.Request) error {
	return h.statusAction(w, r, auth.ScopeWriteMutes, func(me, id int64) (store.Status, error) {
		return store.Status{ID: id}, nil
	})
}

// interactors lists the accounts that liked or boosted a visible status.
func (h *Handler) interactors(w http.ResponseWriter, r *http.Request, list func(statusID int64, p store.Page) (store.KeyedIDs, error)) error {
	viewer, err := h.viewer(r, auth.ScopeReadAccounts)
	if err != nil {
		return err
	}
	st, err := h.loadStatus(r, viewer)
	if err != nil {
		return err
	}
	page := pageOf(r, maxLimit, 80)
	k, err := list(st.ID, page)
	if err != nil {
		return err
	}
	return h.writeAccounts(w, r, page, k)
}

func (h *Handler) favouritedBy(w http.ResponseWriter, r *http.Request) error {
	return h.interactors(w, r, func(id int64, p store.Page) (store.KeyedIDs, error) { return h.db.FavouritedBy(r.Context(), id, p) })
}

func (h *Handler) rebloggedBy(w http.ResponseWriter, r *http.Request) error {
	return h.interactors(w, r, func(id int64, p store.Page) (store.KeyedIDs, error) { return h.db.RebloggedBy(r.Context(), id, p) })
}

// markedStatuses serves the user's bookmarks or favourites, paginated by
// the mark's id as Mastodon does.
func (h *Handler) markedStatuses(w http.ResponseWriter, r *http.Request, scope auth.Scope,
	list func(me int64, p store.Page) (store.KeyedIDs, error)) error {
	g, err := h.user(r, scope)
	if err != nil {
		return err
	}
	page := pageOf(r, defaultLimit, maxLimit)
	k, err := list(g.AccountID, page)
	if err != nil {
		return err
	}
	byID, err := h.db.StatusesByIDs(r.Context(), k.IDs)
	if err != nil {
		return err
	}
	var statuses []store.Status
	for _, id := range k.IDs {
		if st, ok := byID[id]; ok && st.DeletedAt.IsZero() {
			statuses = append(statuses, st)
		}
	}
	return h.writeStatuses(w, r, g.AccountID, page, statuses, k.Keys)
}

func (h *Handler) bookmarks(w http.ResponseWriter, r *http.Request) error {
	return h.markedStatuses(w, r, auth.ScopeReadBookmarks, func(me int64, p store.Page) (store.KeyedIDs, error) {
		return h.db.BookmarksOf(r.Context(), me, p)
	})
}

func (h *Handler) favourites(w http.ResponseWriter, r *http.Request) error {
	return h.markedStatuses(w, r, auth.ScopeReadFavourites, func(me int64, p store.Page) (store.KeyedIDs, error) {
		return h.db.FavouritesOf(r.Context(), me, p)
	})
}
