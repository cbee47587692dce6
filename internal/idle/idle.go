// Package idle is the wait of a queue worker that found nothing to do.
package idle

import (
	"context"
	"time"
)

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
