package auth

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"

	"github.com/pictor-social/pictor/internal/apperr"
)

// CSRFField is the name of the hidden form field that carries the CSRF token.
const CSRFField = "csrf_token"

// CSRF protects POSTed forms against cross-site request forgery. A
// signed-in form carries its session's token (Session.CSRFToken); a form
// shown before sign-in carries the token of a separate cookie (double
// submit), so that the sign-in form itself cannot be forged either. On top
// of the token, a request whose Origin or Sec-Fetch-Site header says it
// came from another site is refused. It is safe for concurrent use.
type CSRF struct {
	origin string // scheme://host of this instance
	secure bool
}

// NewCSRF returns a CSRF guard for the instance at baseURL
// ("https://pictor.example"); https base URLs get Secure cookies.
func NewCSRF(baseURL string) *CSRF {
	baseURL = strings.TrimRight(baseURL, "/")
	return &CSRF{origin: strings.ToLower(baseURL), secure: strings.HasPrefix(baseURL, "https://")}
}

func (c *CSRF) cookieName() string {
	if c.secure {
		return "__Host-pictor_csrf"
	}
	return "pictor_csrf"
}

// AnonymousToken returns the token for forms shown to a browser that is not
// signed in, setting its cookie on w when r has none.
func (c *CSRF) AnonymousToken(w http.ResponseWriter, r *http.Request) string {
	if ck, err := r.Cookie(c.cookieName()); err == nil && len(ck.Value) >= 20 && len(ck.Value) <= 100 {
		return ck.Value
	}
	token := RandomToken(tokenBytes)
	http.SetCookie(w, &http.Cookie{Name: c.cookieName(), Value: token, Path: "/", HttpOnly: true, Secure: c.secure,
		SameSite: http.SameSiteLaxMode})
	return token
}

// Check verifies a POSTed form: its CSRFField must equal expected (the
// session's token, or "" to use the anonymous cookie's) and the request must
// not come from another site. The caller bounds the body before calling, as
// Check parses the form. Failure is an apperr.Forbidden.
func (c *CSRF) Check(r *http.Request, expected string) error {
	refused := apperr.Forbidden("This form has expired or did not come from this site. Go back, reload the page and try again.")
	if site := r.Header.Get("Sec-Fetch-Site"); site == "cross-site" || site == "same-site" {
		return refused
	}
	if o := r.Header.Get("Origin"); o != "" && o != "null" && !sameOrigin(o, c.origin) {
		return refused
	}
	if expected == "" {
		ck, err := r.Cookie(c.cookieName())
		if err != nil {
			return refused
		}
		expected = ck.Value
	}
	got := r.PostFormValue(CSRFField)
	if expected == "" || got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(expected)) != 1 {
		return refused
	}
	return nil
}

func sameOrigin(got, want string) bool {
	u, err := url.Parse(got)
	if err != nil {
		return false
	}
	return strings.ToLower(u.Scheme+"://"+u.Host) == want
}
