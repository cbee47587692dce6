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
	// MaxFailuresPerAccountIP is failed checks of one account from one
	// address (IPv6: one /64) per window [5].
	MaxFailuresPerAccountIP int
	// MaxFailuresPerIP is failed checks from one address, whatever the
	// account, per window [20].
	MaxFailuresPerIP int
	Window           time.Duration // [5 minutes]
	// BackoffAfter is failures on one account, from any address, within a
	// window after which every further check of it first waits: 1s, then
	// doubling up to MaxBackoff [5, 10s]. The account is slowed, never
	// locked: a right password from a clean address still signs in.
	BackoffAfter int
	MaxBackoff   time.Duration
	// MaxConcurrentChecks bounds password hashes computed at once (argon2id
	// needs 64 MiB each) [2]. A check that finds them all busy waits up to
	// SlotWait [5s] in a queue of at most 8 per slot, else gets 429.
	MaxConcurrentChecks int
	SlotWait            time.Duration
	MaxEntries          int // counters kept in memory; the oldest are dropped beyond it [10000]
	Now                 func() time.Time
	// Wait pauses for the back-off delay; nil waits on a timer (tests
	// replace it to record the delays).
	Wait func(ctx context.Context, d time.Duration) error
}

// LoginLimiter admits password checks. Each check is counted before the
// password is hashed, against its (account, address) pair and its address
// in fixed windows, so a burst of parallel guesses is refused before it
// costs memory; the hashes themselves are bounded by a semaphore; and an
// account under attack from many addresses is slowed by a back-off delay
// rather than locked, so its owner can still sign in. Memory is bounded by
// MaxEntries. It is safe for concurrent use.
type LoginLimiter struct {
	opts  LoginLimiterOptions
	slots chan struct{}

	mu      sync.Mutex
	entries map[string]*loginWindow
	waiting int // checks queued for a slot
}

type loginWindow struct {
	start    time.Time
	failures int
}

// NewLoginLimiter returns a limiter with opts, defaults filled in.
func NewLoginLimiter(opts LoginLimiterOptions) *LoginLimiter {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&opts.MaxFailuresPerAccountIP, 5)
	def(&opts.MaxFailuresPerIP, 20)
	def(&opts.BackoffAfter, 5)
	def(&opts.MaxConcurrentChecks, 2)
	def(&opts.MaxEntries, 10000)
	if opts.Window <= 0 {
		opts.Window = 5 * time.Minute
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 10 * time.Second
	}
	if opts.SlotWait <= 0 {
		opts.SlotWait = 5 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Wait == nil {
		opts.Wait = waitTimer
	}
	return &LoginLimiter{opts: opts, entries: map[string]*loginWindow{},
		slots: make(chan struct{}, opts.MaxConcurrentChecks)}
}

func waitTimer(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Attempt is one admitted password check. Exactly one of Failed, Succeeded
// or Abandon must be called once the password has been compared; each
// frees the hashing slot.
type Attempt struct {
	l        *LoginLimiter
	keys     [2]string // address, then (account, address)
	starts   [2]time.Time
	account  string
	released bool
}

// Begin admits one password check of account (any stable key of it) from
// ip. It counts the attempt against the address and the (account, address)
// pair before anything is hashed, waits out the account's back-off delay,
// and takes a hashing slot. Errors: apperr.RateLimited (429) while the
// address or the pair has used up its failures, or when every slot stays
// busy; ctx's error if it ends while waiting. On error nothing is counted.
func (l *LoginLimiter) Begin(ctx context.Context, ip, account string) (*Attempt, error) {
	a := &Attempt{l: l, keys: [2]string{ipKey(ip), "pair:" + account + "|" + ipKey(ip)}, account: "acct:" + account}
	now := l.opts.Now()
	l.mu.Lock()
	wait := max(l.blockedFor(a.keys[0], l.opts.MaxFailuresPerIP, now),
		l.blockedFor(a.keys[1], l.opts.MaxFailuresPerAccountIP, now))
	if wait > 0 {
		l.mu.Unlock()
		minutes := int(math.Ceil(wait.Minutes()))
		return nil, apperr.RateLimited("Too many failed sign-in attempts; try again in %d minute(s)", minutes)
	}
	a.starts[0], a.starts[1] = l.count(a.keys[0], now), l.count(a.keys[1], now)
	delay := l.backoff(a.account, now)
	l.mu.Unlock()
	if delay > 0 {
		if err := l.opts.Wait(ctx, delay); err != nil {
			a.refund()
			return nil, err
		}
	}
	if err := l.acquire(ctx); err != nil {
		a.refund()
		return nil, err
	}
	return a, nil
}

func (l *LoginLimiter) blockedFor(key string, limit int, now time.Time) time.Duration {
	e, ok := l.entries[key]
	if !ok || now.Sub(e.start) >= l.opts.Window || e.failures < limit {
		return 0
	}
	return e.start.Add(l.opts.Window).Sub(now)
}

// backoff is the delay before the next check of an account with too many
// recent failures.
func (l *LoginLimiter) backoff(key string, now time.Time) time.Duration {
	e, ok := l.entries[key]
	if !ok || now.Sub(e.start) >= l.opts.Window || e.failures < l.opts.BackoffAfter {
		return 0
	}
	shift := min(e.failures-l.opts.BackoffAfter, 30)
	return min(time.Second<<shift, l.opts.MaxBackoff)
}

// acquire takes a hashing slot, queueing for up to SlotWait when all are
// busy and the queue has room.
func (l *LoginLimiter) acquire(ctx context.Context) error {
	select {
	case l.slots <- struct{}{}:
		return nil
	default:
	}
	busy := apperr.RateLimited("Too many sign-ins at this moment; try again in a few seconds")
	l.mu.Lock()
	if l.waiting >= 8*cap(l.slots) {
		l.mu.Unlock()
		return busy
	}
	l.waiting++
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		l.waiting--
		l.mu.Unlock()
	}()
	t := time.NewTimer(l.opts.SlotWait)
	defer t.Stop()
	select {
	case l.slots <- struct{}{}:
		return nil
	case <-t.C:
		return busy
	case <-ctx.Done():
		return ctx.Err()
	}
}

// count adds one failure to key's window (starting a new one if it ended)
// and returns the window's start.
func (l *LoginLimiter) count(key string, now time.Time) time.Time {
	e, ok := l.entries[key]
	if ok && now.Sub(e.start) < l.opts.Window {
		e.failures++
		return e.start
	}
	if !ok && len(l.entries) >= l.opts.MaxEntries {
		l.evict(now)
	}
	l.entries[key] = &loginWindow{start: now, failures: 1}
	return now
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

// refund takes back the attempt counted by Begin, if its window still runs.
func (a *Attempt) refund() {
	l := a.l
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, k := range a.keys {
		if e, ok := l.entries[k]; ok && e.start.Equal(a.starts[i]) && e.failures > 0 {
			e.failures--
		}
	}
}

func (a *Attempt) release() bool {
	if a.released {
		return false
	}
	a.released = true
	<-a.l.slots
	return true
}

// Failed records a wrong password: the attempt stays counted, and the
// account's failures (which drive its back-off) grow by one.
func (a *Attempt) Failed() {
	if !a.release() {
		return
	}
	l := a.l
	l.mu.Lock()
	defer l.mu.Unlock()
	l.count(a.account, l.opts.Now())
}

// Succeeded records a right password: the attempt is not counted, and the
// pair's and the account's failures are forgotten. The address's earlier
// failures stay, so one valid account cannot reset a guessing run against
// others.
func (a *Attempt) Succeeded() {
	if !a.release() {
		return
	}
	a.refund()
	l := a.l
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.entries, a.keys[1])
	delete(l.entries, a.account)
}

// Abandon ends a check that could not be made (an internal error): it
// counts neither way.
func (a *Attempt) Abandon() {
	if a.release() {
		a.refund()
	}
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
// (429) while the limiter refuses (LoginLimiter.Begin), apperr.Unauthorized
// for an unknown user or a wrong password (the same message for both), and
// apperr.Forbidden for a disabled user with the right password.
func (p *PasswordLogin) Login(ctx context.Context, username, password, ip string) (int64, error) {
	name := strings.TrimPrefix(strings.TrimSpace(username), "@")
	u, err := p.db.UserByUsername(ctx, name)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return 0, fmt.Errorf("login: %w", err)
	}
	known := err == nil
	key, hash := accountKey(u.AccountID), u.PasswordHash
	if !known {
		key = "user:" + strings.ToLower(name)
	}
	known = known && hash != "" // accounts without a password (bots) cannot sign in
	att, err := p.limiter.Begin(ctx, ip, key)
	if err != nil {
		return 0, err
	}
	if !known {
		hash = p.dummyHash() // made once, inside the slot, as it costs a hash too
	}
	checkErr := CheckPassword(hash, password)
	if !known || errors.Is(checkErr, ErrBadPassword) {
		att.Failed()
		return 0, apperr.Unauthorized("Invalid username or password")
	}
	if checkErr != nil {
		att.Abandon()
		return 0, fmt.Errorf("login %d: %w", u.AccountID, checkErr)
	}
	att.Succeeded()
	if u.Disabled {
		return 0, apperr.Forbidden("Your login is currently disabled")
	}
	return u.AccountID, nil
}

func accountKey(id int64) string { return fmt.Sprintf("account:%d", id) }

// HashPassword hashes a new password (HashPassword) in one of the
// limiter's hashing slots, so new passwords share the memory bound of
// password checks. apperr.RateLimited when every slot stays busy.
func (p *PasswordLogin) HashPassword(ctx context.Context, password string) (string, error) {
	if err := p.limiter.acquire(ctx); err != nil {
		return "", err
	}
	defer func() { <-p.limiter.slots }()
	return HashPassword(password)
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
