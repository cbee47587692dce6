package mastoapi

import (
	"net/http"

	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// The v1 filter API, mapped onto v2 filters as Mastodon 4 maps it: a v1
// filter is one keyword of a filter and its id is the keyword's id;
// "irreversible" is the hide action.

// filterV1DraftOf reads phrase, context[], irreversible, whole_word and
// expires_in. The phrase also titles the filter.
func filterV1DraftOf(p params) (social.FilterDraft, social.KeywordChange, error) {
	d := social.FilterDraft{Title: p.opt("phrase")}
	if p.has("context") || p.has("context[]") {
		d.Context = append([]string{}, p.list("context")...)
	}
	if irr := p.optBool("irreversible"); irr != nil {
		a := store.FilterWarn
		if *irr {
			a = store.FilterHide
		}
		d.Action = &a
	}
	var err error
	if d.ExpiresIn, err = expiresIn(p); err != nil {
		return d, social.KeywordChange{}, err
	}
	return d, social.KeywordChange{Keyword: p.opt("phrase"), WholeWord: p.optBool("whole_word")}, nil
}

func (h *Handler) listFiltersV1(w http.ResponseWriter, r *http.Request) error {
	g, err := h.user(r, auth.ScopeReadFilters)
	if err != nil {
		return err
	}
	list, err := h.db.FiltersOf(r.Context(), g.AccountID)
	if err != nil {
		return err
	}
	out := []FilterV1{}
	for _, f := range list {
		for _, k := range f.Keywords {
			out = append(out, filterV1Entity(f, k))
		}
	}
	return writeJSON(w, http.StatusOK, out)
}

func (h *Handler) createFilterV1(w http.ResponseWriter, r *http.Request) error {
	g, _, p, err := h.filterRequest(w, r, auth.ScopeWriteFilters)
	if err != nil {
		return err
	}
	d, kw, err := filterV1DraftOf(p)
	if err != nil {
		return err
	}
	if d.Title == nil || *d.Title == "" {
		return errPhraseBlank()
	}
	d.Keywords = []social.KeywordChange{kw}
	f, err := h.social.CreateFilter(r.Context(), g.AccountID, d)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, filterV1Entity(f, f.Keywords[0]))
}

func (h *Handler) getFilterV1(w http.ResponseWriter, r *http.Request) error {
	g, id, _, err := h.filterRequest(w, r, auth.ScopeReadFilters)
	if err != nil {
		return err
	}
	k, err := h.db.FilterKeywordByID(r.Context(), g.AccountID, id)
	if err != nil {
		return err
	}
	f, err := h.db.FilterByID(r.Context(), g.AccountID, k.FilterID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, filterV1Entity(f, k))
}

func (h *Handler) updateFilterV1(w http.ResponseWriter, r *http.Request) error {
	g, id, p, err := h.filterRequest(w, r, auth.ScopeWriteFilters)
	if err != nil {
		return err
	}
	d, kw, err := filterV1DraftOf(p)
	if err != nil {
		return err
	}
	f, err := h.social.UpdateKeywordFilter(r.Context(), g.AccountID, id, d, kw)
	if err != nil {
		return err
	}
	for _, k := range f.Keywords {
		if k.ID == id {
			return writeJSON(w, http.StatusOK, filterV1Entity(f, k))
		}
	}
	return errNotFound()
}

func errPhraseBlank() error { return apperr.Invalid("Validation failed: Phrase can't be blank") }
