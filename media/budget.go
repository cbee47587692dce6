package media

import (
	"container/list"
	"context"
	"runtime"
	"sync"
	"time"

	"github.com/pictor-social/pictor/internal/apperr"
)

// gcAfterBytes is the size of a released reservation above which the
// releaser runs a garbage collection before giving the bytes back. The pixels of a large decode are dead
// once Process returns, but Go's pacer lets the heap grow to twice the live
// size before collecting, so without this the next admitted decode would
// allocate beside the previous one's garbage and resident memory could reach
// twice the budget. The heap here is almost all pointer-free pixel buffers,
// so a collection costs milliseconds, against the second or more such a
// decode takes.
const gcAfterBytes = 32 << 20

// Budget admits concurrent image decodes against one memory budget in bytes.
// Every caller of Process that can run at the same time as another one (API
// and web uploads, avatars and headers, generated images, the remote-media
// cache) shares one Budget, so that together they never need more than its
// size, whatever arrives at once. Admission is first come, first served: a
// large image waiting is not overtaken by a stream of small ones. A nil
// *Budget admits everything. Safe for concurrent use.
type Budget struct {
	size int64
	wait time.Duration

	mu      sync.Mutex
	used    int64
	waiters list.List // of *budgetWaiter, oldest first
}

type budgetWaiter struct {
	n     int64
	ready chan struct{} // closed when the bytes were granted
}

// NewBudget returns a budget of size bytes. A caller that finds it full
// waits at most wait (and never past its context) before it is refused
// with apperr.Unavailable.
func NewBudget(size int64, wait time.Duration) *Budget {
	return &Budget{size: size, wait: wait}
}

// Size returns the budget in bytes (0 for a nil budget: unlimited).
func (b *Budget) Size() int64 {
	if b == nil {
		return 0
	}
	return b.size
}

// acquire reserves n bytes and returns the function that gives them back,
// which may be called more than once. It fails with apperr.Invalid when n is
// more than the whole budget, apperr.Unavailable when no room was made
// within the wait (unless queue: then it waits as long as ctx allows), or
// ctx.Err() when ctx ends first.
func (b *Budget) acquire(ctx context.Context, n int64, queue bool) (release func(), err error) {
	if b == nil {
		return func() {}, nil
	}
	if n > b.size {
		return nil, tooMuchMemory(n, b.size)
	}
	b.mu.Lock()
	if b.used+n <= b.size && b.waiters.Len() == 0 {
		b.used += n
		b.mu.Unlock()
		return b.releaser(n), nil
	}
	w := &budgetWaiter{n: n, ready: make(chan struct{})}
	elem := b.waiters.PushBack(w)
	b.mu.Unlock()

	var expired <-chan time.Time
	if !queue {
		timer := time.NewTimer(b.wait)
		defer timer.Stop()
		expired = timer.C
	}
	select {
	case <-w.ready:
		return b.releaser(n), nil
	case <-ctx.Done():
		err = ctx.Err()
	case <-expired:
		err = apperr.Unavailable("the server is busy processing other images; try again in a moment")
	}
	b.mu.Lock()
	select {
	case <-w.ready:
		// Granted while giving up: keep the grant rather than leak it.
		b.mu.Unlock()
		return b.releaser(n), nil
	default:
	}
	b.waiters.Remove(elem)
	// Leaving the head of the queue may let the next waiters in.
	b.grantLocked()
	b.mu.Unlock()
	return nil, err
}

func (b *Budget) releaser(n int64) func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			if n >= gcAfterBytes {
				// Before the next waiter starts allocating, so that it
				// reuses this run's memory instead of adding to it.
				runtime.GC()
			}
			b.mu.Lock()
			b.used -= n
			b.grantLocked()
			b.mu.Unlock()
		})
	}
}

// grantLocked admits waiters in order while the oldest one fits.
func (b *Budget) grantLocked() {
	for e := b.waiters.Front(); e != nil; e = b.waiters.Front() {
		w := e.Value.(*budgetWaiter)
		if b.used+w.n > b.size {
			return
		}
		b.used += w.n
		b.waiters.Remove(e)
		close(w.ready)
	}
}

// inUse returns the bytes currently reserved (for tests).
func (b *Budget) inUse() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

func tooMuchMemory(need, limit int64) error {
	return apperr.Invalid("the image would need about %d MB of memory to process; at most %d MB are allowed",
		(need+(1<<20)-1)>>20, limit>>20)
}
