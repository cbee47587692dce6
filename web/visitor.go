package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/store"
)

// visitor is who is looking at a page: anonymous, or signed in with a
// session, an account and login data.
type visitor struct {
	SignedIn bool
	Session  auth.Session
	Account  store.Account
	User     store.User
}

// Admin reports whether the visitor is a signed-in administrator.
func (v *visitor) Admin() bool { return v != nil && v.SignedIn && v.User.Admin }

// visitor loads the session named by the request's cookie. A session whose
// account is gone, suspended or disabled counts as signed out.
func (h *Handler) visitor(w http.ResponseWriter, r *http.Request) (*visitor, error) {
	sess, ok, err := h.sessions.Current(r.Context(), w, r)
	if err != nil || !ok {
		return &visitor{}, err
	}
	a, err := h.db.AccountByID(r.Context(), sess.AccountID)
	if errors.Is(err, store.ErrNotFound) {
		return &visitor{}, nil
	}
	if err != nil {
		return &visitor{}, err
	}
	u, err := h.db.UserByAccountID(r.Context(), sess.AccountID)
	if errors.Is(err, store.ErrNotFound) {
		return &visitor{}, nil
	}
	if err != nil {
		return &visitor{}, err
	}
	if !a.SuspendedAt.IsZero() || u.Disabled {
		return &visitor{}, nil
	}
	return &visitor{SignedIn: true, Session: sess, Account: a, User: u}, nil
}

// csrfToken returns the token for the forms of a page: the session's, or
// the anonymous cookie's for visitors who are not signed in.
func (h *Handler) csrfToken(w http.ResponseWriter, r *http.Request, v *visitor) string {
	if v.SignedIn {
		return v.Session.CSRFToken
	}
	return h.csrf.AnonymousToken(w, r)
}

// localPath returns next if it is a path on this site, else "/". It keeps
// the sign-in redirect from becoming an open redirect.
func localPath(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return "/"
	}
	return next
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
