package auth

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/pictor-social/pictor/internal/apperr"
)

func newTestLimiter(clock *testClock, maxEntries int) *LoginLimiter {
	return NewLoginLimiter(LoginLimiterOptions{MaxEntries: maxEntries, Now: clock.Now})
}

func TestLoginLimiterTrips(t *testing.T) {
	cases := []struct {
		name    string
		ip      func(i int) string
		user    func(i int) string
		checkIP string
		checkU  string
	}{
		{"one username from many addresses", func(i int) string { return fmt.Sprintf("192.0.2.%d", i) },
			func(int) string { return "alice" }, "198.51.100.1", "ALICE"},
		{"one address against many usernames", func(int) string { return "192.0.2.7" },
			func(i int) string { return fmt.Sprintf("user%d", i) }, "192.0.2.7", "someone"},
		{"one IPv6 /64 with rotating addresses", func(i int) string { return fmt.Sprintf("2001:db8::%x", i+1) },
			func(i int) string { return fmt.Sprintf("user%d", i) }, "2001:db8::ffff:1", "fresh"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clock := &testClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
			l := newTestLimiter(clock, 0)
			for i := 0; i < 5; i++ {
				if err := l.Allow(tc.ip(i), tc.user(i)); err != nil {
					t.Fatalf("attempt %d refused: %v", i, err)
				}
				l.Failure(tc.ip(i), tc.user(i))
			}
			err := l.Allow(tc.checkIP, tc.checkU)
			if apperr.StatusOf(err) != http.StatusTooManyRequests {
				t.Fatalf("after 5 failures: %v, want 429", err)
			}
			clock.Advance(5 * time.Minute)
			if err := l.Allow(tc.checkIP, tc.checkU); err != nil {
				t.Fatalf("after the window: %v", err)
			}
		})
	}
}

func TestLoginLimiterSuccessAndIndependence(t *testing.T) {
	clock := &testClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := newTestLimiter(clock, 0)
	for i := 0; i < 4; i++ {
		l.Failure(fmt.Sprintf("192.0.2.%d", i), "alice")
	}
	l.Success("192.0.2.9", "Alice")
	l.Failure("192.0.2.10", "alice")
	if err := l.Allow("192.0.2.11", "alice"); err != nil {
		t.Fatalf("success did not reset the username: %v", err)
	}
	if err := l.Allow("192.0.2.1", "bob"); err != nil {
		t.Fatalf("unrelated address and user refused: %v", err)
	}
}

func TestLoginLimiterMemoryBounded(t *testing.T) {
	clock := &testClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := newTestLimiter(clock, 10)
	for i := 0; i < 1000; i++ {
		l.Failure(fmt.Sprintf("10.0.%d.%d", i/256, i%256), fmt.Sprintf("u%d", i))
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

func TestPasswordLoginRateLimited(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	p := NewPasswordLogin(e.db, newTestLimiter(e.clock, 0))
	for i := 0; i < 5; i++ {
		if _, err := p.Login(ctx, "alice", "guess", fmt.Sprintf("203.0.113.%d", i)); apperr.StatusOf(err) != http.StatusUnauthorized {
			t.Fatalf("guess %d: %v", i, err)
		}
	}
	if _, err := p.Login(ctx, "alice", "correct horse", "203.0.113.200"); apperr.StatusOf(err) != http.StatusTooManyRequests {
		t.Fatalf("right password while limited: %v, want 429", err)
	}
	e.clock.Advance(5 * time.Minute)
	if id, err := p.Login(ctx, "alice", "correct horse", "203.0.113.200"); err != nil || id != e.alice {
		t.Fatalf("after the window: %d, %v", id, err)
	}
}
