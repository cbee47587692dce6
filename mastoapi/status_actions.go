package mastoapi

import (
	"context"
	"net/http"

	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/social"
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
	return h.writeStatus(r.Context(), w, g.AccountID, res)
}

// socialAction is a social use case acting on one status for an account,
// answering with the status to render (a boost answers with the boost).
type socialAction func(s *social.Service, ctx context.Context, accountID, statusID int64) (store.Status, error)

// statusActionOf serves POST /api/v1/statuses/:id/<action> through act:
// favourite, reblog, bookmark, pin and their undos.
func (h *Handler) statusActionOf(scope auth.Scope, act socialAction) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		return h.statusAction(w, r, scope, func(me, id int64) (store.Status, error) {
			return act(h.social, r.Context(), me, id)
		})
	}
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
