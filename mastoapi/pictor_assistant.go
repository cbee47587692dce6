package mastoapi

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/pictor-social/pictor/assistant"
	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/store"
)

// Pictor's own assistant endpoints (issue 11), mounted only when the
// assistant is on (Handler.Assistant set): with [assistant] backend "none"
// they answer 404 like any unknown path.

// suggestionsEntity is GET /api/v1/pictor/statuses/:id/suggestions.
type suggestionsEntity struct {
	Suggestions []string `json:"suggestions"`
}

// preferencesEntity is GET/PATCH /api/v1/pictor/preferences.
type preferencesEntity struct {
	ReplySuggestions bool `json:"reply_suggestions"`
	// ImageDescriptions says whether POST /api/v1/pictor/media/:id/describe
	// can work (a vision model is configured).
	ImageDescriptions bool `json:"image_descriptions"`
}

// descriptionEntity is POST /api/v1/pictor/media/:id/describe.
type descriptionEntity struct {
	Description string `json:"description"`
}

func (h *Handler) assistantRoutes(r *mux.Router) {
	if h.Assistant == nil {
		return
	}
	r.Handle("/api/v1/pictor/statuses/{id:[^/]+}/suggestions", h.api(h.replySuggestions)).Methods(http.MethodGet)
	r.Handle("/api/v1/pictor/preferences", h.api(h.pictorPreferences)).Methods(http.MethodGet)
	// PUT too: masto.js's generic update() sends PUT.
	r.Handle("/api/v1/pictor/preferences", h.api(h.updatePictorPreferences)).Methods(http.MethodPatch, http.MethodPut)
	r.Handle("/api/v1/pictor/media/{id:[^/]+}/describe", h.api(h.describeMedia)).Methods(http.MethodPost)
}

// replySuggestions answers up to three suggested replies to a status the
// viewer may see (404 otherwise, as GET /api/v1/statuses/:id), 403 when the
// viewer has not turned suggestions on.
func (h *Handler) replySuggestions(w http.ResponseWriter, r *http.Request) error {
	g, err := h.user(r, auth.ScopeReadStatuses)
	if err != nil {
		return err
	}
	st, err := h.loadStatus(r, g.AccountID)
	if err != nil {
		return err
	}
	if st.ReblogOfID != 0 { // a boost: suggest replies to the boosted post
		if st, err = h.loadStatusByID(r, g.AccountID, st.ReblogOfID); err != nil {
			return err
		}
	}
	list, err := h.Assistant.Suggestions(r.Context(), g.AccountID, st)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "private, no-store")
	return writeJSON(w, http.StatusOK, suggestionsEntity{Suggestions: list})
}

func (h *Handler) pictorPreferences(w http.ResponseWriter, r *http.Request) error {
	g, err := h.user(r, auth.ScopeReadAccounts)
	if err != nil {
		return err
	}
	set, err := h.db.AssistantSettingsOf(r.Context(), g.AccountID)
	if err != nil {
		return err
	}
	return h.writePictorPreferences(w, set)
}

// updatePictorPreferences changes the parameters sent (reply_suggestions);
// others keep their value.
func (h *Handler) updatePictorPreferences(w http.ResponseWriter, r *http.Request) error {
	g, err := h.user(r, auth.ScopeWriteAccounts)
	if err != nil {
		return err
	}
	p, err := readParams(w, r, h.opts.MaxBodyBytes)
	if err != nil {
		return err
	}
	ctx := r.Context()
	set, err := h.db.AssistantSettingsOf(ctx, g.AccountID)
	if err != nil {
		return err
	}
	if v := p.optBool("reply_suggestions"); v != nil {
		set.ReplySuggestions = *v
		if err := h.db.SetAssistantSettings(ctx, g.AccountID, set); err != nil {
			return err
		}
	}
	return h.writePictorPreferences(w, set)
}

func (h *Handler) writePictorPreferences(w http.ResponseWriter, set store.AssistantSettings) error {
	return writeJSON(w, http.StatusOK, preferencesEntity{ReplySuggestions: set.ReplySuggestions,
		ImageDescriptions: h.Assistant.Client.Vision()})
}

// describeMedia suggests a description for the caller's own media
// attachment (404 for anyone else's), in their posting language or the
// request's Accept-Language. Nothing is saved: apps put the text in their
// alt-text box for the user to edit.
func (h *Handler) describeMedia(w http.ResponseWriter, r *http.Request) error {
	g, err := h.user(r, auth.ScopeWriteMedia)
	if err != nil {
		return err
	}
	id, err := pathID(mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	text, err := h.Assistant.Describe(r.Context(), g.AccountID, id, assistant.LanguageFromHeader(r.Header.Get("Accept-Language")))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, descriptionEntity{Description: text})
}
