package mastoapi

import (
	"net/http"

	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/store"
)

// The keyword and status sub-resources of v2 filters.

func (h *Handler) listFilterKeywords(w http.ResponseWriter, r *http.Request) error {
	g, id, _, err := h.filterRequest(w, r, auth.ScopeReadFilters)
	if err != nil {
		return err
	}
	f, err := h.db.FilterByID(r.Context(), g.AccountID, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, filterEntity(f).Keywords)
}

func (h *Handler) addFilterKeyword(w http.ResponseWriter, r *http.Request) error {
	g, id, p, err := h.filterRequest(w, r, auth.ScopeWriteFilters)
	if err != nil {
		return err
	}
	k, err := h.social.AddFilterKeyword(r.Context(), g.AccountID, id, p.str("keyword"), p.optBool("whole_word"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, filterKeywordEntity(k))
}

func (h *Handler) getFilterKeyword(w http.ResponseWriter, r *http.Request) error {
	g, id, _, err := h.filterRequest(w, r, auth.ScopeReadFilters)
	if err != nil {
		return err
	}
	k, err := h.db.FilterKeywordByID(r.Context(), g.AccountID, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, filterKeywordEntity(k))
}

func (h *Handler) updateFilterKeyword(w http.ResponseWriter, r *http.Request) error {
	g, id, p, err := h.filterRequest(w, r, auth.ScopeWriteFilters)
	if err != nil {
		return err
	}
	k, err := h.social.UpdateFilterKeyword(r.Context(), g.AccountID, id, p.opt("keyword"), p.optBool("whole_word"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, filterKeywordEntity(k))
}

func (h *Handler) listFilterStatuses(w http.ResponseWriter, r *http.Request) error {
	g, id, _, err := h.filterRequest(w, r, auth.ScopeReadFilters)
	if err != nil {
		return err
	}
	f, err := h.db.FilterByID(r.Context(), g.AccountID, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, filterEntity(f).Statuses)
}

func (h *Handler) addFilterStatus(w http.ResponseWriter, r *http.Request) error {
	g, id, p, err := h.filterRequest(w, r, auth.ScopeWriteFilters)
	if err != nil {
		return err
	}
	statusID, ok := store.ParseID(p.str("status_id"))
	if !ok {
		return apperr.Invalid("Validation failed: Status can't be blank")
	}
	s, err := h.social.AddFilterStatus(r.Context(), g.AccountID, id, statusID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, filterStatusEntity(s))
}

func (h *Handler) getFilterStatus(w http.ResponseWriter, r *http.Request) error {
	g, id, _, err := h.filterRequest(w, r, auth.ScopeReadFilters)
	if err != nil {
		return err
	}
	s, err := h.db.FilterStatusByID(r.Context(), g.AccountID, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, filterStatusEntity(s))
}
