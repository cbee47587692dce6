package assistant

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

func TestCacheCoalescesAndBounds(t *testing.T) {
	c := NewCache[int](2)
	ctx := context.Background()
	release := make(chan struct{})
	var fills atomic.Int32
	var wg sync.WaitGroup
	var filledBy atomic.Int32
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, filled, err := c.Do(ctx, "k", func(context.Context) (int, error) {
				fills.Add(1)
				<-release
				return 42, nil
			})
			if err != nil || v != 42 {
				t.Errorf("Do = %d, %v", v, err)
			}
			if filled {
				filledBy.Add(1)
			}
		}()
	}
	// Wait until all ten are in: one filling, nine waiting on its flight.
	for {
		if h, m := c.Stats(); h+m == 10 {
			break
		}
		waitABit()
	}
	close(release)
	wg.Wait()
	if fills.Load() != 1 || filledBy.Load() != 1 {
		t.Fatalf("fills %d, filled %d; want 1 and 1", fills.Load(), filledBy.Load())
	}
	// Failures are not cached; the least recently used entry goes first.
	boom := errors.New("boom")
	if _, _, err := c.Do(ctx, "bad", func(context.Context) (int, error) { return 0, boom }); !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if _, filled, _ := c.Do(ctx, "bad", func(context.Context) (int, error) { return 1, nil }); !filled {
		t.Fatal("a failure was cached")
	}
	c.Do(ctx, "k", nil) // a hit: "k" is now the most recent
	c.Do(ctx, "new", func(context.Context) (int, error) { return 2, nil })
	if c.Len() != 2 {
		t.Fatalf("len %d", c.Len())
	}
	if _, filled, _ := c.Do(ctx, "k", func(context.Context) (int, error) { return 0, nil }); filled {
		t.Fatal("the recently used entry was evicted")
	}
	c.Forget("k")
	if _, filled, _ := c.Do(ctx, "k", func(context.Context) (int, error) { return 0, nil }); !filled {
		t.Fatal("Forget kept the entry")
	}
}

func TestCacheWaiterGivesUp(t *testing.T) {
	c := NewCache[int](4)
	started, release := make(chan struct{}), make(chan struct{})
	go c.Do(context.Background(), "k", func(context.Context) (int, error) {
		close(started)
		<-release
		return 1, nil
	})
	<-started
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := c.Do(ctx, "k", nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	close(release)
}

// waitABit yields to the goroutines under test; used only in a loop that
// polls a condition, never as a fixed delay that a result depends on.
func waitABit() { runtime.Gosched() }
