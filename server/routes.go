package server

import (
	"io/fs"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gorilla/mux"
	"github.com/pictor-social/pictor/media"
	"github.com/pictor-social/pictor/static"
	"github.com/pictor-social/pictor/webfinger"
)

// apHandler adapts an ActivityPub handler that returns an error.
type apHandler func(w http.ResponseWriter, r *http.Request) error

func (s *Server) ap(h apHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.writeAPError(w, r, err)
		}
	}
}

// routes is the whole URL map of Pictor.
func (s *Server) routes() http.Handler {
	r := mux.NewRouter()
	r.Use(nameRoute) // the route template, for the access log and metrics (metrics.go)
	f := s.Fed
	wf := &webfinger.Handler{Host: f.Host(), BaseURL: f.URLs.Base, Lookup: s.webfingerLookup,
		ActorPrefix: "/users/", ProfilePrefix: "/@"}

	// Discovery.
	// The hottest GETs serve documents kept encoded with an ETag (hotdoc)
	// and are routed before mux as well (hotRoutes, fastpath.go).
	webfingerH := http.HandlerFunc(wf.ServeWebFinger)
	r.Handle("/.well-known/webfinger", webfingerH).Methods("GET", "HEAD")
	r.HandleFunc("/.well-known/host-meta", wf.ServeHostMeta).Methods("GET", "HEAD")
	r.HandleFunc("/.well-known/host-meta.json", wf.ServeHostMeta).Methods("GET", "HEAD")
	r.Handle("/.well-known/nodeinfo", s.ap(f.ServeNodeInfoDiscovery)).Methods("GET", "HEAD")
	r.HandleFunc("/nodeinfo/{version}", func(w http.ResponseWriter, r *http.Request) {
		s.serveNodeInfo(w, r, mux.Vars(r)["version"])
	}).Methods("GET", "HEAD")
	r.HandleFunc("/robots.txt", serveRobots).Methods("GET", "HEAD")

	// Probes for supervisors and load balancers (health.go).
	r.HandleFunc("/livez", s.serveLivez).Methods("GET", "HEAD")
	r.HandleFunc("/readyz", s.serveReadyz).Methods("GET", "HEAD")
	if s.metrics != nil && s.metrics.token != "" {
		r.Handle("/metrics", s.metrics.Handler()).Methods("GET", "HEAD")
	}

	// ActivityPub.
	r.Handle("/actor", s.ap(f.ServeInstanceActor)).Methods("GET", "HEAD")
	r.Handle("/actor/inbox", s.ap(f.ServeInbox)).Methods("POST")
	r.Handle("/actor/outbox", s.ap(f.ServeInstanceOutbox)).Methods("GET", "HEAD")
	r.Handle("/inbox", s.ap(f.ServeInbox)).Methods("POST")
	r.HandleFunc("/users/{name}", func(w http.ResponseWriter, r *http.Request) {
		s.serveActor(w, r, mux.Vars(r)["name"])
	}).Methods("GET", "HEAD")
	r.Handle("/users/{name}/inbox", s.ap(f.ServeInbox)).Methods("POST")
	r.Handle("/users/{name}/outbox", s.ap(f.ServeOutbox)).Methods("GET", "HEAD")
	r.Handle("/users/{name}/followers", s.ap(f.ServeFollowers)).Methods("GET", "HEAD")
	r.Handle("/users/{name}/following", s.ap(f.ServeFollowing)).Methods("GET", "HEAD")
	r.Handle("/users/{name}/collections/featured", s.ap(f.ServeFeatured)).Methods("GET", "HEAD")
	r.Handle("/users/{name}/collections/tags", s.ap(f.ServeFeaturedTags)).Methods("GET", "HEAD")
	r.Handle("/users/{name}/statuses/{id:[0-9]+}", s.negotiate(s.ap(f.ServeStatus), http.HandlerFunc(s.redirectToStatusPage))).Methods("GET", "HEAD")
	r.Handle("/users/{name}/statuses/{id:[0-9]+}/{activity:activity}", s.ap(f.ServeStatus)).Methods("GET", "HEAD")

	// OAuth 2 and the Mastodon client API.
	s.OAuth.Routes(r)
	s.API.Routes(r)
	s.API.GenerationRoutes(r, s.Gen)

	// Media and static files: any Accept, any User-Agent, no signature (checklist 33).
	// With [media.s3] public_url the files are served from there, and
	// /media/ (the URLs federated before) redirects to it.
	mediaFiles := media.NewHandler(s.Files)
	if base := mediaBaseURL(s.Cfg); base != "" {
		mediaFiles = media.NewRedirectHandler(base)
	}
	r.PathPrefix("/media/").Handler(http.StripPrefix("/media/", mediaFiles)).Methods("GET", "HEAD")
	staticFS, _ := fs.Sub(static.FS, ".")
	r.PathPrefix("/static/").Handler(http.StripPrefix("/static/", cacheStatic(http.FileServerFS(staticFS)))).Methods("GET", "HEAD")

	// OAuth 2 endpoints; the consent page at /oauth/authorize is web's.
	s.OAuth.Routes(r)

	// HTML pages (with ActivityPub documents for AS2 requests at the same URLs).
	s.Web.Routes(r)
	r.Handle("/@{name}", s.negotiate(s.ap(f.ServeActor), s.Web.Profile())).Methods("GET", "HEAD")
	r.Handle("/@{name}/{id:[0-9]+}", s.negotiate(s.ap(f.ServeStatus), s.Web.Post())).Methods("GET", "HEAD")

	r.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if wantsHTMLPage(r) {
			s.Web.NotFound().ServeHTTP(w, r)
			return
		}
		writeJSONError(w, http.StatusNotFound, "not found")
	})
	r.MethodNotAllowedHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSONError(w, http.StatusMethodNotAllowed, "method not allowed")
	})
	hot := &hotRoutes{webfinger: webfingerH, users: s.serveActor, nodeinfo: s.serveNodeInfo, next: r}
	return s.logRequests(cors(hot)) // logRequests also resolves the client address (clientip)
}

// negotiate serves ActivityPub JSON to clients that ask for it and HTML to
// browsers (interop.md D.6: bare application/ld+json counts as AS2).
func (s *Server) negotiate(as2, html http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Accept")
		if WantsAS2(r.Header.Get("Accept")) {
			as2.ServeHTTP(w, r)
			return
		}
		html.ServeHTTP(w, r)
	})
}

// ldProfileAS is the Accept value of ActivityPub's section 3.2.
const ldProfileAS = `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`

// WantsAS2 reports whether an Accept header prefers an ActivityStreams type
// over HTML. No Accept at all (curl, some fetchers) gets ActivityPub on
// /users/ paths through this too.
func WantsAS2(accept string) bool {
	if accept == "" || slices.Contains(commonAS2Accepts, accept) {
		return true
	}
	return wantsAS2Parsed(accept)
}

// commonAS2Accepts are what fetchers send, answered without parsing; the
// parse gives the same answer (TestWantsAS2).
var commonAS2Accepts = []string{"application/activity+json", "application/ld+json", ldProfileAS,
	"application/activity+json, application/ld+json",
	`application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams", text/html;q=0.1`} // Mastodon

func wantsAS2Parsed(accept string) bool {
	bestAS2, bestHTML := -1.0, -1.0
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			} else {
				q = 0
			}
		}
		switch {
		case mt == "application/activity+json", mt == "application/ld+json":
			bestAS2 = max(bestAS2, q)
		case mt == "text/html", mt == "application/xhtml+xml":
			bestHTML = max(bestHTML, q)
		}
	}
	return bestAS2 > 0 && bestAS2 >= bestHTML
}

// wantsHTMLPage reports whether an unknown URL should get the HTML 404
// page: a browser asking for text/html outside the client API. API and
// ActivityPub clients keep the JSON error.
func wantsHTMLPage(r *http.Request) bool {
	accept := r.Header.Get("Accept")
	return !strings.HasPrefix(r.URL.Path, "/api/") && strings.Contains(accept, "text/html") && !WantsAS2(accept)
}

func serveRobots(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("User-agent: *\nDisallow: /oauth/\nDisallow: /settings/\n"))
}

func cacheStatic(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		h.ServeHTTP(w, r)
	})
}
