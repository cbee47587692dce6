package web

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/internal/apperr"
)

// authorizeFields are the request parameters the consent page carries from
// the query string into its forms.
var authorizeFields = []string{"response_type", "response_mode", "client_id", "redirect_uri", "scope", "state",
	"code_challenge", "code_challenge_method", "lang"}

func authorizeRequest(p url.Values) auth.AuthorizeRequest {
	return auth.AuthorizeRequest{ResponseType: p.Get("response_type"), ResponseMode: p.Get("response_mode"),
		ClientID: p.Get("client_id"), RedirectURI: p.Get("redirect_uri"), Scope: p.Get("scope"), State: p.Get("state"),
		CodeChallenge: p.Get("code_challenge"), CodeChallengeMethod: p.Get("code_challenge_method")}
}

// hiddenFields returns the authorize parameters present in p, in a fixed order.
func hiddenFields(p url.Values) [][2]string {
	var out [][2]string
	for _, k := range authorizeFields {
		if v := p.Get(k); v != "" {
			out = append(out, [2]string{k, v})
		}
	}
	return out
}

// consentView is the consent page's data.
type consentView struct {
	AppName    string
	AppWebsite string
	Scopes     []scopeView
	Hidden     [][2]string
	SignIn     *signInForm // set when the visitor must sign in first
	Account    accountView
}

type scopeView struct{ Name, Description string }

// consentPage serves GET /oauth/authorize: a bad request is shown as an
// error page (never redirected, since the redirect URI may be what is
// wrong); a visitor who is not signed in, or whose app asked force_login,
// gets the sign-in form first.
func (h *Handler) consentPage(w http.ResponseWriter, r *http.Request, v *visitor) error {
	q := r.URL.Query()
	app, scopes, err := h.oauth.ValidateAuthorizeRequest(r.Context(), authorizeRequest(q))
	if err != nil {
		return err
	}
	cv := consentView{AppName: app.Name, AppWebsite: app.Website, Scopes: describeScopes(scopes), Hidden: hiddenFields(q)}
	if !safeURL(cv.AppWebsite) {
		cv.AppWebsite = ""
	}
	if !v.SignedIn || q.Get("force_login") == "true" || q.Get("force_login") == "1" {
		cv.SignIn = &signInForm{Action: r.URL.Path, Hidden: cv.Hidden}
	} else {
		cv.Account = h.accountView(v.Account)
		grantable, err := h.oauth.GrantableScopes(r.Context(), scopes, v.Account.ID)
		if err != nil {
			return err
		}
		cv.Scopes = describeScopes(grantable) // what approving will grant
	}
	h.renderConsent(w, r, v, http.StatusOK, cv)
	return nil
}

func (h *Handler) renderConsent(w http.ResponseWriter, r *http.Request, v *visitor, status int, cv consentView) {
	token := h.csrfToken(w, r, v)
	if cv.SignIn != nil {
		cv.SignIn.CSRF = token
	}
	h.render(w, r, status, "consent", v, pageData{Title: "Authorize " + cv.AppName, NoIndex: true, CSRF: token, Data: cv})
}

// consent serves POST /oauth/authorize: action "signin" signs in and goes
// back to the consent page; "approve" and "deny" answer the app.
func (h *Handler) consent(w http.ResponseWriter, r *http.Request, v *visitor) error {
	if err := h.checkForm(w, r, v); err != nil {
		return err
	}
	req := authorizeRequest(r.PostForm)
	app, scopes, err := h.oauth.ValidateAuthorizeRequest(r.Context(), req)
	if err != nil {
		return err
	}
	switch r.PostFormValue("action") {
	case "signin":
		f := signInForm{Action: r.URL.Path, Hidden: hiddenFields(r.PostForm), Username: r.PostFormValue("username")}
		cv := consentView{AppName: app.Name, Scopes: describeScopes(scopes), Hidden: f.Hidden, SignIn: &f}
		ok, err := h.startSignInForConsent(w, r, v, &f, cv)
		if err != nil || !ok {
			return err
		}
		back := url.Values{}
		for _, kv := range f.Hidden {
			back.Set(kv[0], kv[1])
		}
		http.Redirect(w, r, r.URL.Path+"?"+back.Encode(), http.StatusSeeOther)
		return nil
	case "approve":
		if err := requireUser(v); err != nil {
			return err
		}
		res, err := h.oauth.Authorize(r.Context(), req, v.Account.ID)
		if err != nil {
			return err
		}
		return h.answerApp(w, r, v, app.Name, res)
	case "deny":
		res, err := h.oauth.Deny(r.Context(), req)
		if err != nil {
			return err
		}
		return h.answerApp(w, r, v, app.Name, res)
	}
	return apperr.BadRequest("Choose Authorize or Deny.")
}

// startSignInForConsent signs in from the consent page's form; on a refusal
// it renders the consent page again with the reason.
func (h *Handler) startSignInForConsent(w http.ResponseWriter, r *http.Request, v *visitor, f *signInForm, cv consentView) (bool, error) {
	id, err := h.checkLogin(r, f.Username)
	if err != nil {
		if _, ok := apperr.As(err); !ok {
			return false, err
		}
		f.Error = apperr.MessageOf(err)
		h.renderConsent(w, r, v, apperr.StatusOf(err), cv)
		return false, nil
	}
	if _, err := h.sessions.Start(r.Context(), w, r, id); err != nil {
		return false, err
	}
	return true, nil
}

// resultView is the page shown when the answer is not a plain redirect.
type resultView struct {
	AppName  string
	Mode     string // "oob", "form_post" or "redirect"
	Code     string
	Denied   bool
	Action   template.URL // form_post target or redirect location
	Params   [][2]string
	Redirect string
}

// answerApp sends the authorization result to the app: a redirect for the
// query and fragment modes, a self-submitting form for form_post, and a page
// showing the code for the out-of-band redirect URI.
func (h *Handler) answerApp(w http.ResponseWriter, r *http.Request, v *visitor, appName string, res auth.Authorization) error {
	rv := resultView{AppName: appName, Mode: res.Mode, Code: res.Code, Denied: res.Code == ""}
	switch res.Mode {
	case "query", "fragment":
		// Location is set as is: custom-scheme redirect URIs must survive
		// byte for byte (auth.Authorization.URL).
		w.Header().Set("Location", res.URL())
		rv.Mode, rv.Action = "redirect", template.URL(res.URL())
		h.render(w, r, http.StatusFound, "oauth_result", v, pageData{Title: appName, NoIndex: true, Data: rv})
		return nil
	case "form_post":
		rv.Action = template.URL(res.RedirectURI)
		for k, vs := range res.Params {
			for _, val := range vs {
				rv.Params = append(rv.Params, [2]string{k, val})
			}
		}
	}
	h.render(w, r, http.StatusOK, "oauth_result", v, pageData{Title: appName, NoIndex: true, Data: rv})
	return nil
}

// scopeText describes the broad scopes; granular ones are described from
// their parts.
var scopeText = map[string]string{
	"read":        "Read everything in your account",
	"write":       "Post, edit and delete, and change everything in your account",
	"follow":      "Follow, block and mute accounts",
	"push":        "Receive push notifications",
	"profile":     "Read your basic profile only",
	"admin:read":  "Read all data on this server (admin)",
	"admin:write": "Moderate this server (admin)",
}

func describeScopes(scopes auth.Scopes) []scopeView {
	out := make([]scopeView, 0, len(scopes))
	for _, s := range scopes {
		name := string(s)
		desc, ok := scopeText[name]
		if !ok {
			verb, what, _ := strings.Cut(strings.TrimPrefix(name, "admin:"), ":")
			what = strings.ReplaceAll(what, "_", " ")
			desc = map[string]string{"read": "Read your ", "write": "Change your "}[verb] + what
			if strings.HasPrefix(name, "admin:") {
				desc += " (admin)"
			}
		}
		out = append(out, scopeView{Name: name, Description: desc})
	}
	return out
}
