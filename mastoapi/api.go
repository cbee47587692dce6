// Package mastoapi is the Mastodon client REST API and streaming API, close
// enough to Mastodon 4.2 that unmodified apps (Tusky, Ivory, Elk, Phanpy, Ice
// Cubes, toot, Whalebird) log in, post images, follow people and read their
// timelines (interop.md, part C). Handlers authenticate through auth, act
// through social and read through store; federation is only used to resolve
// remote accounts and posts for search.
package mastoapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/pictor-social/pictor/activitypub"
	"github.com/pictor-social/pictor/assistant"
	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/internal/pubsub"
	"github.com/pictor-social/pictor/push"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// Imaginer turns a post whose text starts with the generation command
// ("/imagine a red fox") into an image-generation job. SubmitPost gets the
// request's draft (visibility, content warning, reply, language, media ids)
// with Text set to the prompt, and prompt itself: the text after the
// command. It returns the published status; errors are apperr values
// (quota: RateLimited, moderation or a still-running job: Invalid), which
// the API answers as Mastodon JSON errors. The Idempotency-Key is honoured
// around it. genimage.Service implements it; a nil Imaginer treats the
// command as ordinary text.
type Imaginer interface {
	SubmitPost(ctx context.Context, accountID int64, draft social.Draft, prompt string) (store.Status, error)
}

// Asker turns a post whose text starts with the assistant's command ("/ask
// why is the sky blue?") into a question to the assistant bot: AskText
// returns the text to publish instead (the command replaced by a mention of
// the bot), and ok false for other text. askbot.Service implements it; a nil
// Asker treats the command as ordinary text.
type Asker interface {
	AskText(text string) (string, bool)
}

// Options configures the API. server fills it from the configuration.
type Options struct {
	BaseURL             string // scheme://host of this instance
	Title               string
	Description         string
	ContactEmail        string
	Rules               []string
	PrivacyPolicy       string // plain text; "" serves a built-in summary
	ShowDomainBlocks    string // who may list admin domain blocks: disabled, users or all
	ShowBlockRationale  string // who sees their reasons: disabled, users or all
	SoftwareVersion     string // Pictor's version, shown in the Mastodon-compatible version string
	RegistrationsOpen   bool
	ImagineCommand      string // e.g. "/imagine"; "" disables the hook
	MaxBodyBytes        int64  // JSON and form bodies; 0 means 1 MiB
	RateLimit           int    // requests per token (or address) per 5 minutes; 0 means 300, negative turns it off
	MaxStreamsPerPerson int    // concurrent streaming connections per account; 0 means 16
}

// Handler serves the client API. Build it with New and mount it with Routes;
// it is safe for concurrent use.
type Handler struct {
	db     *store.DB
	oauth  *auth.OAuth
	social *social.Service
	fed    *activitypub.Federation
	hub    *pubsub.Hub
	log    *slog.Logger
	opts   Options

	// Imaginer, when set, receives posts starting with Options.ImagineCommand.
	Imaginer Imaginer
	// Asker, when set, rewrites posts starting with the assistant's command.
	Asker Asker
	// Push, when set, serves /api/v1/push/subscription (push.go).
	Push *push.Service
	// Assistant, when set, serves /api/v1/pictor/statuses/:id/suggestions,
	// /api/v1/pictor/preferences and /api/v1/pictor/media/:id/describe
	// (pictor_assistant.go); nil leaves them unrouted.
	Assistant *assistant.Service

	limiter *rateLimiter
	idem    keyedMutex
	streams *streamCounter
	live    *openStreams // streaming_shutdown.go
	// accounts keeps rendered account entities (entities_account.go).
	accounts renderedAccounts
	// statuses keeps the viewer-independent part of rendered statuses
	// (entities_status_cache.go).
	statuses renderedStatuses
}

// New builds the API handler.
func New(db *store.DB, oauth *auth.OAuth, soc *social.Service, hub *pubsub.Hub, log *slog.Logger, opts Options) *Handler {
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 1 << 20
	}
	if opts.RateLimit == 0 {
		opts.RateLimit = 300
	}
	if opts.MaxStreamsPerPerson <= 0 {
		opts.MaxStreamsPerPerson = 16
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	opts.BaseURL = strings.TrimRight(opts.BaseURL, "/")
	return &Handler{db: db, oauth: oauth, social: soc, fed: soc.Federation(), hub: hub, log: log, opts: opts,
		limiter: newRateLimiter(opts.RateLimit, rateWindow), streams: newStreamCounter(opts.MaxStreamsPerPerson),
		live: newOpenStreams()}
}

// handlerFunc is an API handler that returns its error for api to render.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// api adapts a handler: rate limiting with X-RateLimit-* headers, and errors
// as Mastodon's {"error": "..."} with its status codes.
func (h *Handler) api(fn handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h.limiter.allow(w, h.rateKey(r)); err != nil {
			h.writeError(w, r, err)
			return
		}
		if err := fn(w, r); err != nil {
			h.writeError(w, r, err)
		}
	})
}

// writeError renders err. Store not-found errors that escaped a handler
// become 404 "Record not found", as Mastodon answers.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := apperr.StatusOf(err), apperr.MessageOf(err)
	if errors.Is(err, store.ErrNotFound) && status == http.StatusInternalServerError {
		status, msg = http.StatusNotFound, "Record not found"
	}
	if status >= 500 {
		h.log.Error("client API request failed", "path", r.URL.Path, "err", err)
	}
	var se *social.ScreeningError
	if errors.As(err, &se) {
		// Mastodon's {"error"} plus what an app needs to offer "post anyway".
		writeJSON(w, status, map[string]any{"error": msg, "screening": map[string]string{
			"action": se.Action, "category": se.Category, "ack_param": social.ScreeningAckParam}})
		return
	}
	writeJSON(w, status, map[string]string{"error": msg})
}

// writeJSON writes v as JSON with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	if fastType(v) {
		return writeEncoded(w, status, func(b []byte) ([]byte, error) {
			b, _, err := appendFast(b, v)
			return b, err
		})
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// writeEncoded answers status with the JSON enc appends, and the newline
// json.Encoder ends with, written from a pooled buffer in one Write with
// its Content-Length. enc keeps its jsonW on its own stack: a jsonW on the
// heap would take a GC write barrier at every append.
func writeEncoded(w http.ResponseWriter, status int, enc func([]byte) ([]byte, error)) error {
	bp := jsonBufs.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= maxPooledJSON {
			jsonBufs.Put(bp)
		}
	}()
	b, err := enc((*bp)[:0])
	*bp = b[:0]
	if err != nil {
		return err
	}
	if len(b) == 0 || b[len(b)-1] != '\n' {
		b = append(b, '\n')
		*bp = b[:0]
	}
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h["Content-Length"] = []string{strconv.Itoa(len(b))}
	w.WriteHeader(status)
	_, err = w.Write(b)
	return err
}

// jsonContentType is shared by every JSON answer; nothing modifies it.
var jsonContentType = []string{"application/json; charset=utf-8"}

// errNotFound is Mastodon's answer for unknown ids.
func errNotFound() error { return apperr.NotFound("Record not found") }

// user authenticates a request that acts as a user with scope need.
func (h *Handler) user(r *http.Request, need auth.Scope) (auth.Grant, error) {
	return h.oauth.AuthenticateUser(r, need)
}

// viewer authenticates an endpoint that anonymous callers may use too: no
// token gives viewer 0, a bad token is still refused.
func (h *Handler) viewer(r *http.Request, need auth.Scope) (int64, error) {
	g, err := h.oauth.Authenticate(r, need)
	if errors.Is(err, auth.ErrNoToken) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return g.AccountID, nil
}
