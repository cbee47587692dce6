package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/gorilla/mux"
)

// hotRoutes answers the most requested federation GETs (WebFinger, NodeInfo,
// the actor document) before gorilla/mux, whose matching tries the whole
// route table's regexps in order: an exact-path map and two one-variable
// prefixes. Every other request, and any path mux would clean or redirect,
// goes to mux unchanged. The handlers are the same ones mux routes to, with
// the same variables (mux.SetURLVars), so both paths answer alike
// (TestHotRoutesAnswerAsMux).
type hotRoutes struct {
	exact    map[string]http.Handler
	users    http.Handler // /users/{name}
	nodeinfo http.Handler // /nodeinfo/{version}
	next     http.Handler
}

func (h *hotRoutes) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.next.ServeHTTP(w, r)
		return
	}
	p := r.URL.Path
	if hd, ok := h.exact[p]; ok {
		hotRoute(r, p)
		hd.ServeHTTP(w, r)
		return
	}
	if name, ok := strings.CutPrefix(p, "/users/"); ok && oneSegment(name) {
		hotRoute(r, "/users/{name}")
		h.users.ServeHTTP(w, mux.SetURLVars(r, map[string]string{"name": name}))
		return
	}
	if v, ok := strings.CutPrefix(p, "/nodeinfo/"); ok && oneSegment(v) {
		hotRoute(r, "/nodeinfo/{version}")
		h.nodeinfo.ServeHTTP(w, mux.SetURLVars(r, map[string]string{"version": v}))
		return
	}
	h.next.ServeHTTP(w, r)
}

// hotRoute records the route template for the access log and metrics, as
// the router middleware nameRoute does for routes mux matches.
func hotRoute(r *http.Request, template string) {
	if h, ok := r.Context().Value(routeKey{}).(*routeHolder); ok {
		h.template = template
	}
}

// oneSegment reports whether s is what mux's default variable pattern
// ([^/]+) matches in a path mux leaves as it is (not "." or "..").
func oneSegment(s string) bool {
	return s != "" && s != "." && s != ".." && !strings.Contains(s, "/")
}

// bodyPool holds the buffers conditional renders responses into.
var bodyPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// conditional renders a GET's answer into a pooled buffer, gives a 200 an
// ETag (a digest of the exact bytes, so each representation of a negotiated
// URL has its own) and answers 304 with no body when the request's
// If-None-Match names it (RFC 9110, 13.1.2). The body is written to the
// connection once, with its Content-Length.
func conditional(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		buf := bodyPool.Get().(*bytes.Buffer)
		buf.Reset()
		defer func() {
			if buf.Cap() <= 1<<20 { // do not keep the rare huge document
				bodyPool.Put(buf)
			}
		}()
		bw := &bufferedWriter{ResponseWriter: w, buf: buf, status: http.StatusOK}
		next.ServeHTTP(bw, r)
		h := w.Header()
		if bw.status == http.StatusOK {
			sum := sha256.Sum256(buf.Bytes())
			etag := `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`
			h.Set("ETag", etag)
			if etagMatches(r.Header.Get("If-None-Match"), etag) {
				h.Del("Content-Type")
				h.Del("Content-Length")
				w.WriteHeader(http.StatusNotModified)
				return
			}
		}
		h.Set("Content-Length", strconv.Itoa(buf.Len()))
		w.WriteHeader(bw.status)
		if r.Method != http.MethodHead {
			w.Write(buf.Bytes())
		}
	})
}

// etagMatches applies If-None-Match's weak comparison of a list of tags.
func etagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}

// bufferedWriter keeps a handler's status and body for conditional.
type bufferedWriter struct {
	http.ResponseWriter
	buf         *bytes.Buffer
	status      int
	wroteHeader bool
}

func (b *bufferedWriter) WriteHeader(code int) {
	if !b.wroteHeader {
		b.status, b.wroteHeader = code, true
	}
}

func (b *bufferedWriter) Write(p []byte) (int, error) {
	b.wroteHeader = true
	return b.buf.Write(p)
}
