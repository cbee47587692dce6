package mastoapi

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// filterRoutes mounts the v1 and v2 filter endpoints (Mastodon 4.x).
func (h *Handler) filterRoutes(route func(method, path string, fn handlerFunc)) {
	const id = "/{id:[^/]+}"
	// The keyword and status sub-resources live at /api/v2/filters/keywords/:id
	// and /api/v2/filters/statuses/:id (Mastodon's namespace :filters); they
	// are mounted before /api/v2/filters/:id/... so the literal segment wins.
	route(http.MethodGet, "/api/v2/filters/keywords"+id, h.getFilterKeyword)
	route(http.MethodPut, "/api/v2/filters/keywords"+id, h.updateFilterKeyword)
	route(http.MethodDelete, "/api/v2/filters/keywords"+id, h.filterDelete((*social.Service).DeleteFilterKeyword))
	route(http.MethodGet, "/api/v2/filters/statuses"+id, h.getFilterStatus)
	route(http.MethodDelete, "/api/v2/filters/statuses"+id, h.filterDelete((*social.Service).DeleteFilterStatus))
	route(http.MethodGet, "/api/v2/filters", h.listFilters)
	route(http.MethodPost, "/api/v2/filters", h.createFilter)
	route(http.MethodGet, "/api/v2/filters"+id, h.getFilter)
	route(http.MethodPut, "/api/v2/filters"+id, h.updateFilter)
	route(http.MethodDelete, "/api/v2/filters"+id, h.filterDelete((*social.Service).DeleteFilter))
	route(http.MethodGet, "/api/v2/filters"+id+"/keywords", h.listFilterKeywords)
	route(http.MethodPost, "/api/v2/filters"+id+"/keywords", h.addFilterKeyword)
	route(http.MethodGet, "/api/v2/filters"+id+"/statuses", h.listFilterStatuses)
	route(http.MethodPost, "/api/v2/filters"+id+"/statuses", h.addFilterStatus)
	route(http.MethodGet, "/api/v1/filters", h.listFiltersV1)
	route(http.MethodPost, "/api/v1/filters", h.createFilterV1)
	route(http.MethodGet, "/api/v1/filters"+id, h.getFilterV1)
	route(http.MethodPut, "/api/v1/filters"+id, h.updateFilterV1)
	route(http.MethodDelete, "/api/v1/filters"+id, h.filterDelete((*social.Service).DeleteKeywordFilter))
}

// truthy reads a Rails-style boolean, as params.boolean does.
func truthy(s string) bool {
	switch strings.ToLower(s) {
	case "true", "1", "on", "yes", "t":
		return true
	}
	return false
}

// optBoolOf is params.optBool for a value that may be absent.
func optBoolOf(s string, ok bool) *bool {
	if !ok {
		return nil
	}
	b := truthy(s)
	return &b
}

// filterDraftOf reads title, context[], filter_action, expires_in and
// keywords_attributes[] (JSON, indexed or Rails array forms).
func filterDraftOf(p params) (social.FilterDraft, error) {
	d := social.FilterDraft{Title: p.opt("title"), Action: p.opt("filter_action")}
	if p.has("context") || p.has("context[]") {
		d.Context = append([]string{}, p.list("context")...)
	}
	var err error
	if d.ExpiresIn, err = expiresIn(p); err != nil {
		return d, err
	}
	for _, o := range p.objects("keywords_attributes") {
		var c social.KeywordChange
		if v, ok := o["id"]; ok && v != "" {
			id, ok := store.ParseID(v)
			if !ok {
				return d, errNotFound()
			}
			c.ID = id
		}
		if v, ok := o["keyword"]; ok {
			c.Keyword = &v
		}
		c.WholeWord = optBoolOf(o["whole_word"], o["whole_word"] != "")
		c.Destroy = truthy(o["_destroy"])
		d.Keywords = append(d.Keywords, c)
	}
	return d, nil
}

// expiresIn reads expires_in in seconds; empty or null means never.
func expiresIn(p params) (*time.Duration, error) {
	v := p.opt("expires_in")
	if v == nil {
		return nil, nil
	}
	var d time.Duration
	if *v != "" {
		n, err := strconv.ParseFloat(*v, 64)
		if err != nil || n < 0 || n > float64(1<<31) {
			return nil, apperr.Invalid("Validation failed: Expires in is not a number of seconds")
		}
		d = time.Duration(n) * time.Second
	}
	return &d, nil
}

// filterRequest authenticates with scope and reads the path id (if the
// route has one) and the parameters of a filter request.
func (h *Handler) filterRequest(w http.ResponseWriter, r *http.Request, scope auth.Scope) (auth.Grant, int64, params, error) {
	g, err := h.user(r, scope)
	if err != nil {
		return g, 0, params{}, err
	}
	var id int64
	if s, ok := mux.Vars(r)["id"]; ok {
		if id, err = pathID(s); err != nil {
			return g, 0, params{}, err
		}
		if _, system := social.ScreeningFilterCategory(id); system && scope == auth.ScopeWriteFilters {
			return g, 0, params{}, apperr.Invalid("this filter is kept by screening; choose show, collapse or " +
				"hide per category at /api/v1/pictor/preferences/screening or in the web settings")
		}
	}
	p, err := readParams(w, r, h.opts.MaxBodyBytes)
	return g, id, p, err
}

func (h *Handler) listFilters(w http.ResponseWriter, r *http.Request) error {
	g, err := h.user(r, auth.ScopeReadFilters)
	if err != nil {
		return err
	}
	list, err := h.db.FiltersOf(r.Context(), g.AccountID)
	if err != nil {
		return err
	}
	// The system filters of screening come first, so the user sees why a
	// reply is collapsed; they change through /api/v1/pictor/preferences/screening.
	system, err := h.social.UserScreeningFilters(r.Context(), g.AccountID)
	if err != nil {
		return err
	}
	list = append(system, list...)
	out := make([]Filter, 0, len(list))
	for _, f := range list {
		out = append(out, filterEntity(f))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (h *Handler) createFilter(w http.ResponseWriter, r *http.Request) error {
	g, _, p, err := h.filterRequest(w, r, auth.ScopeWriteFilters)
	if err != nil {
		return err
	}
	d, err := filterDraftOf(p)
	if err != nil {
		return err
	}
	f, err := h.social.CreateFilter(r.Context(), g.AccountID, d)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, filterEntity(f))
}

func (h *Handler) getFilter(w http.ResponseWriter, r *http.Request) error {
	g, id, _, err := h.filterRequest(w, r, auth.ScopeReadFilters)
	if err != nil {
		return err
	}
	if _, ok := social.ScreeningFilterCategory(id); ok {
		system, err := h.social.UserScreeningFilters(r.Context(), g.AccountID)
		if err != nil {
			return err
		}
		for _, f := range system {
			if f.ID == id {
				return writeJSON(w, http.StatusOK, filterEntity(f))
			}
		}
		return errNotFound()
	}
	f, err := h.db.FilterByID(r.Context(), g.AccountID, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, filterEntity(f))
}

func (h *Handler) updateFilter(w http.ResponseWriter, r *http.Request) error {
	g, id, p, err := h.filterRequest(w, r, auth.ScopeWriteFilters)
	if err != nil {
		return err
	}
	d, err := filterDraftOf(p)
	if err != nil {
		return err
	}
	f, err := h.social.UpdateFilter(r.Context(), g.AccountID, id, d)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, filterEntity(f))
}

// filterDelete serves the DELETE of one of the viewer's filters, keywords
// or filtered statuses through del; Mastodon answers {}.
func (h *Handler) filterDelete(del func(s *social.Service, ctx context.Context, accountID, id int64) error) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		g, id, _, err := h.filterRequest(w, r, auth.ScopeWriteFilters)
		if err != nil {
			return err
		}
		if err := del(h.social, r.Context(), g.AccountID, id); err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, map[string]any{})
	}
}
