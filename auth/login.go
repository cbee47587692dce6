package auth

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/store"
)

// LoginLimiterOptions configures a LoginLimiter; zero fields take the
// defaults in brackets.
type LoginLimiterOptions struct {
	MaxFailuresPerIP       int           // failures from one address (IPv6: one /64) per window [5]
	MaxFailuresPerUsername int           // failures against one username per window [5]
	Window                 time.Duration // [5 minutes]
	MaxEntries             int           // counters kept in memory; the oldest are dropped beyond it [10000]
	Now                    func() time.Time
}

// LoginLimiter counts failed sign-ins per client address and per username
// in fixed windows and refuses further attempts once either count is
// reached, until the window that holds them ends. Memory is bounded by
// MaxEntries. It is safe for concurrent use.
type LoginLimiter struct {
	opts LoginLimiterOptions

	mu      sync.Mutex
	entries map[string]*loginWindow
}

type loginWindow struct {
	start    time.Time
	failures int
}

// NewLoginLimiter returns a limiter with opts, defaults filled in.
func NewLoginLimiter(opts LoginLimiterOptions) *LoginLimiter {
	if opts.MaxFailuresPerIP <= 0 {
		opts.MaxFailuresPerIP = 5
	}
	if opts.MaxFailuresPerUsername <= 0 {
		opts.MaxFailuresPerUsername = 5
	}
	if opts.Window <= 0 {
		opts.Window = 5 * time.Minute
	}
	if opts.MaxEntries <= 0 {
		opts.MaxEntries = 10000
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &LoginLimiter{opts: opts, entries: map[string]*loginWindow{}}
}

// Allow returns an apperr.RateLimited (429) if the address or the username
// has used up its failures for the current window, else nil.
func (l *LoginLimiter) Allow(ip, username string) error {
	now := l.opts.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	wait := max(l.blockedFor(ipKey(ip), l.opts.MaxFailuresPerIP, now),
		l.blockedFor(userKey(username), l.opts.MaxFailuresPerUsername, now))
	if wait > 0 {
		minutes := int(math.Ceil(wait.Minutes()))
		return apperr.RateLimited("Too many failed sign-in attempts; try again in %d minute(s)", minutes)
	}
	return nil
}

func (l *LoginLimiter) blockedFor(key string, limit int, now time.Time) time.Duration {
	e, ok := l.entries[key]
	if !ok || now.Sub(e.start) >= l.opts.Window || e.failures < limit {
		return 0
	}
	return e.start.Add(l.opts.Window).Sub(now)
}

// Failure counts one failed sign-in against the address and the username.
func (l *LoginLimiter) Failure(ip, username string) {
	now := l.opts.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.count(ipKey(ip), now)
	l.count(userKey(username), now)
}

func (l *LoginLimiter) count(key string, now time.Time) {
	e, ok := l.entries[key]
	if ok && now.Sub(e.start) < l.opts.Window {
		e.failures++
		return
	}
	if !ok && len(l.entries) >= l.opts.MaxEntries {
		l.evict(now)
	}
	l.entries[key] = &loginWindow{start: now, failures: 1}
}

// evict drops expired windows, and if none had expired, the oldest one.
// It runs only when the map is full, so its linear scan is rare.
func (l *LoginLimiter) evict(now time.Time) {
	var oldestKey string
	var oldest time.Time
	for k, e := range l.entries {
		if now.Sub(e.start) >= l.opts.Window {
			delete(l.entries, k)
			continue
		}
		if oldestKey == "" || e.start.Before(oldest) {
			oldestKey, oldest = k, e.start
		}
	}
	if len(l.entries) >= l.opts.MaxEntries && oldestKey != "" {
		delete(l.entries, oldestKey)
	}
}

// Success forgets the username's failures after a correct sign-in. The
// address's count stays, so one valid account cannot be used to reset a
// guessing run against others.
func (l *LoginLimiter) Success(ip, username string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.entries, userKey(username))
}

// ipKey groups IPv6 addresses by /64, which one host usually controls
// whole; anything unparsable counts as itself.
func ipKey(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return "ip:" + ip
	}
	addr = addr.Unmap()
	if addr.Is6() {
		p, _ := addr.Prefix(64)
		return "ip:" + p.String()
	}
	return "ip:" + addr.String()
}

func userKey(username string) string {
	return "user:" + strings.ToLower(strings.TrimPrefix(strings.TrimSpace(username), "@"))
}

// PasswordLogin checks local usernames and passwords through a LoginLimiter.
// It is safe for concurrent use.
type PasswordLogin struct {
	db      *store.DB
	limiter *LoginLimiter

	dummyOnce sync.Once
	dummy     string // a hash to check against for unknown users, so timing does not reveal them
}

// NewPasswordLogin returns a PasswordLogin over db and limiter.
func NewPasswordLogin(db *store.DB, limiter *LoginLimiter) *PasswordLogin {
	return &PasswordLogin{db: db, limiter: limiter}
}

// Login returns the account id of the local user username (case-insensitive,
// a leading '@' ignored) if password is right. Errors: apperr.RateLimited
// (429) while the limiter refuses ip or username, apperr.Unauthorized for an
// unknown user or a wrong password (the same message for both), and
// apperr.Forbidden for a disabled user with the right password.
func (p *PasswordLogin) Login(ctx context.Context, username, password, ip string) (int64, error) {
	if err := p.limiter.Allow(ip, username); err != nil {
		return 0, err
	}
	name := strings.TrimPrefix(strings.TrimSpace(username), "@")
	u, err := p.db.UserByUsername(ctx, name)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return 0, fmt.Errorf("login: %w", err)
	}
	hash := u.PasswordHash
	if err != nil {
		hash = p.dummyHash()
	}
	checkErr := CheckPassword(hash, password)
	if err != nil || errors.Is(checkErr, ErrBadPassword) {
		p.limiter.Failure(ip, username)
		return 0, apperr.Unauthorized("Invalid username or password")
	}
	if checkErr != nil {
		return 0, fmt.Errorf("login %d: %w", u.AccountID, checkErr)
	}
	p.limiter.Success(ip, username)
	if u.Disabled {
		return 0, apperr.Forbidden("Your login is currently disabled")
	}
	return u.AccountID, nil
}

func (p *PasswordLogin) dummyHash() string {
	p.dummyOnce.Do(func() {
		h, err := HashPassword(RandomToken(16))
		if err == nil {
			p.dummy = h
		}
	})
	return p.dummy
}
