package genimage

import (
	"context"
	"time"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/store"
)

// quotaWindow is the span "per day" quotas count over: a rolling 24 hours,
// so a quota frees up one image at a time, a day after each was asked for.
const quotaWindow = 24 * time.Hour

// checkQuota returns apperr.RateLimited when requester may not start another
// job of n images now: the daily quota counts images, so a job asking for
// more than are left is refused before any provider call. With tx it reads inside that transaction, so the check and the
// insert it allows are atomic; without, it is a fast pre-check.
func (s *Service) checkQuota(ctx context.Context, tx *store.Tx, requester store.Account, n int) error {
	limit := s.opts.ImagesPerDay
	if !requester.Local() {
		limit = s.opts.RemoteImagesPerDay
		if limit == 0 {
			return apperr.Forbidden("this server does not take image requests from other servers")
		}
	}
	now := s.db.Now()
	var u store.JobUsage
	var err error
	if tx != nil {
		u, err = tx.JobUsageOf(ctx, requester.ID, now.Add(-quotaWindow))
	} else {
		u, err = s.db.JobUsageOf(ctx, requester.ID, now.Add(-quotaWindow))
	}
	if err != nil {
		return err
	}
	if u.Active >= s.opts.MaxConcurrentJobs {
		return apperr.RateLimited("quota exceeded: at most %d images may be in progress at once; wait for one to finish",
			s.opts.MaxConcurrentJobs)
	}
	if limit > 0 && u.Since >= limit {
		return apperr.RateLimited("quota exceeded: %d images per day, resets at %s",
			limit, u.Oldest.Add(quotaWindow).UTC().Format("2006-01-02 15:04 UTC"))
	}
	if limit > 0 && u.Since+max(n, 1) > limit {
		return apperr.RateLimited("quota exceeded: this asks for %d images but only %d of your %d images per day are left; ask for fewer",
			n, limit-u.Since, limit)
	}
	return nil
}
