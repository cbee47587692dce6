package server

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/pictor-social/pictor/auth"
)

// corsPrefixes are the paths where any origin may call, as Mastodon allows
// (interop.md C.6, checklist 72).
var corsPrefixes = []string{"/api/", "/oauth/", "/.well-known/", "/nodeinfo/", "/@", "/users/", "/media/"}

// cors adds CORS headers on API paths and answers preflight requests.
func cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		allowed := false
		for _, p := range corsPrefixes {
			if strings.HasPrefix(r.URL.Path, p) {
				allowed = true
				break
			}
		}
		if !allowed || (strings.HasPrefix(r.URL.Path, "/oauth/authorize")) {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Access-Control-Expose-Headers", "Link, X-RateLimit-Reset, X-RateLimit-Limit, X-RateLimit-Remaining, X-Request-Id, Idempotency-Key")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Set("Access-Control-Allow-Methods", "POST, PUT, DELETE, GET, PATCH, OPTIONS")
			if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
				h.Set("Access-Control-Allow-Headers", req)
			}
			h.Set("Access-Control-Max-Age", "7200")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// statusRecorder remembers the status code for the access log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// Flush lets streaming responses through the recorder.
func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// logRequests assigns a request id and logs each request once, at debug
// level for successes and info for client and server errors.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if id == "" || len(id) > 64 {
			id = auth.RandomToken(9)
		}
		w.Header().Set("X-Request-Id", id)
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		route := &routeHolder{}
		r = r.WithContext(context.WithValue(r.Context(), routeKey{}, route))
		start := time.Now()
		defer func() {
			if p := recover(); p != nil {
				s.Log.Error("panic", "req_id", id, "path", r.URL.Path, "panic", p)
				http.Error(rec, `{"error":"internal server error"}`, http.StatusInternalServerError)
			}
			level := s.Log.Debug
			if rec.status >= 400 {
				level = s.Log.Info
			}
			elapsed := time.Since(start)
			level("request", "req_id", id, "method", r.Method, "path", r.URL.Path, "status", rec.status,
				"ms", elapsed.Milliseconds())
			if s.metrics != nil {
				s.metrics.observe(route.template, r.Method, rec.status, elapsed)
			}
		}()
		next.ServeHTTP(rec, r)
	})
}
