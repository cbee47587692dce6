package server

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"sync/atomic"
	"time"

	"github.com/pictor-social/pictor/internal/clientip"
)

// corsPrefixes are the paths where any origin may call, as Mastodon allows
// (interop.md C.6, checklist 72).
var corsPrefixes = []string{"/api/", "/oauth/", "/.well-known/", "/nodeinfo/", "/@", "/users/", "/media/"}

// The CORS answer on those paths, shared by every response (the header
// map only reads a value; Set and Add replace or copy it).
var (
	corsAnyOrigin     = []string{"*"}
	corsExposeHeaders = []string{"Link, X-RateLimit-Reset, X-RateLimit-Limit, X-RateLimit-Remaining, X-Request-Id, Idempotency-Key"}
)

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
		h["Access-Control-Allow-Origin"] = corsAnyOrigin
		h["Access-Control-Expose-Headers"] = corsExposeHeaders
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

// requestState is what the outer middleware keeps for one request, in one
// allocation: the status for the access log, the request's context and the
// X-Request-Id header value.
type requestState struct {
	rec statusRecorder
	ctx requestContext
	id  [1]string
}

// requestContext is a request's context answering the route template
// (routeKey, for the access log and metrics) and the client address
// (clientip.ContextKey, for every per-client limit) from itself rather than
// from a chain of context.WithValue, one allocation each.
type requestContext struct {
	context.Context
	route  routeHolder
	client netip.Addr
}

func (c *requestContext) Value(key any) any {
	switch key.(type) {
	case routeKey:
		return &c.route
	case clientip.ContextKey:
		return &c.client
	}
	return c.Context.Value(key)
}

// logRequests is the outermost middleware: it resolves the client address
// (trusted_proxies), assigns a request id, recovers a panic into a 500, and
// logs and counts each request once: at debug level for successes and info
// for client and server errors, a log line built only when that level is
// on; metrics when they are enabled.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := &requestState{rec: statusRecorder{ResponseWriter: w, status: http.StatusOK}}
		st.ctx.Context = r.Context()
		st.ctx.client = s.clientAddr.Resolve(r)
		id := r.Header.Get("X-Request-Id")
		if id == "" || len(id) > 64 {
			id = newRequestID()
		}
		st.id[0] = id
		w.Header()["X-Request-Id"] = st.id[:]
		r = r.WithContext(&st.ctx)
		start := time.Now()
		defer func() {
			rec := &st.rec
			if p := recover(); p != nil {
				s.Log.Error("panic", "req_id", id, "path", r.URL.Path, "panic", p)
				http.Error(rec, `{"error":"internal server error"}`, http.StatusInternalServerError)
			}
			elapsed := time.Since(start)
			level := slog.LevelDebug
			if rec.status >= 400 {
				level = slog.LevelInfo
			}
			if s.Log.Enabled(context.Background(), level) {
				s.Log.Log(context.Background(), level, "request", "req_id", id, "method", r.Method, "path", r.URL.Path,
					"status", rec.status, "ms", elapsed.Milliseconds())
			}
			if s.metrics != nil {
				s.metrics.observe(st.ctx.route.template, r.Method, rec.status, elapsed)
			}
		}()
		next.ServeHTTP(&st.rec, r)
	})
}

// Request ids are this process's random prefix and a counter: unique
// without reading the system's random source per request. They name a
// request in the logs; they are not secrets.
var (
	requestIDPrefix [8]byte
	requestIDSeq    atomic.Uint64
)

func init() {
	var b [6]byte
	rand.Read(b[:])
	base64.RawURLEncoding.Encode(requestIDPrefix[:], b[:])
}

// newRequestID returns 16 URL-safe characters: the prefix and the
// counter's low 48 bits in base64url.
func newRequestID() string {
	var b [16]byte
	copy(b[:], requestIDPrefix[:])
	n := requestIDSeq.Add(1)
	const digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := 15; i >= 8; i-- {
		b[i] = digits[n&63]
		n >>= 6
	}
	return string(b[:])
}
