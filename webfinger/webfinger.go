// Package webfinger serves and queries WebFinger (RFC 7033) and host-meta
// (RFC 6415) the way Mastodon expects (interop.md A.1). It knows nothing of
// the store: the server hands it a Lookup function.
package webfinger

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/pictor-social/pictor/internal/hotdoc"
)

// JRD is a JSON Resource Descriptor.
type JRD struct {
	Subject string   `json:"subject"`
	Aliases []string `json:"aliases,omitempty"`
	Links   []Link   `json:"links"`
}

// Link is one JRD link.
type Link struct {
	Rel      string `json:"rel"`
	Type     string `json:"type,omitempty"`
	Href     string `json:"href,omitempty"`
	Template string `json:"template,omitempty"`
}

// Account is what a lookup returns for a local account.
type Account struct {
	Username   string // canonical spelling
	ActorURL   string
	ProfileURL string
}

// ErrNotFound is returned by a Lookup for an unknown account.
var ErrNotFound = errors.New("no such account")

// Lookup resolves a local username (any case) to its account.
type Lookup func(ctx context.Context, username string) (Account, error)

// Handler serves /.well-known/webfinger and /.well-known/host-meta.
type Handler struct {
	mu   sync.Mutex
	docs map[Account]*hotdoc.Doc // jrdDoc

	Host    string // public host, with port when not default
	BaseURL string // scheme://host
	Lookup  Lookup
	// ActorPrefix is the path before a username in actor URLs ("/users/"),
	// so resource=https://host/users/alice also resolves.
	ActorPrefix string
	// ProfilePrefix is the path before a username in profile URLs ("/@").
	ProfilePrefix string
}

// ServeWebFinger answers a WebFinger query for acct: and actor-URL resources
// with the profile page, the actor and the subscribe template (RelSubscribe,
// BaseURL/authorize_interaction?uri={uri}) as links. The document of an
// account is encoded once and kept while its lookup answers the same
// (jrdDoc), with an ETag (hotdoc).
func (h *Handler) ServeWebFinger(w http.ResponseWriter, r *http.Request) {
	resource := queryValue(r.URL.RawQuery, "resource")
	if resource == "" {
		writeError(w, http.StatusBadRequest, "resource parameter is required")
		return
	}
	username, ok := h.usernameOf(resource)
	if !ok {
		writeError(w, http.StatusNotFound, "resource is not on this server")
		return
	}
	acc, err := h.Lookup(r.Context(), username)
	if errors.Is(err, ErrNotFound) {
		writeError(w, http.StatusNotFound, "account not found")
		return
	}
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal server error")
		return
	}
	h.jrdDoc(acc).Serve(w, r)
}

// maxKeptJRDs bounds the kept WebFinger documents (local accounts only).
const maxKeptJRDs = 1_000

// jrdDoc returns the encoded document of acc. The document is a function of
// acc and the handler's constant Host and BaseURL alone, so a kept one is
// exact for as long as the lookup returns the same Account.
func (h *Handler) jrdDoc(acc Account) *hotdoc.Doc {
	h.mu.Lock()
	d, ok := h.docs[acc]
	h.mu.Unlock()
	if ok {
		return d
	}
	jrd := JRD{
		Subject: "acct:" + acc.Username + "@" + h.Host,
		Aliases: []string{acc.ProfileURL, acc.ActorURL},
		Links: []Link{
			{Rel: "http://webfinger.net/rel/profile-page", Type: "text/html", Href: acc.ProfileURL},
			{Rel: "self", Type: "application/activity+json", Href: acc.ActorURL},
			// Where a visitor from elsewhere follows or answers from this
			// account's home, as Mastodon publishes it (interop.md A.1).
			{Rel: RelSubscribe, Template: h.BaseURL + "/authorize_interaction?uri={uri}"},
		},
	}
	var buf bytes.Buffer
	json.NewEncoder(&buf).Encode(jrd)
	d = hotdoc.New(buf.Bytes(), "Content-Type", "application/jrd+json; charset=utf-8",
		"Cache-Control", "max-age=300, public")
	h.mu.Lock()
	if h.docs == nil || len(h.docs) >= maxKeptJRDs {
		h.docs = map[Account]*hotdoc.Doc{}
	}
	h.docs[acc] = d
	h.mu.Unlock()
	return d
}

// queryValue returns the first value of key in a raw query, as
// url.ParseQuery followed by Get would (pairs with a semicolon or a bad
// escape skipped), without building the whole map.
func queryValue(rawQuery, key string) string {
	for rawQuery != "" {
		var pair string
		pair, rawQuery, _ = strings.Cut(rawQuery, "&")
		if pair == "" || strings.Contains(pair, ";") {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		if k != key {
			if !strings.ContainsAny(k, "%+") {
				continue
			}
			if uk, err := url.QueryUnescape(k); err != nil || uk != key {
				continue
			}
		}
		if strings.ContainsAny(v, "%+") {
			var err error
			if v, err = url.QueryUnescape(v); err != nil {
				continue
			}
		}
		return v
	}
	return ""
}

// usernameOf extracts the username from acct:user@host, user@host or an
// actor/profile URL on this host.
func (h *Handler) usernameOf(resource string) (string, bool) {
	if strings.HasPrefix(resource, "http://") || strings.HasPrefix(resource, "https://") {
		u, err := url.Parse(resource)
		if err != nil || !strings.EqualFold(u.Host, h.Host) {
			return "", false
		}
		for _, prefix := range []string{h.ActorPrefix, h.ProfilePrefix} {
			if prefix != "" && strings.HasPrefix(u.Path, prefix) {
				name := strings.TrimPrefix(u.Path, prefix)
				if name != "" && !strings.Contains(name, "/") {
					return name, true
				}
			}
		}
		return "", false
	}
	acct := strings.TrimPrefix(resource, "acct:")
	acct = strings.TrimPrefix(acct, "@")
	user, host, ok := strings.Cut(acct, "@")
	if !ok || user == "" || !strings.EqualFold(host, h.Host) {
		return "", false
	}
	return user, true
}

// ServeHostMeta answers /.well-known/host-meta with an lrdd template (XRD),
// or JRD when the client asks for JSON.
func (h *Handler) ServeHostMeta(w http.ResponseWriter, r *http.Request) {
	tmpl := h.BaseURL + "/.well-known/webfinger?resource={uri}"
	if strings.Contains(r.Header.Get("Accept"), "json") || strings.HasSuffix(r.URL.Path, ".json") {
		w.Header().Set("Content-Type", "application/jrd+json; charset=utf-8")
		json.NewEncoder(w).Encode(JRD{Links: []Link{{Rel: "lrdd", Template: tmpl}}})
		return
	}
	w.Header().Set("Content-Type", "application/xrd+xml; charset=utf-8")
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>
<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">
  <Link rel="lrdd" template="%s"/>
</XRD>
`, xmlEscape(tmpl))
}

func xmlEscape(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")
	return r.Replace(s)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": msg})
}
