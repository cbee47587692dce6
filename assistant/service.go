package assistant

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync/atomic"

	"github.com/pictor-social/pictor/store"
)

// Deps are the components a Service uses.
type Deps struct {
	DB     *store.DB
	Client *Client // required
	Log    *slog.Logger
	// OpenMedia opens a stored media file by name (media.Files.Open), to
	// send thumbnails to the vision model.
	OpenMedia func(name string) (io.ReadCloser, error)
	// CanSee reports whether viewer may see st (social.Service.CanSee);
	// thread context passes it post by post.
	CanSee func(ctx context.Context, viewer int64, st store.Status) (bool, error)
}

// Options configure a Service.
type Options struct {
	// Limits are the calls per user per UTC day of each feature (0 or
	// missing: no limit).
	Limits map[Feature]int
	// CacheEntries bounds the answers kept in memory (0: DefaultCacheEntries).
	CacheEntries int
}

// DefaultCacheEntries is the cache bound when Options.CacheEntries is 0.
const DefaultCacheEntries = 10000

// Service runs the assistant's features on one Client, counting calls in
// Quota. A nil *Service means the assistant is off ([assistant] backend
// "none"): callers hide every feature. It is safe for concurrent use.
type Service struct {
	Client *Client
	Quota  *Quota

	db          *store.DB
	log         *slog.Logger
	openMedia   func(name string) (io.ReadCloser, error)
	canSee      func(ctx context.Context, viewer int64, st store.Status) (bool, error)
	suggestions *Cache[[]string]
	pruned      atomic.Int64 // the last day whose older usage counts were pruned
}

// New returns a Service.
func New(d Deps, o Options) (*Service, error) {
	if d.DB == nil || d.Client == nil || d.CanSee == nil {
		return nil, errors.New("assistant: DB, Client and CanSee are required")
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if o.CacheEntries == 0 {
		o.CacheEntries = DefaultCacheEntries
	}
	return &Service{Client: d.Client, Quota: NewQuota(d.DB, o.Limits), db: d.DB, log: d.Log,
		openMedia: d.OpenMedia, canSee: d.CanSee, suggestions: NewCache[[]string](o.CacheEntries)}, nil
}

// Call counts one call of f against accountID's daily quota and sends req.
// A call that failed before the model did any work (rate limited,
// unavailable, rejected, cancelled) is given back; a refusal or a timeout
// stays counted, as the provider may have billed it.
func (s *Service) Call(ctx context.Context, accountID int64, f Feature, req Request) (string, error) {
	s.pruneUsage(ctx, dayOf(s.db.Now()))
	return s.CallWith(ctx, s.Quota, accountID, f, req)
}

// SuggestionCacheStats returns the reply-suggestion requests served
// without a call of their own (cache hits and waits on an identical
// request's call) and those that made one.
func (s *Service) SuggestionCacheStats() (hits, misses int64) { return s.suggestions.Stats() }

// keepUsageDays is how many days of usage counts stay in the table (today
// included), for admins who look.
const keepUsageDays = 7

// pruneUsage deletes old usage counts on the first call of each day.
func (s *Service) pruneUsage(ctx context.Context, today int64) {
	last := s.pruned.Load()
	if today <= last || !s.pruned.CompareAndSwap(last, today) {
		return
	}
	if err := s.db.PruneAssistantUsage(context.WithoutCancel(ctx), today-keepUsageDays+1); err != nil {
		s.log.Warn("assistant usage prune failed", "err", err)
	}
}
