package mastoapi

import (
	"context"
	"net/http"

	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/screening"
)

// Screening preferences (issue 11): per category, what the user sees of a
// reply or mention that screening flagged: show, collapse (the default,
// a warn filter) or hide. Their resource is
// /api/v1/pictor/preferences/screening (GET answers the map; PATCH takes
// screening[CATEGORY]=ACTION, {"screening": {"hate": "hide"}} in JSON, or
// bare CATEGORY=ACTION). screeningPreferencesOf and
// applyScreeningPreferences are there for /api/v1/pictor/preferences
// (reply_suggestions, issue 11) to show and take the same "screening" member.

// screeningPreferencesOf returns the "screening" member of the preferences
// entity, or nil when screening is off.
func (h *Handler) screeningPreferencesOf(ctx context.Context, account int64) (map[string]string, error) {
	if h.social.Federation().Screening == nil {
		return nil, nil
	}
	return h.social.ScreeningPreferences(ctx, account)
}

// applyScreeningPreferences stores the screening[CATEGORY] parameters of p.
func (h *Handler) applyScreeningPreferences(ctx context.Context, account int64, p params) error {
	set := map[string]string{}
	for _, c := range screening.Categories {
		if v := p.opt("screening[" + c + "]"); v != nil {
			set[c] = *v
		}
	}
	if len(set) == 0 {
		return nil
	}
	return h.social.SetScreeningPreferences(ctx, account, set)
}

func (h *Handler) getScreeningPreferences(w http.ResponseWriter, r *http.Request) error {
	g, err := h.user(r, auth.ScopeReadAccounts)
	if err != nil {
		return err
	}
	prefs, err := h.social.ScreeningPreferences(r.Context(), g.AccountID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, prefs)
}

// patchScreeningPreferences takes screening[CATEGORY]=ACTION, or the bare
// CATEGORY=ACTION on this resource.
func (h *Handler) patchScreeningPreferences(w http.ResponseWriter, r *http.Request) error {
	g, err := h.user(r, auth.ScopeWriteAccounts)
	if err != nil {
		return err
	}
	p, err := readParams(w, r, h.opts.MaxBodyBytes)
	if err != nil {
		return err
	}
	for _, c := range screening.Categories {
		if v := p.opt(c); v != nil && !p.has("screening["+c+"]") {
			p.v.Set("screening["+c+"]", *v)
		}
	}
	if err := h.applyScreeningPreferences(r.Context(), g.AccountID, p); err != nil {
		return err
	}
	return h.getScreeningPreferences(w, r)
}
