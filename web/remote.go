package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/pictor-social/pictor/internal/apperr"
)

// handleRE matches a fediverse address typed into a remote-interaction
// form: the user, then the host (with an optional port).
var handleRE = regexp.MustCompile(`^@?([A-Za-z0-9_.-]+)@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?::[0-9]{1,5})?)$`)

// remoteFollow serves GET /remote_follow?acct=you@your.server&name=alice:
// it sends the visitor to their own server's page for following this
// account (see remoteRedirect).
func (h *Handler) remoteFollow(w http.ResponseWriter, r *http.Request, v *visitor) error {
	q := r.URL.Query()
	a, err := h.publicAccount(r.Context(), q.Get("name"))
	if err != nil {
		return err
	}
	return h.remoteRedirect(w, r, q.Get("acct"), a.URI, h.profileURL(a.Username))
}

// remoteInteraction serves GET /remote_interaction?acct=you@your.server&
// name=alice&id=123: it sends the visitor to their own server's page for
// this post, where they like, boost or reply to it.
func (h *Handler) remoteInteraction(w http.ResponseWriter, r *http.Request, v *visitor) error {
	q := r.URL.Query()
	st, author, err := h.publicPost(r.Context(), q.Get("name"), q.Get("id"))
	if err != nil {
		return err
	}
	return h.remoteRedirect(w, r, q.Get("acct"), st.URI, h.statusURL(author.Username, st.ID))
}

// remoteRedirect does what Mastodon's remote interaction does: it
// WebFingers the visitor's handle on their server, fills the object's URI
// into the "subscribe" link template found there, and redirects to it. A
// server whose JRD has no template gets Mastodon's /authorize_interaction.
// A handle on this server goes to localURL, where the visitor can act after
// signing in. Unknown handles and unreachable servers get an error page.
func (h *Handler) remoteRedirect(w http.ResponseWriter, r *http.Request, acct, uri, localURL string) error {
	m := handleRE.FindStringSubmatch(strings.TrimSpace(acct))
	if m == nil {
		return apperr.Invalid("Enter your fediverse address, like you@mastodon.social.")
	}
	user, host := m[1], strings.ToLower(m[2])
	if host == strings.ToLower(h.host) {
		http.Redirect(w, r, localURL, http.StatusSeeOther)
		return nil
	}
	tpl, err := h.social.Federation().SubscribeTemplate(r.Context(), user, host)
	if err != nil {
		return err
	}
	target := "https://" + host + "/authorize_interaction?uri=" + url.QueryEscape(uri)
	if tpl != "" {
		target = strings.ReplaceAll(tpl, "{uri}", url.QueryEscape(uri))
	}
	if u, err := url.Parse(target); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return apperr.Unavailable("%s gave an address for interactions that is not a web page.", host)
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}
