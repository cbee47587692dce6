package activitypub

import (
	"context"
	"sync"
	"time"

	"github.com/pictor-social/pictor/store"
)

// maxCountFetch bounds the fetch of an actor's collection counts, which
// runs whenever the actor is fetched or refreshed.
const maxCountFetch = 5 * time.Second

// actorCounts are the totalItems an actor's followers, following and outbox
// collections publish; -1 where unknown (not served, hidden, or failed).
type actorCounts struct {
	followers, following, statuses int64
}

// fetchActorCounts fetches the three collections in parallel through the
// signed, size-bounded Get, each on the actor's own host only, within
// maxCountFetch in all. GoToSocial and Mastodon publish totalItems on the
// collection itself; a count that is hidden or fails stays unknown.
func (f *Federation) fetchActorCounts(ctx context.Context, act Actor) actorCounts {
	urls := [3]string{act.Followers, act.Following, act.Outbox}
	got := [3]int64{-1, -1, -1}
	ctx, cancel := context.WithTimeout(ctx, min(maxCountFetch, f.opts.FetchTimeout))
	defer cancel()
	host := hostOf(act.ID)
	var wg sync.WaitGroup
	for i, u := range urls {
		if u == "" || hostOf(u) != host {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			body, err := f.Get(ctx, u)
			if err != nil {
				return
			}
			c, err := ParseCollection(body)
			if err == nil && c.TotalItems != nil && *c.TotalItems >= 0 {
				got[i] = int64(*c.TotalItems)
			}
		}()
	}
	wg.Wait()
	return actorCounts{followers: got[0], following: got[1], statuses: got[2]}
}

// applyTo sets the known counts on a remote account; unknown ones keep
// their last value.
func (c actorCounts) applyTo(a *store.Account) {
	if c.followers >= 0 {
		a.FollowersCount = c.followers
	}
	if c.following >= 0 {
		a.FollowingCount = c.following
	}
	if c.statuses >= 0 {
		a.StatusesCount = c.statuses
	}
}
