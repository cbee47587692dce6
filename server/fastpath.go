package server

import (
	"net/http"
	"strings"
)

// hotRoutes answers the most requested federation GETs (WebFinger, NodeInfo,
// the actor document) before gorilla/mux, whose matching tries the whole
// route table's regexps in order: one exact path and two one-variable
// prefixes, handed to the same functions mux's routes call, with the
// variable as an argument (no mux.SetURLVars: a map, a context and a
// request copy per request). Every other request, and any path mux would
// clean or redirect, goes to mux unchanged (TestHotRoutesTakeOnlyWhatMuxWouldRouteThere).
type hotRoutes struct {
	webfinger http.Handler                                              // /.well-known/webfinger
	users     func(w http.ResponseWriter, r *http.Request, name string) // /users/{name}
	nodeinfo  func(w http.ResponseWriter, r *http.Request, version string)
	next      http.Handler
}

func (h *hotRoutes) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.next.ServeHTTP(w, r)
		return
	}
	p := r.URL.Path
	if p == "/.well-known/webfinger" {
		hotRoute(r, "/.well-known/webfinger")
		h.webfinger.ServeHTTP(w, r)
		return
	}
	if name, ok := strings.CutPrefix(p, "/users/"); ok && oneSegment(name) {
		hotRoute(r, "/users/{name}")
		h.users(w, r, name)
		return
	}
	if v, ok := strings.CutPrefix(p, "/nodeinfo/"); ok && oneSegment(v) {
		hotRoute(r, "/nodeinfo/{version}")
		h.nodeinfo(w, r, v)
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

// varyAccept is the Vary of a negotiated URL, shared by every response.
var varyAccept = []string{"Accept"}

// serveActor answers /users/{name}: the actor document to clients asking
// for ActivityPub, a redirect to the profile page for browsers (negotiate).
func (s *Server) serveActor(w http.ResponseWriter, r *http.Request, name string) {
	w.Header()["Vary"] = varyAccept
	if !WantsAS2(r.Header.Get("Accept")) {
		http.Redirect(w, r, s.Fed.URLs.Profile(name), http.StatusFound)
		return
	}
	if err := s.Fed.ServeActorNamed(w, r, name); err != nil {
		s.writeAPError(w, r, err)
	}
}

// serveNodeInfo answers /nodeinfo/{version}.
func (s *Server) serveNodeInfo(w http.ResponseWriter, r *http.Request, version string) {
	if err := s.Fed.ServeNodeInfoVersion(w, r, version); err != nil {
		s.writeAPError(w, r, err)
	}
}
