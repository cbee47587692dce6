package server

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pictor-social/pictor/internal/clientip"
)

// The outer middleware's one-allocation state: a fresh request id per
// request unless the client sent a usable one, the client address for
// clientip.Of (through a trusted proxy), the route template for the log
// and metrics, the parent context's values and cancellation, and a panic
// turned into a 500 with the request id still set.
func TestLogRequestsState(t *testing.T) {
	res, err := clientip.New([]string{"127.0.0.1/32"})
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), clientAddr: res}
	type parentKey struct{}
	var client, parent string
	var route *routeHolder
	h := s.logRequests(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hotRoute(r, "/users/{name}")
		route, _ = r.Context().Value(routeKey{}).(*routeHolder)
		client = clientip.Of(r)
		parent, _ = r.Context().Value(parentKey{}).(string)
		if r.URL.Path == "/panic" {
			panic("boom")
		}
	}))
	serve := func(path, reqID string) *httptest.ResponseRecorder {
		ctx := context.WithValue(context.Background(), parentKey{}, "kept")
		r := httptest.NewRequestWithContext(ctx, "GET", path, nil)
		r.RemoteAddr = "127.0.0.1:5000"
		r.Header.Set("X-Forwarded-For", "203.0.113.9")
		if reqID != "" {
			r.Header.Set("X-Request-Id", reqID)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	a, b := serve("/x", "").Header().Get("X-Request-Id"), serve("/x", "").Header().Get("X-Request-Id")
	if len(a) != 16 || len(b) != 16 || a == b || a[:8] != b[:8] {
		t.Errorf("request ids %q and %q", a, b)
	}
	if client != "203.0.113.9" || parent != "kept" || route == nil || route.template != "/users/{name}" {
		t.Errorf("client %q, parent value %q, route %+v", client, parent, route)
	}
	if got := serve("/x", "abc-123").Header().Get("X-Request-Id"); got != "abc-123" {
		t.Errorf("client's request id: %q", got)
	}
	if got := serve("/x", strings.Repeat("a", 65)).Header().Get("X-Request-Id"); len(got) != 16 {
		t.Errorf("over-long request id kept: %q", got)
	}
	w := serve("/panic", "p-1")
	if w.Code != 500 || w.Header().Get("X-Request-Id") != "p-1" {
		t.Errorf("panic: %d, id %q", w.Code, w.Header().Get("X-Request-Id"))
	}

	// A context derived from the request's is cancelled with it.
	ctx, cancel := context.WithCancel(context.Background())
	var derived context.Context
	var stop context.CancelFunc
	h2 := s.logRequests(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		derived, stop = context.WithCancel(r.Context())
	}))
	h2.ServeHTTP(httptest.NewRecorder(), httptest.NewRequestWithContext(ctx, "GET", "/x", nil))
	defer stop()
	cancel()
	<-derived.Done()
}
