package web

import (
	"errors"
	"html"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/internal/clientip"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// settingsView is the data of every /settings page; Section picks the form.
type settingsView struct {
	Section string // profile, password, apps, assistant, delete
	Notice  string
	Error   string
	Profile profileForm
	Bridge  *bridgeView
	Apps    []auth.AuthorizedApp
	// Assistant is set when the assistant is on: the tab shows, with the
	// user's choices.
	Assistant *assistantSettingsView
	// Limits shown next to the inputs.
	MaxDisplayName, MaxNote, MaxFieldLength, MinPassword int
}

// profileForm is the profile as the form shows it (plain text).
type profileForm struct {
	DisplayName, Note       string
	Fields                  []store.Field
	Locked, Bot, Discovered bool
	Avatar, Header          string // current image URLs
}

func (h *Handler) settingsRoutes(r *mux.Router) {
	get := []string{http.MethodGet, http.MethodHead}
	r.Handle("/settings", http.RedirectHandler("/settings/profile", http.StatusSeeOther)).Methods(get...)
	r.Handle("/settings/{section:profile|password|apps|assistant|delete}", h.page(h.settingsPage)).Methods(get...)
	r.Handle("/settings/profile", h.page(h.settingsProfile)).Methods(http.MethodPost)
	r.Handle("/settings/password", h.page(h.userForm(h.settingsPassword))).Methods(http.MethodPost)
	r.Handle("/settings/apps/{id:[0-9]+}/revoke", h.page(h.userForm(h.settingsRevokeApp))).Methods(http.MethodPost)
	r.Handle("/settings/delete", h.page(h.userForm(h.settingsDelete))).Methods(http.MethodPost)
}

// settingsPage serves GET /settings/{section}; ?done= carries the notice of
// the form that redirected here.
func (h *Handler) settingsPage(w http.ResponseWriter, r *http.Request, v *visitor) error {
	if err := requireUser(v); err != nil {
		return err
	}
	sv := settingsView{Section: mux.Vars(r)["section"], Notice: settingsNotices[r.URL.Query().Get("done")]}
	return h.renderSettings(w, r, v, http.StatusOK, sv)
}

// settingsNotices are the messages a successful form leaves behind.
var settingsNotices = map[string]string{
	"profile":   "Your profile was saved and sent to your followers.",
	"password":  "Your password was changed; other browsers were signed out.",
	"revoked":   "The app's access was revoked.",
	"assistant": "Your assistant settings were saved.",
}

// renderSettings fills what the section shows and renders the page with status.
func (h *Handler) renderSettings(w http.ResponseWriter, r *http.Request, v *visitor, status int, sv settingsView) error {
	sv.MaxDisplayName, sv.MaxNote, sv.MaxFieldLength = social.MaxDisplayName, social.MaxNote, social.MaxFieldLength
	sv.MinPassword = auth.MinPasswordLength
	switch sv.Section {
	case "profile":
		if sv.Profile.Fields == nil {
			sv.Profile = h.profileFormOf(v.Account)
		}
		b := bridgeReadiness(v.Account, h.db.Now())
		sv.Bridge = &b
	case "assistant":
		if h.opts.Assistant == nil {
			return errNotFound
		}
	case "apps":
		apps, err := h.oauth.AuthorizedApps(r.Context(), v.Account.ID)
		if err != nil {
			return err
		}
		sv.Apps = apps
	}
	if h.opts.Assistant != nil {
		set, err := h.db.AssistantSettingsOf(r.Context(), v.Account.ID)
		if err != nil {
			return err
		}
		sv.Assistant = &assistantSettingsView{ReplySuggestions: set.ReplySuggestions, Describe: h.canDescribe()}
	}
	h.render(w, r, status, "settings", v, pageData{Title: "Settings", Nav: "settings", NoIndex: true, Data: sv})
	return nil
}

func (h *Handler) profileFormOf(a store.Account) profileForm {
	av := h.accountView(a)
	f := profileForm{DisplayName: a.DisplayName, Note: a.NoteSource, Locked: a.Locked, Bot: a.Bot,
		Discovered: a.Discoverable, Avatar: av.Avatar, Header: av.Header}
	for _, fl := range a.Fields {
		f.Fields = append(f.Fields, store.Field{Name: fl.Name, Value: fieldSource(fl.Value)})
	}
	return padFields(f)
}

// fieldLinkRE matches a link social.Format made from a bare URL.
var fieldLinkRE = regexp.MustCompile(`<a href="([^"]+)"[^>]*>([^<]*)</a>`)

// fieldSource turns a field's HTML back into what the user typed: social
// shows links without their scheme, which a plain-text round trip would lose.
func fieldSource(h string) string {
	h = fieldLinkRE.ReplaceAllStringFunc(h, func(a string) string {
		m := fieldLinkRE.FindStringSubmatch(a)
		if href := html.UnescapeString(m[1]); strings.HasSuffix(href, html.UnescapeString(m[2])) {
			return m[1]
		}
		return a
	})
	return social.PlainText(h)
}

// padFields gives the form exactly social.MaxFields rows.
func padFields(f profileForm) profileForm {
	for len(f.Fields) < social.MaxFields {
		f.Fields = append(f.Fields, store.Field{})
	}
	f.Fields = f.Fields[:social.MaxFields]
	return f
}

// settingsError renders the section again with a user-facing error, or
// returns err when it is not one.
func (h *Handler) settingsError(w http.ResponseWriter, r *http.Request, v *visitor, sv settingsView, err error) error {
	if _, ok := apperr.As(err); !ok {
		return err
	}
	sv.Error = apperr.MessageOf(err)
	return h.renderSettings(w, r, v, apperr.StatusOf(err), sv)
}

// settingsProfile serves POST /settings/profile (multipart): the same
// social.UpdateProfile the client API's update_credentials calls, so the
// Update(Person) goes out to followers.
func (h *Handler) settingsProfile(w http.ResponseWriter, r *http.Request, v *visitor) error {
	if err := requireUser(v); err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, 2*h.opts.MaxUploadBytes+h.opts.MaxFormBytes)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		return apperr.Wrap(apperr.BadRequest("The form could not be read; is an image too large?"), err)
	}
	defer r.MultipartForm.RemoveAll()
	if err := h.csrf.Check(r, v.Session.CSRFToken); err != nil {
		return err
	}
	f := profileFormFrom(r)
	upd := social.ProfileUpdate{DisplayName: &f.DisplayName, Note: &f.Note, Fields: &f.Fields,
		Locked: &f.Locked, Bot: &f.Bot, Discoverable: &f.Discovered}
	for _, img := range []struct {
		field string
		dest  *io.Reader
	}{{"avatar", &upd.Avatar}, {"header", &upd.Header}} {
		file, hdr, err := r.FormFile(img.field)
		if errors.Is(err, http.ErrMissingFile) || (err == nil && hdr.Size == 0) {
			continue
		}
		if err != nil {
			return apperr.Wrap(apperr.BadRequest("The upload could not be read."), err)
		}
		defer file.Close()
		*img.dest = file
	}
	if _, err := h.social.UpdateProfile(r.Context(), v.Account.ID, upd); err != nil {
		av := h.profileFormOf(v.Account)
		f.Avatar, f.Header = av.Avatar, av.Header
		return h.settingsError(w, r, v, settingsView{Section: "profile", Profile: padFields(f)}, err)
	}
	http.Redirect(w, r, "/settings/profile?done=profile", http.StatusSeeOther)
	return nil
}

// profileFormFrom reads the posted profile fields; empty field rows are
// dropped by social.
func profileFormFrom(r *http.Request) profileForm {
	f := profileForm{DisplayName: strings.TrimSpace(r.PostFormValue("display_name")), Note: r.PostFormValue("note"),
		Locked: r.PostFormValue("locked") != "", Bot: r.PostFormValue("bot") != "",
		Discovered: r.PostFormValue("discoverable") != ""}
	f.Fields = []store.Field{}
	for i := range social.MaxFields {
		n := strconv.Itoa(i)
		name := strings.TrimSpace(r.PostFormValue("field_name_" + n))
		value := strings.TrimSpace(r.PostFormValue("field_value_" + n))
		f.Fields = append(f.Fields, store.Field{Name: name, Value: value})
	}
	return f
}

// settingsPassword serves POST /settings/password: current, new and
// confirmation; other browsers are signed out (auth.ChangePassword says
// why app tokens stay unless "revoke_apps" is ticked).
func (h *Handler) settingsPassword(w http.ResponseWriter, r *http.Request, v *visitor) error {
	sv := settingsView{Section: "password"}
	next := r.PostFormValue("new_password")
	if next != r.PostFormValue("confirm_password") {
		return h.settingsError(w, r, v, sv, apperr.Invalid("The new password and its confirmation differ."))
	}
	err := h.login.ChangePassword(r.Context(), v.Session, r.PostFormValue("current_password"), next, clientip.Of(r),
		r.PostFormValue("revoke_apps") != "")
	if err != nil {
		return h.settingsError(w, r, v, sv, err)
	}
	http.Redirect(w, r, "/settings/password?done=password", http.StatusSeeOther)
	return nil
}

// settingsRevokeApp serves POST /settings/apps/{id}/revoke: the app's
// tokens for this user stop working at once.
func (h *Handler) settingsRevokeApp(w http.ResponseWriter, r *http.Request, v *visitor) error {
	id, err := strconv.ParseInt(mux.Vars(r)["id"], 10, 64)
	if err != nil {
		return errNotFound
	}
	if err := h.oauth.RevokeApp(r.Context(), v.Account.ID, id); err != nil {
		return err
	}
	http.Redirect(w, r, "/settings/apps?done=revoked", http.StatusSeeOther)
	return nil
}

// settingsDelete serves POST /settings/delete: with the right password and
// the username typed as confirmation, the account is closed for good
// (social.DeleteAccount) and the browser signed out.
func (h *Handler) settingsDelete(w http.ResponseWriter, r *http.Request, v *visitor) error {
	sv := settingsView{Section: "delete"}
	if !strings.EqualFold(strings.TrimPrefix(strings.TrimSpace(r.PostFormValue("confirm_username")), "@"), v.Account.Username) {
		return h.settingsError(w, r, v, sv, apperr.Invalid("Type your username to confirm."))
	}
	if err := h.login.VerifyPassword(r.Context(), v.Account.ID, r.PostFormValue("password"), clientip.Of(r)); err != nil {
		return h.settingsError(w, r, v, sv, err)
	}
	err := h.social.DeleteAccount(r.Context(), v.Account.ID)
	if errors.Is(err, social.ErrMediaLeft) {
		h.opts.Log.Warn("account deleted with media left", "actor", v.Account.URI, "err", err)
	} else if err != nil {
		return err
	}
	if err := h.sessions.End(r.Context(), w, r); err != nil {
		return err
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}
