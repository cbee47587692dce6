package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"github.com/pictor-social/pictor/assistant"
	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// The assistant's page endpoints (issue 11): JSON for pictor.js, posted
// with the page's CSRF token (they spend the user's quota, so a cross-site
// GET must not reach them). They exist only when Options.Assistant is set.

func (h *Handler) assistantRoutes(r *mux.Router) {
	if h.opts.Assistant == nil {
		return
	}
	r.Handle("/@{name:[A-Za-z0-9_-]+}/{id:[0-9]+}/suggestions", h.page(h.jsonForm(h.postSuggestions))).Methods(http.MethodPost)
	r.Handle("/compose/media/{id:[0-9]+}/describe", h.page(h.jsonForm(h.describeOwnMedia))).Methods(http.MethodPost)
	r.Handle("/compose/describe", h.page(h.describeUpload)).Methods(http.MethodPost)
	r.Handle("/settings/assistant", h.page(h.userForm(h.settingsAssistant))).Methods(http.MethodPost)
}

// jsonForm is userForm for endpoints that answer JSON: a failure is
// {"error": "..."} with its status, never an HTML page.
func (h *Handler) jsonForm(fn pageFunc) pageFunc {
	guarded := h.userForm(fn)
	return func(w http.ResponseWriter, r *http.Request, v *visitor) error {
		if err := guarded(w, r, v); err != nil {
			h.writeJSONError(w, r, err)
		}
		return nil
	}
}

func (h *Handler) writeJSONError(w http.ResponseWriter, r *http.Request, err error) {
	status := apperr.StatusOf(err)
	if errors.Is(err, store.ErrNotFound) && status == http.StatusInternalServerError {
		status = http.StatusNotFound
	}
	msg := apperr.MessageOf(err)
	if status == http.StatusNotFound {
		msg = "Record not found"
	}
	switch {
	case status == http.StatusServiceUnavailable:
		h.opts.Log.Warn("assistant unavailable", "path", r.URL.Path, "err", err)
	case status >= 500:
		h.opts.Log.Error("assistant request failed", "path", r.URL.Path, "err", err)
	}
	writePageJSON(w, status, map[string]string{"error": msg})
}

func writePageJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}

// suggestionsFor reports whether the post page offers reply suggestions to
// v: the assistant is on, v is signed in, opted in, and not the author.
func (h *Handler) suggestionsFor(r *http.Request, v *visitor, authorID int64) (bool, error) {
	if h.opts.Assistant == nil || !v.SignedIn || v.Account.ID == authorID {
		return false, nil
	}
	set, err := h.db.AssistantSettingsOf(r.Context(), v.Account.ID)
	return set.ReplySuggestions, err
}

// postSuggestions serves POST /@{name}/{id}/suggestions: up to three
// suggested replies for the post page's chips.
func (h *Handler) postSuggestions(w http.ResponseWriter, r *http.Request, v *visitor) error {
	st, _, err := h.publicPost(r.Context(), mux.Vars(r)["name"], mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	list, err := h.opts.Assistant.Suggestions(r.Context(), v.Account.ID, st)
	if err != nil {
		return err
	}
	return writePageJSON(w, http.StatusOK, map[string][]string{"suggestions": list})
}

// describeOwnMedia serves POST /compose/media/{id}/describe: a suggested
// alt text for one of the visitor's images (a generation result).
func (h *Handler) describeOwnMedia(w http.ResponseWriter, r *http.Request, v *visitor) error {
	id, ok := store.ParseID(mux.Vars(r)["id"])
	if !ok {
		return errNotFound
	}
	text, err := h.opts.Assistant.Describe(r.Context(), v.Account.ID, id, assistant.LanguageFromHeader(r.Header.Get("Accept-Language")))
	if err != nil {
		return err
	}
	return writePageJSON(w, http.StatusOK, map[string]string{"description": text})
}

// describeUpload serves POST /compose/describe from the upload form: the
// chosen image is uploaded now (unattached, as the client API's media
// upload), described, and its id returned, so the form posts it as
// media_id instead of uploading it again.
func (h *Handler) describeUpload(w http.ResponseWriter, r *http.Request, v *visitor) error {
	fail := func(err error) error {
		h.writeJSONError(w, r, err)
		return nil
	}
	if err := requireUser(v); err != nil {
		return fail(err)
	}
	r.Body = http.MaxBytesReader(w, r.Body, h.opts.MaxUploadBytes+h.opts.MaxFormBytes)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		return fail(apperr.Wrap(apperr.BadRequest("The upload could not be read; is the image too large?"), err))
	}
	defer r.MultipartForm.RemoveAll()
	if err := h.csrf.Check(r, v.Session.CSRFToken); err != nil {
		return fail(err)
	}
	file, _, err := r.FormFile("image")
	if err != nil {
		return fail(apperr.Invalid("Choose an image first."))
	}
	defer file.Close()
	m, err := h.social.UploadMedia(r.Context(), v.Account.ID, file, social.MediaInput{})
	if err != nil {
		return fail(err)
	}
	text, err := h.opts.Assistant.Describe(r.Context(), v.Account.ID, m.ID, assistant.LanguageFromHeader(r.Header.Get("Accept-Language")))
	if err != nil {
		return fail(err)
	}
	return writePageJSON(w, http.StatusOK, map[string]string{"description": text, "media_id": store.FormatID(m.ID)})
}

// canDescribe reports whether pages offer "Suggest description".
func (h *Handler) canDescribe() bool {
	return h.opts.Assistant != nil && h.opts.Assistant.Client.Vision()
}

// settingsAssistant serves POST /settings/assistant.
func (h *Handler) settingsAssistant(w http.ResponseWriter, r *http.Request, v *visitor) error {
	on := strings.TrimSpace(r.PostFormValue("reply_suggestions")) != ""
	if err := h.db.SetAssistantSettings(r.Context(), v.Account.ID, store.AssistantSettings{ReplySuggestions: on}); err != nil {
		return err
	}
	http.Redirect(w, r, "/settings/assistant?done=assistant", http.StatusSeeOther)
	return nil
}

// assistantSettingsView is the Assistant tab of the settings page.
type assistantSettingsView struct {
	ReplySuggestions bool
	Describe         bool // image descriptions are available
}
