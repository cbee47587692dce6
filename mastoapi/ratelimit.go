package mastoapi

import (
	"crypto/sha256"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/internal/clientip"
)

// rateWindow is Mastodon's API rate-limit period (300 requests per 5 minutes).
const rateWindow = 5 * time.Minute

// rateLimiter counts requests per token (or per address without one) in
// fixed windows and sets Mastodon's X-RateLimit-* headers.
type rateLimiter struct {
	limit  int
	window time.Duration
	now    func() time.Time

	mu      sync.Mutex
	windows map[[16]byte]*rateWindowCount
}

type rateWindowCount struct {
	start time.Time
	n     int
}

func newRateLimiter(limit int, window time.Duration) *rateLimiter {
	return &rateLimiter{limit: limit, window: window, now: time.Now, windows: map[[16]byte]*rateWindowCount{}}
}

// maxRateKeys bounds the limiter's memory; past it expired windows are dropped.
const maxRateKeys = 100_000

// allow counts a request of the caller identified by id and sets the
// headers; past the limit it returns a 429 error. A limit below 1 is off.
func (l *rateLimiter) allow(w http.ResponseWriter, id string) error {
	if l.limit < 1 {
		return nil
	}
	sum := sha256.Sum256([]byte(id))
	var key [16]byte
	copy(key[:], sum[:])
	now := l.now()
	l.mu.Lock()
	c := l.windows[key]
	if c == nil || now.Sub(c.start) >= l.window {
		if len(l.windows) >= maxRateKeys {
			l.evict(now)
		}
		c = &rateWindowCount{start: now.Truncate(l.window)}
		l.windows[key] = c
	}
	c.n++
	n, reset := c.n, c.start.Add(l.window)
	l.mu.Unlock()
	remaining := max(l.limit-n, 0)
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(l.limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("X-RateLimit-Reset", reset.UTC().Format(timeFormat))
	if n > l.limit {
		return apperr.RateLimited("Too many requests")
	}
	return nil
}

func (l *rateLimiter) evict(now time.Time) {
	for k, c := range l.windows {
		if now.Sub(c.start) >= l.window {
			delete(l.windows, k)
		}
	}
}

// rateKey identifies the caller for the rate limit: its access token when
// the token is valid, else its client address, so that a made-up
// Authorization header gets no bucket of its own.
func (h *Handler) rateKey(r *http.Request) string {
	if auth.BearerToken(r) != "" {
		if g, err := h.oauth.Authenticate(r, ""); err == nil {
			return "token:" + strconv.FormatInt(g.TokenID, 10)
		}
	}
	return "ip:" + clientip.Of(r)
}

// keyedMutex serialises work per key (one Idempotency-Key at a time).
type keyedMutex struct {
	mu    sync.Mutex
	locks map[string]*keyedLock
}

type keyedLock struct {
	mu   sync.Mutex
	refs int
}

// lock locks key and returns its unlock function.
func (k *keyedMutex) lock(key string) func() {
	k.mu.Lock()
	if k.locks == nil {
		k.locks = map[string]*keyedLock{}
	}
	l := k.locks[key]
	if l == nil {
		l = &keyedLock{}
		k.locks[key] = l
	}
	l.refs++
	k.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		k.mu.Lock()
		l.refs--
		if l.refs == 0 {
			delete(k.locks, key)
		}
		k.mu.Unlock()
	}
}

// streamCounter bounds concurrent streaming connections per account, and
// per client address for anonymous ones.
type streamCounter struct {
	max int
	mu  sync.Mutex
	n   map[string]int
}

func newStreamCounter(max int) *streamCounter { return &streamCounter{max: max, n: map[string]int{}} }

// streamOwner is whose slots a streaming connection takes: the signed-in
// account, else the client address.
func streamOwner(r *http.Request, account int64) string {
	if account != 0 {
		return "account:" + strconv.FormatInt(account, 10)
	}
	return "ip:" + clientip.Of(r)
}

// acquire reserves a connection slot for owner and returns its release.
func (s *streamCounter) acquire(account string) (func(), error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.n[account] >= s.max {
		return nil, apperr.RateLimited("Too many streaming connections")
	}
	s.n[account]++
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.n[account]--; s.n[account] <= 0 {
			delete(s.n, account)
		}
	}, nil
}
