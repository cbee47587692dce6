package media

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/pictor-social/pictor/internal/apperr"
)

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func (b *Budget) queued() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.waiters.Len()
}

type grant struct {
	release func()
	err     error
}

func acquireAsync(b *Budget, ctx context.Context, n int64, queue bool) chan grant {
	c := make(chan grant, 1)
	go func() {
		r, err := b.acquire(ctx, n, queue)
		c <- grant{r, err}
	}()
	return c
}

func mustGrant(t *testing.T, c chan grant) func() {
	t.Helper()
	select {
	case g := <-c:
		if g.err != nil {
			t.Fatalf("acquire: %v", g.err)
		}
		return g.release
	case <-time.After(10 * time.Second):
		t.Fatal("not granted within 10s")
	}
	return nil
}

func TestBudgetAdmitsWithinSizeAndQueuesInOrder(t *testing.T) {
	b := NewBudget(100, time.Minute)
	ctx := context.Background()
	r60, err := b.acquire(ctx, 60, false)
	if err != nil {
		t.Fatal(err)
	}
	r30, err := b.acquire(ctx, 30, false)
	if err != nil {
		t.Fatal(err)
	}
	big := acquireAsync(b, ctx, 50, false) // does not fit: waits
	waitFor(t, "the 50-byte request to queue", func() bool { return b.queued() == 1 })
	small := acquireAsync(b, ctx, 10, false) // would fit, but must not overtake
	waitFor(t, "the 10-byte request to queue", func() bool { return b.queued() == 2 })
	if got := b.inUse(); got != 90 {
		t.Fatalf("in use %d, want 90", got)
	}
	r30()
	r30() // a second call is a no-op
	if got := b.inUse(); got != 60 {
		t.Fatalf("in use %d after one release, want 60", got)
	}
	r60()
	rBig, rSmall := mustGrant(t, big), mustGrant(t, small)
	if got := b.inUse(); got != 60 {
		t.Fatalf("in use %d with both granted, want 60", got)
	}
	rBig()
	rSmall()
	if got := b.inUse(); got != 0 {
		t.Fatalf("in use %d after all releases", got)
	}
}

func TestBudgetRefusals(t *testing.T) {
	b := NewBudget(100, 20*time.Millisecond)
	hold, err := b.acquire(context.Background(), 100, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("more than the whole budget", func(t *testing.T) {
		_, err := b.acquire(context.Background(), 101, false)
		if apperr.StatusOf(err) != http.StatusUnprocessableEntity {
			t.Fatalf("err = %v, want 422", err)
		}
	})
	t.Run("wait expires", func(t *testing.T) {
		_, err := b.acquire(context.Background(), 1, false)
		if apperr.StatusOf(err) != http.StatusServiceUnavailable {
			t.Fatalf("err = %v, want 503", err)
		}
	})
	t.Run("caller gives up", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := NewBudget(100, time.Minute).acquireFull(ctx)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	})
	t.Run("queued caller outwaits the wait", func(t *testing.T) {
		c := acquireAsync(b, context.Background(), 1, true)
		waitFor(t, "the queued request", func() bool { return b.queued() == 1 })
		time.Sleep(3 * b.wait) // the wait passing must not refuse it
		if b.queued() != 1 {
			t.Fatal("a queued caller gave up after the budget's wait")
		}
		hold()
		mustGrant(t, c)()
		hold, _ = b.acquire(context.Background(), 100, false)
	})
	if n := b.queued(); n != 0 {
		t.Fatalf("%d waiters left behind", n)
	}
	hold()
	// A waiter that left the head of the queue lets the next one in.
	r, err := b.acquire(context.Background(), 100, false)
	if err != nil {
		t.Fatalf("after refusals: %v", err)
	}
	r()
}

// acquireFull fills b, then asks for one more byte with ctx.
func (b *Budget) acquireFull(ctx context.Context) (func(), error) {
	if _, err := b.acquire(context.Background(), b.size, false); err != nil {
		return nil, err
	}
	return b.acquire(ctx, 1, false)
}

func TestBudgetNilAdmitsAll(t *testing.T) {
	var b *Budget
	r, err := b.acquire(context.Background(), 1<<40, false)
	if err != nil {
		t.Fatal(err)
	}
	r()
}

// Process reserves its estimate for the whole run: while the budget is full
// it waits, and it gives the bytes back when done.
func TestProcessWaitsForBudget(t *testing.T) {
	in := encodePNGT(t, gradient(300, 200))
	b := NewBudget(256<<20, time.Minute)
	hold, err := b.acquire(context.Background(), b.size, false)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := Process(context.Background(), bytes.NewReader(in), DefaultLimits(), Options{Budget: b})
		done <- err
	}()
	waitFor(t, "Process to queue", func() bool { return b.queued() == 1 })
	hold()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Process did not finish")
	}
	if got := b.inUse(); got != 0 {
		t.Fatalf("%d bytes still reserved after Process", got)
	}

	b = NewBudget(256<<20, 10*time.Millisecond)
	hold, _ = b.acquire(context.Background(), b.size, false)
	defer hold()
	_, err = Process(context.Background(), bytes.NewReader(in), DefaultLimits(), Options{Budget: b})
	if apperr.StatusOf(err) != http.StatusServiceUnavailable {
		t.Fatalf("with the budget full: err = %v, want 503", err)
	}
}
