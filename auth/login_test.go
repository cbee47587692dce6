package auth

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/store"
)

func newTestLimiter(clock *testClock, maxEntries int) *LoginLimiter {
	return NewLoginLimiter(LoginLimiterOptions{MaxEntries: maxEntries, Now: clock.Now,
		Wait: func(context.Context, time.Duration) error { return nil }})
}

// delayRecorder is a LoginLimiterOptions.Wait that records the delays.
type delayRecorder struct {
	mu     sync.Mutex
	delays []time.Duration
}

func (d *delayRecorder) wait(_ context.Context, t time.Duration) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.delays = append(d.delays, t)
	return nil
}

func (d *delayRecorder) take() []time.Duration {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := d.delays
	d.delays = nil
	return out
}

func failOnce(t *testing.T, l *LoginLimiter, ip, account string) {
	t.Helper()
	a, err := l.Begin(context.Background(), ip, account)
	if err != nil {
		t.Fatalf("attempt %s/%s refused: %v", ip, account, err)
	}
	a.Failed()
}

func TestLoginLimiterTrips(t *testing.T) {
	cases := []struct {
		name     string
		failures int
		ip       func(i int) string
		account  func(i int) string
		checkIP  string
		checkAcc string
	}{
		{"one account from one address", 5, func(int) string { return "192.0.2.7" },
			func(int) string { return "account:1" }, "192.0.2.7", "account:1"},
		{"one address against many accounts", 20, func(int) string { return "192.0.2.7" },
			func(i int) string { return fmt.Sprintf("account:%d", i) }, "192.0.2.7", "account:999"},
		{"one IPv6 /64 with rotating addresses", 20, func(i int) string { return fmt.Sprintf("2001:db8::%x", i+1) },
			func(i int) string { return fmt.Sprintf("account:%d", i) }, "2001:db8::ffff:1", "account:999"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clock := &testClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
			l := newTestLimiter(clock, 0)
			for i := 0; i < tc.failures; i++ {
				failOnce(t, l, tc.ip(i), tc.account(i))
			}
			_, err := l.Begin(context.Background(), tc.checkIP, tc.checkAcc)
			if apperr.StatusOf(err) != http.StatusTooManyRequests {
				t.Fatalf("after %d failures: %v, want 429", tc.failures, err)
			}
			a, err := l.Begin(context.Background(), "198.51.100.1", tc.checkAcc)
			if err != nil {
				t.Fatalf("the same account from another address: %v", err)
			}
			a.Abandon()
			clock.Advance(5 * time.Minute)
			a, err = l.Begin(context.Background(), tc.checkIP, tc.checkAcc)
			if err != nil {
				t.Fatalf("after the window: %v", err)
			}
			a.Abandon()
		})
	}
}

// Failures on one account from many addresses slow its checks down
// (growing, capped delays) but never refuse them; a success ends it.
func TestLoginLimiterBacksOffAccount(t *testing.T) {
	clock := &testClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	rec := &delayRecorder{}
	l := NewLoginLimiter(LoginLimiterOptions{Now: clock.Now, Wait: rec.wait})
	for i := 0; i < 12; i++ {
		failOnce(t, l, fmt.Sprintf("192.0.2.%d", i), "account:1")
	}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second,
		10 * time.Second, 10 * time.Second}
	if got := rec.take(); !slices.Equal(got, want) {
		t.Fatalf("delays = %v, want %v", got, want)
	}
	a, err := l.Begin(context.Background(), "198.51.100.1", "account:1")
	if err != nil {
		t.Fatalf("a fresh address was refused: %v", err)
	}
	a.Succeeded()
	a.Succeeded() // a second end is ignored
	if got := rec.take(); len(got) != 1 {
		t.Fatalf("the owner's check waited %v, want one delay", got)
	}
	a, err = l.Begin(context.Background(), "198.51.100.2", "account:1")
	if err != nil {
		t.Fatal(err)
	}
	a.Abandon()
	if got := rec.take(); len(got) != 0 {
		t.Fatalf("after a success: delays %v, want none", got)
	}
}

// Attempts are counted when admitted, before any hashing, so a burst of
// parallel guesses gets no more than the limit through.
func TestLoginLimiterCountsBeforeHashing(t *testing.T) {
	clock := &testClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := NewLoginLimiter(LoginLimiterOptions{Now: clock.Now, MaxConcurrentChecks: 1})
	held := make(chan *Attempt, 60)
	var admitted, refused atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 60; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, err := l.Begin(context.Background(), "192.0.2.7", "account:1")
			if err != nil {
				if apperr.StatusOf(err) != http.StatusTooManyRequests {
					t.Errorf("refusal %v, want 429", err)
				}
				refused.Add(1)
				return
			}
			admitted.Add(1)
			held <- a
			(<-held).Failed()
		}()
	}
	wg.Wait()
	if admitted.Load() > 5 || admitted.Load()+refused.Load() != 60 {
		t.Fatalf("%d admitted, %d refused; want at most 5 admitted, the rest refused", admitted.Load(), refused.Load())
	}
}

// With every hashing slot busy, checks queue (up to 8 per slot), and past
// that are refused with 429 at once.
func TestLoginLimiterSlots(t *testing.T) {
	l := NewLoginLimiter(LoginLimiterOptions{MaxConcurrentChecks: 1, SlotWait: time.Hour})
	ctx := context.Background()
	first, err := l.Begin(ctx, "192.0.2.1", "account:1")
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan *Attempt, 8)
	for i := 0; i < 8; i++ {
		go func() {
			a, err := l.Begin(ctx, fmt.Sprintf("192.0.2.%d", 10+i), fmt.Sprintf("account:%d", 10+i))
			if err != nil {
				t.Errorf("queued check: %v", err)
			}
			got <- a
		}()
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		l.mu.Lock()
		n := l.waiting
		l.mu.Unlock()
		if n == 8 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d checks queued, want 8", n)
		}
		runtime.Gosched()
	}
	if _, err := l.Begin(ctx, "192.0.2.99", "account:99"); apperr.StatusOf(err) != http.StatusTooManyRequests {
		t.Fatalf("with a full queue: %v, want 429", err)
	}
	first.Failed()
	for i := 0; i < 8; i++ {
		a := <-got
		if a != nil {
			a.Abandon()
		}
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	a, err := l.Begin(cctx, "192.0.2.50", "account:50")
	if err != nil {
		t.Fatalf("a free slot: %v", err)
	}
	a.Abandon()
}

func TestLoginLimiterMemoryBounded(t *testing.T) {
	clock := &testClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := newTestLimiter(clock, 10)
	for i := 0; i < 1000; i++ {
		failOnce(t, l, fmt.Sprintf("10.0.%d.%d", i/256, i%256), fmt.Sprintf("u%d", i))
		clock.Advance(time.Millisecond)
	}
	l.mu.Lock()
	n := len(l.entries)
	l.mu.Unlock()
	if n > 10 {
		t.Fatalf("%d entries kept, want at most 10", n)
	}
}

func TestPasswordLogin(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.addUser(t, "carol", "secret", true)
	nopass := store.Account{Username: "nopass", URI: "https://pictor.test/users/nopass"}
	err := e.db.Write(ctx, func(tx *store.Tx) error {
		if err := tx.InsertAccount(ctx, &nopass); err != nil {
			return err
		}
		return tx.InsertUser(ctx, &store.User{AccountID: nopass.ID}) // a bot's login row: no password
	})
	if err != nil {
		t.Fatal(err)
	}
	l := newTestLimiter(e.clock, 0)
	p := NewPasswordLogin(e.db, l)
	cases := []struct {
		user, pass string
		status     int
	}{
		{"alice", "correct horse", 0},
		{"ALICE", "correct horse", 0},
		{"@alice", "correct horse", 0},
		{"alice", "wrong", http.StatusUnauthorized},
		{"nobody", "correct horse", http.StatusUnauthorized},
		{"carol", "secret", http.StatusForbidden},
		{"carol", "wrong", http.StatusUnauthorized},
		{"nopass", "", http.StatusUnauthorized},
		{"nopass", "x", http.StatusUnauthorized},
	}
	for _, tc := range cases {
		id, err := p.Login(ctx, tc.user, tc.pass, "192.0.2.50")
		if tc.status == 0 {
			if err != nil || id != e.alice {
				t.Errorf("%s: id %d, err %v", tc.user, id, err)
			}
			continue
		}
		if apperr.StatusOf(err) != tc.status || id != 0 {
			t.Errorf("%s/%s: id %d, err %v, want %d", tc.user, tc.pass, id, err, tc.status)
		}
	}
	if a, b := apperr.MessageOf(loginErr(p, "alice", "wrong")), apperr.MessageOf(loginErr(p, "nobody", "x")); a != b {
		t.Errorf("messages reveal which usernames exist: %q vs %q", a, b)
	}
}

func loginErr(p *PasswordLogin, user, pass string) error {
	_, err := p.Login(context.Background(), user, pass, "198.51.100.99")
	return err
}

// Guesses against an account from many addresses do not lock its owner
// out: a right password from another address still signs in (after the
// back-off delay); the addresses that guessed are refused.
func TestPasswordLoginNoLockout(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	rec := &delayRecorder{}
	p := NewPasswordLogin(e.db, NewLoginLimiter(LoginLimiterOptions{Now: e.clock.Now, Wait: rec.wait}))
	for i := 0; i < 5; i++ {
		if _, err := p.Login(ctx, "alice", "guess", "203.0.113.7"); apperr.StatusOf(err) != http.StatusUnauthorized {
			t.Fatalf("guess %d: %v", i, err)
		}
	}
	if _, err := p.Login(ctx, "alice", "correct horse", "203.0.113.7"); apperr.StatusOf(err) != http.StatusTooManyRequests {
		t.Fatalf("the guessing address with the right password: %v, want 429", err)
	}
	if id, err := p.Login(ctx, "alice", "correct horse", "192.0.2.200"); err != nil || id != e.alice {
		t.Fatalf("the owner from another address: %d, %v", id, err)
	}
	if got := rec.take(); !slices.Equal(got, []time.Duration{time.Second}) {
		t.Fatalf("back-off delays %v, want 1s", got)
	}
	e.clock.Advance(5 * time.Minute)
	if id, err := p.Login(ctx, "alice", "correct horse", "203.0.113.7"); err != nil || id != e.alice {
		t.Fatalf("after the window: %d, %v", id, err)
	}
}
