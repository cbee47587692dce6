// Package web serves Pictor's HTML pages: Explore, profiles, posts, the Atom
// feeds, sign-in, the OAuth consent page, compose and admin. Pages are
// rendered on the server from the templates in static/ and work without
// JavaScript; they read through store and act through social (and, for
// generation, a Generator). Every POSTed form is CSRF-checked.
package web

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/pictor-social/pictor/assistant"
	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// Options configures the web pages; server fills it from the config file.
type Options struct {
	BaseURL             string // scheme://host of the instance, no trailing slash
	InstanceTitle       string
	InstanceDescription string
	// TemplatesDir, when set, makes every request re-read the templates
	// from this folder (development); "" uses the embedded ones.
	TemplatesDir string
	// SessionLifetime bounds a sign-in (sliding); 0 means 30 days.
	SessionLifetime time.Duration
	// MaxFormBytes bounds form bodies other than uploads; 0 means 64 KiB.
	MaxFormBytes int64
	// MaxUploadBytes bounds an image upload; 0 means 16 MiB.
	MaxUploadBytes int64
	// ImagesPerDay is the generation quota shown to users (0: no limit).
	ImagesPerDay int
	// Generator runs image generation; nil hides the generate form.
	Generator Generator
	// Assistant runs reply suggestions and image descriptions; nil hides
	// them (no routes, no buttons, no settings tab).
	Assistant *assistant.Service
	// Login limiter options; zero values take auth's defaults.
	Login auth.LoginLimiterOptions
	Log   *slog.Logger
	Now   func() time.Time
}

// Handler serves the pages. Build it with New; it is safe for concurrent use.
type Handler struct {
	db       *store.DB
	social   *social.Service
	oauth    *auth.OAuth
	sessions *auth.Sessions
	csrf     *auth.CSRF
	login    *auth.PasswordLogin
	blocks   *Blocklist
	tpl      *templates
	opts     Options
	host     string
}

// New builds the web handler over its dependencies. oauth is the server's
// OAuth 2 authorization server, whose consent page this package renders.
func New(db *store.DB, soc *social.Service, oauth *auth.OAuth, opts Options) (*Handler, error) {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxFormBytes <= 0 {
		opts.MaxFormBytes = 64 << 10
	}
	if opts.MaxUploadBytes <= 0 {
		opts.MaxUploadBytes = 16 << 20
	}
	opts.BaseURL = strings.TrimRight(opts.BaseURL, "/")
	tpl, err := loadTemplates(opts.TemplatesDir)
	if err != nil {
		return nil, err
	}
	secure := strings.HasPrefix(opts.BaseURL, "https://")
	if opts.Login.Now == nil {
		opts.Login.Now = opts.Now
	}
	h := &Handler{db: db, social: soc, oauth: oauth, tpl: tpl, opts: opts,
		host:     strings.TrimPrefix(strings.TrimPrefix(opts.BaseURL, "https://"), "http://"),
		sessions: auth.NewSessions(db, auth.SessionOptions{Lifetime: opts.SessionLifetime, Secure: secure, Now: opts.Now}),
		csrf:     auth.NewCSRF(opts.BaseURL),
		login:    auth.NewPasswordLogin(db, auth.NewLoginLimiter(opts.Login)),
		blocks:   NewBlocklist(db, time.Minute),
	}
	return h, nil
}

// Blocklist returns the cached domain-block list that the admin pages keep
// current; server hands its Blocked method to federation.
func (h *Handler) Blocklist() *Blocklist { return h.blocks }

// Routes mounts the pages on r. Profile and Post are mounted by the
// server's own URL map, behind content negotiation.
func (h *Handler) Routes(r *mux.Router) {
	get := []string{http.MethodGet, http.MethodHead}
	r.Handle("/", h.page(h.explore)).Methods(get...)
	r.Handle("/explore/following", h.page(h.exploreFollowing)).Methods(get...)
	r.Handle("/explore/popular", h.page(h.explorePopular)).Methods(get...) // explore_popular.go
	r.Handle("/@{name:[A-Za-z0-9_-]+}.atom", h.page(h.atom)).Methods(get...)
	r.Handle("/users/{name:[A-Za-z0-9_-]+}.atom", h.page(h.atom)).Methods(get...)
	r.Handle("/remote_follow", h.page(h.remoteFollow)).Methods(get...)
	r.Handle("/remote_interaction", h.page(h.remoteInteraction)).Methods(get...)
	r.Handle("/@{name:[A-Za-z0-9_-]+}/{id:[0-9]+}/{action:favourite|unfavourite|reblog|unreblog}", h.page(h.userForm(h.interact))).
		Methods(http.MethodPost)
	r.Handle("/@{name:[A-Za-z0-9_-]+}/{id:[0-9]+}/reply", h.page(h.userForm(h.reply))).Methods(http.MethodPost)
	r.Handle("/@{name:[A-Za-z0-9_-]+}/{id:[0-9]+}/report", h.page(h.userForm(h.report))).Methods(http.MethodPost)
	r.Handle("/@{name:[A-Za-z0-9_-]+}/{id:[0-9]+}/vote", h.page(h.userForm(h.vote))).Methods(http.MethodPost) // polls.go
	r.Handle(authorizePath, h.page(h.authorizeInteraction)).Methods(get...)
	r.Handle("/authorize_follow", h.page(h.authorizeInteraction)).Methods(get...) // older Mastodon's name
	r.Handle(authorizePath+"/statuses/{id:[0-9]+}/{action:favourite|unfavourite|reblog|unreblog}", h.page(h.userForm(h.authorizeStatusAction))).
		Methods(http.MethodPost)
	r.Handle(authorizePath+"/statuses/{id:[0-9]+}/reply", h.page(h.userForm(h.authorizeReply))).Methods(http.MethodPost)
	r.Handle(authorizePath+"/accounts/{id:[0-9]+}/{action:follow|unfollow}", h.page(h.userForm(h.authorizeFollow))).Methods(http.MethodPost)
	r.Handle("/signin", h.page(h.signInPage)).Methods(get...)
	r.Handle("/signin", h.page(h.signIn)).Methods(http.MethodPost)
	r.Handle("/signout", h.page(h.signOut)).Methods(http.MethodPost)
	for _, p := range []string{"/oauth/authorize", "/oauth/authorize/"} {
		r.Handle(p, h.page(h.consentPage)).Methods(get...)
		r.Handle(p, h.page(h.consent)).Methods(http.MethodPost)
	}
	r.Handle("/compose", h.page(h.composePage)).Methods(get...)
	r.Handle("/compose", h.page(h.composeUpload)).Methods(http.MethodPost)
	r.Handle("/compose/generate", h.page(h.userForm(h.composeGenerate))).Methods(http.MethodPost)
	r.Handle("/compose/jobs/{id:[A-Za-z0-9-]+}.json", h.page(h.jobJSON)).Methods(get...)
	r.Handle("/compose/jobs/{id:[A-Za-z0-9-]+}", h.page(h.jobPage)).Methods(get...)
	r.Handle("/compose/jobs/{id:[A-Za-z0-9-]+}/post", h.page(h.jobPost)).Methods(http.MethodPost)
	r.Handle("/compose/jobs/{id:[A-Za-z0-9-]+}/preview", h.page(h.jobPreview)).Methods(get...)
	r.Handle("/admin", h.page(h.adminPage)).Methods(get...)
	r.Handle("/admin/users", h.page(h.adminForm(h.adminCreateUser))).Methods(http.MethodPost)
	r.Handle("/admin/users/{id:[0-9]+}/suspend", h.page(h.adminForm(h.adminSuspend))).Methods(http.MethodPost)
	r.Handle("/admin/domain_blocks", h.page(h.adminForm(h.adminBlock))).Methods(http.MethodPost)
	r.Handle("/admin/domain_blocks/delete", h.page(h.adminForm(h.adminUnblock))).Methods(http.MethodPost)
	r.Handle("/admin/reports/{id:[0-9]+}/{action}", h.page(h.adminForm(h.adminReportAction))).Methods(http.MethodPost)
	r.Handle("/admin/announcements", h.page(h.adminForm(h.adminCreateAnnouncement))).Methods(http.MethodPost)
	r.Handle("/admin/announcements/{id:[0-9]+}/{action}", h.page(h.adminForm(h.adminAnnouncementAction))).Methods(http.MethodPost)
	r.Handle("/announcements/{id:[0-9]+}/dismiss", h.page(h.userForm(h.dismissAnnouncement))).Methods(http.MethodPost)
	h.settingsRoutes(r)
	h.notificationRoutes(r)
	h.assistantRoutes(r)
}

// Profile serves the HTML profile page at /@{name}.
func (h *Handler) Profile() http.Handler { return h.page(h.profile) }

// Post serves the HTML page of a status at /@{name}/{id}.
func (h *Handler) Post() http.Handler { return h.page(h.post) }

// NotFound serves the HTML "page not found" page (status 404) in the
// site's layout, for browsers that ask for a URL nothing serves.
func (h *Handler) NotFound() http.Handler {
	return h.page(func(http.ResponseWriter, *http.Request, *visitor) error { return errNotFound })
}

// pageFunc is a page handler: it writes the page or returns an error for
// the one adapter, page, to render.
type pageFunc func(w http.ResponseWriter, r *http.Request, v *visitor) error

// page loads the visitor's session, sets the security headers, and renders
// any error as an HTML error page.
func (h *Handler) page(fn pageFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'self'; img-src * data: blob:; media-src *; style-src 'self'; "+
			"script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		v, err := h.visitor(w, r)
		if err == nil {
			err = fn(w, r, v)
		}
		if err != nil {
			h.fail(w, r, v, err)
		}
	})
}

// fail renders err as an error page with its status.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, v *visitor, err error) {
	status := apperr.StatusOf(err)
	switch {
	case status == http.StatusServiceUnavailable: // another server is down: not ours to fix
		h.opts.Log.Warn("page unavailable", "path", r.URL.Path, "err", err)
	case status >= 500:
		h.opts.Log.Error("page failed", "path", r.URL.Path, "err", err)
	}
	if v == nil {
		v = &visitor{}
	}
	if status == http.StatusUnauthorized && r.Method == http.MethodGet && !v.SignedIn {
		http.Redirect(w, r, "/signin?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	h.render(w, r, status, "error", v, pageData{Title: http.StatusText(status), Data: struct {
		Status  int
		Message string
	}{status, apperr.MessageOf(err)}})
}

// errNotFound is the page-not-found error for every missing thing.
var errNotFound = apperr.NotFound("The page you were looking for doesn't exist.")

func notFoundIf(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound
	}
	return err
}

// requireUser returns an Unauthorized error for anonymous visitors, which
// fail turns into a redirect to the sign-in page.
func requireUser(v *visitor) error {
	if !v.SignedIn {
		return apperr.Unauthorized("Sign in to continue.")
	}
	return nil
}

// userForm wraps the handler of a form that signed-in visitors post: it
// refuses anonymous visitors, then bounds, parses and CSRF-checks the form
// (checkForm) before fn runs.
func (h *Handler) userForm(fn pageFunc) pageFunc { return h.guardedForm(requireUser, fn) }

// adminForm is userForm for forms only admins may post.
func (h *Handler) adminForm(fn pageFunc) pageFunc { return h.guardedForm(requireAdmin, fn) }

func (h *Handler) guardedForm(allowed func(*visitor) error, fn pageFunc) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, v *visitor) error {
		if err := allowed(v); err != nil {
			return err
		}
		if err := h.checkForm(w, r, v); err != nil {
			return err
		}
		return fn(w, r, v)
	}
}

// checkForm bounds a form body, parses it and verifies its CSRF token
// against the visitor's session (or the anonymous cookie).
func (h *Handler) checkForm(w http.ResponseWriter, r *http.Request, v *visitor) error {
	r.Body = http.MaxBytesReader(w, r.Body, h.opts.MaxFormBytes)
	if err := r.ParseForm(); err != nil {
		return apperr.BadRequest("The form could not be read.")
	}
	return h.csrf.Check(r, v.Session.CSRFToken)
}

// profileURL and statusURL build local page URLs; they match the URLs
// activitypub publishes (activitypub.URLs), which web may not import.
func (h *Handler) profileURL(name string) string { return h.opts.BaseURL + "/@" + name }

// mediaURL is the address of a stored media file on a page: the URL
// activitypub.URLs.Media publishes, relative ("/media/NAME") when it is on
// this instance.
func (h *Handler) mediaURL(name string) string {
	u := h.social.Federation().URLs.Media(name)
	if rel, ok := strings.CutPrefix(u, h.opts.BaseURL+"/"); ok {
		return "/" + rel
	}
	return u
}

func (h *Handler) statusURL(name string, id int64) string {
	return fmt.Sprintf("%s/@%s/%d", h.opts.BaseURL, name, id)
}
