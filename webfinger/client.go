package webfinger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Client resolves user@host handles to actor URLs.
type Client struct {
	HTTP     *http.Client // the safehttp client
	Scheme   string       // "https" (Mastodon's rule); tests may use "http"
	MaxBytes int64        // response size limit; 0 means 64 KiB
}

// ErrNoActor is returned when a JRD has no ActivityPub self link.
var ErrNoActor = errors.New("webfinger: no activitypub self link")

// Resolve looks up acct:user@host and returns the canonical subject and the
// actor URL from the single self link. A 404 or 410 gives ErrNotFound.
func (c *Client) Resolve(ctx context.Context, user, host string) (subject, actorURL string, err error) {
	jrd, err := c.Lookup(ctx, user, host)
	if err != nil {
		return "", "", err
	}
	// Mastodon indexes links by rel, so the last self link wins (interop.md A.1).
	for _, l := range jrd.Links {
		if l.Rel == "self" && isAS2(l.Type) && l.Href != "" {
			actorURL = l.Href
		}
	}
	if actorURL == "" {
		return "", "", ErrNoActor
	}
	return jrd.Subject, actorURL, nil
}

// Lookup fetches the JRD of acct:user@host from host, reading at most
// MaxBytes of it. A 404 or 410 gives ErrNotFound; other failures are
// wrapped errors.
func (c *Client) Lookup(ctx context.Context, user, host string) (JRD, error) {
	scheme := c.Scheme
	if scheme == "" {
		scheme = "https"
	}
	u := scheme + "://" + host + "/.well-known/webfinger?resource=" + url.QueryEscape("acct:"+user+"@"+host)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return JRD{}, fmt.Errorf("webfinger %s@%s: %w", user, host, err)
	}
	req.Header.Set("Accept", "application/jrd+json, application/json")
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return JRD{}, fmt.Errorf("webfinger %s@%s: %w", user, host, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone {
		return JRD{}, ErrNotFound
	}
	if resp.StatusCode != http.StatusOK {
		return JRD{}, fmt.Errorf("webfinger %s@%s: status %d", user, host, resp.StatusCode)
	}
	limit := c.MaxBytes
	if limit == 0 {
		limit = 64 << 10
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return JRD{}, fmt.Errorf("webfinger %s@%s: %w", user, host, err)
	}
	if int64(len(body)) > limit {
		return JRD{}, fmt.Errorf("webfinger %s@%s: response larger than %d bytes", user, host, limit)
	}
	var jrd JRD
	if err := json.Unmarshal(body, &jrd); err != nil {
		return JRD{}, fmt.Errorf("webfinger %s@%s: %w", user, host, err)
	}
	return jrd, nil
}

// RelSubscribe is the rel of the link whose template a server offers for
// remote follows and interactions; "{uri}" in it stands for the object.
const RelSubscribe = "http://ostatus.org/schema/1.0/subscribe"

// Template returns the template of the last link with rel (Mastodon keeps
// the last one per rel), or "" when there is none.
func (j JRD) Template(rel string) string {
	t := ""
	for _, l := range j.Links {
		if l.Rel == rel && l.Template != "" {
			t = l.Template
		}
	}
	return t
}

func isAS2(t string) bool {
	return t == "application/activity+json" || strings.HasPrefix(t, "application/ld+json")
}

// SplitHandle parses "@user@host", "user@host" or "acct:user@host".
func SplitHandle(handle string) (user, host string, ok bool) {
	h := strings.TrimPrefix(strings.TrimSpace(handle), "acct:")
	h = strings.TrimPrefix(h, "@")
	user, host, ok = strings.Cut(h, "@")
	if !ok || user == "" || host == "" || strings.ContainsAny(user+host, "/@ ?#") {
		return "", "", false
	}
	return user, strings.ToLower(host), true
}
