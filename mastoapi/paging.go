package mastoapi

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/pictor-social/pictor/store"
)

// Page limits, as Mastodon's: statuses and accounts default to 20 (max 40),
// notifications to 40 (max 80).
const (
	defaultLimit      = 20
	maxLimit          = 40
	notificationLimit = 40
	maxNotifications  = 80
)

// pageOf reads max_id, since_id, min_id and limit from the query. Malformed
// ids are ignored, as Mastodon ignores them; limit is clamped to 1..max.
func pageOf(r *http.Request, def, most int) store.Page {
	q := r.URL.Query()
	id := func(k string) int64 {
		s := q.Get(k)
		if s == "" {
			return 0 // no error value to build for a parameter left out
		}
		v, _ := store.ParseID(s)
		return v
	}
	p := store.Page{MaxID: id("max_id"), SinceID: id("since_id"), MinID: id("min_id"), Limit: def}
	if s := q.Get("limit"); s != "" {
		if n, err := strconv.Atoi(s); err == nil {
			p.Limit = min(max(n, 1), most)
		}
	}
	return p
}

// setLink sets the Link header for a page whose items have the given
// paging keys, newest first: rel="next" (older, max_id) when the page was
// full, rel="prev" (newer, min_id) whenever it had items, as Mastodon does.
// masto.js and toot page only through it (interop.md C.2).
func (h *Handler) setLink(w http.ResponseWriter, r *http.Request, p store.Page, keys []int64) {
	if len(keys) == 0 {
		return
	}
	q := r.URL.Query()
	for _, k := range []string{"max_id", "since_id", "min_id", "access_token"} {
		q.Del(k)
	}
	prefix := h.opts.BaseURL + (&url.URL{Path: r.URL.Path}).String() + "?"
	link := func(b []byte, param string, key int64, rel string) []byte {
		q[param] = []string{store.FormatID(key)}
		b = append(b, '<')
		b = append(b, prefix...)
		b = append(b, q.Encode()...)
		b = append(b, `>; rel="`...)
		b = append(b, rel...)
		delete(q, param)
		return append(b, '"')
	}
	b := make([]byte, 0, 2*len(prefix)+128)
	if len(keys) >= p.Limit {
		b = append(link(b, "max_id", keys[len(keys)-1], "next"), ", "...)
	}
	b = link(b, "min_id", keys[0], "prev")
	w.Header()["Link"] = []string{string(b)}
}

// statusKeys are the paging keys of a status list: the ids themselves.
func statusKeys(list []store.Status) []int64 {
	keys := make([]int64, len(list))
	for i, s := range list {
		keys[i] = s.ID
	}
	return keys
}
