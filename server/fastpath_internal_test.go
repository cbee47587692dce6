package server

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// hotRoutes takes exactly the requests mux would route to the same three
// handlers with the same variables, and hands every other one to mux.
func TestHotRoutesTakeOnlyWhatMuxWouldRouteThere(t *testing.T) {
	var got, gotVar string
	mark := func(name string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = name })
	}
	markVar := func(name string) func(http.ResponseWriter, *http.Request, string) {
		return func(w http.ResponseWriter, r *http.Request, v string) { got, gotVar = name, v }
	}
	h := &hotRoutes{webfinger: mark("webfinger"), users: markVar("actor"), nodeinfo: markVar("nodeinfo"), next: mark("mux")}
	cases := []struct{ method, target, want, wantVar string }{
		{"GET", "/.well-known/webfinger?resource=acct:alice@example.test", "webfinger", ""},
		{"HEAD", "/.well-known/webfinger", "webfinger", ""},
		{"GET", "/users/alice", "actor", "alice"},
		{"GET", "/nodeinfo/2.0", "nodeinfo", "2.0"},
		{"GET", "/nodeinfo/2.1", "nodeinfo", "2.1"},
		{"GET", "/nodeinfo/9", "nodeinfo", "9"}, // the handler's 404, as through mux
		{"POST", "/users/alice", "mux", ""},
		{"OPTIONS", "/.well-known/webfinger", "mux", ""},
		{"GET", "/users/alice/", "mux", ""},
		{"GET", "/users/alice/outbox", "mux", ""},
		{"GET", "/users/", "mux", ""},
		{"GET", "/users/..", "mux", ""},
		{"GET", "/users/a%2Fb", "mux", ""}, // decoded, it has two segments
		{"GET", "/.well-known/webfinger/", "mux", ""},
		{"GET", "/nodeinfo/", "mux", ""},
		{"GET", "/api/v1/instance", "mux", ""},
	}
	for _, tc := range cases {
		got, gotVar = "", ""
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(tc.method, tc.target, nil))
		if got != tc.want || gotVar != tc.wantVar {
			t.Errorf("%s %s: went to %s (%q), want %s (%q)", tc.method, tc.target, got, gotVar, tc.want, tc.wantVar)
		}
	}
}
