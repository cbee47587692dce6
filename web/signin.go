package web

import (
	"net/http"
	"strings"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/internal/clientip"
)

// signInForm is what the sign-in form shows and posts back.
type signInForm struct {
	Action   string // where the form posts
	Next     string
	Username string
	Error    string
	Hidden   [][2]string // extra hidden fields (the consent page's request)
	CSRF     string
}

func (h *Handler) signInPage(w http.ResponseWriter, r *http.Request, v *visitor) error {
	next := localPath(r.URL.Query().Get("next"))
	if v.SignedIn {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	h.renderSignIn(w, r, v, http.StatusOK, signInForm{Action: "/signin", Next: next})
	return nil
}

func (h *Handler) renderSignIn(w http.ResponseWriter, r *http.Request, v *visitor, status int, f signInForm) {
	f.CSRF = h.csrfToken(w, r, v)
	h.render(w, r, status, "signin", v, pageData{Title: "Sign in", Nav: "signin", NoIndex: true, CSRF: f.CSRF, Data: f})
}

func (h *Handler) signIn(w http.ResponseWriter, r *http.Request, v *visitor) error {
	if err := h.checkForm(w, r, v); err != nil {
		return err
	}
	f := signInForm{Action: "/signin", Next: localPath(r.PostFormValue("next")), Username: r.PostFormValue("username")}
	ok, err := h.startSession(w, r, v, &f)
	if err != nil || !ok {
		return err
	}
	http.Redirect(w, r, f.Next, http.StatusSeeOther)
	return nil
}

// startSession checks the posted username and password and signs the
// browser in. On a refusal it renders the form again with the reason (429
// while rate limited) and returns ok=false with a nil error.
func (h *Handler) startSession(w http.ResponseWriter, r *http.Request, v *visitor, f *signInForm) (bool, error) {
	id, err := h.checkLogin(r, r.PostFormValue("username"))
	if err != nil {
		if _, ok := apperr.As(err); !ok {
			return false, err
		}
		f.Error = apperr.MessageOf(err)
		h.renderSignIn(w, r, v, apperr.StatusOf(err), *f)
		return false, nil
	}
	if _, err := h.sessions.Start(r.Context(), w, r, id); err != nil {
		return false, err
	}
	return true, nil
}

// checkLogin checks the posted password of username (rate limited) and
// refuses suspended accounts, which the password check alone lets through.
func (h *Handler) checkLogin(r *http.Request, username string) (int64, error) {
	id, err := h.login.Login(r.Context(), strings.TrimSpace(username), r.PostFormValue("password"), clientip.Of(r))
	if err != nil {
		return 0, err
	}
	a, err := h.db.AccountByID(r.Context(), id)
	if err != nil {
		return 0, err
	}
	if !a.SuspendedAt.IsZero() {
		return 0, apperr.Forbidden("This account is suspended.")
	}
	return id, nil
}

func (h *Handler) signOut(w http.ResponseWriter, r *http.Request, v *visitor) error {
	if err := h.checkForm(w, r, v); err != nil {
		return err
	}
	if err := h.sessions.End(r.Context(), w, r); err != nil {
		return err
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}
