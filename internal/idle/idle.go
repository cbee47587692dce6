// Package idle is the wait of a queue worker that found nothing to do.
package idle

import (
	"context"
	"sync"
	"time"
)

// Signal wakes every idle worker of a queue at once: Wake closes the
// channel C returned, and C returns a fresh one after that. A worker takes
// C before it looks for work, so a Wake during the look is not missed. The
// zero value is ready to use; a Signal is safe for concurrent use.
type Signal struct {
	mu sync.Mutex
	c  chan struct{}
}

// C returns the channel the next Wake closes.
func (s *Signal) C() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.c == nil {
		s.c = make(chan struct{})
	}
	return s.c
}

// Wake wakes every worker waiting on a channel from C.
func (s *Signal) Wake() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.c != nil {
		close(s.c)
		s.c = nil
	}
}

// Wait returns after poll, when wake fires, when ctx ends, or shortly after
// leaseEnd (the earliest lease of the worker's queue to lapse, measured from
// now; zero when none is held), whichever comes first: a lapsed lease makes
// its item claimable again, so the worker looks once more.
func Wait(ctx context.Context, wake <-chan struct{}, poll time.Duration, leaseEnd, now time.Time) {
	wait := poll
	if !leaseEnd.IsZero() {
		wait = min(wait, max(leaseEnd.Sub(now)+10*time.Millisecond, 10*time.Millisecond))
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-wake:
	case <-t.C:
	}
}
