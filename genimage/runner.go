package genimage

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/pictor-social/pictor/internal/idle"
	"github.com/pictor-social/pictor/store"
)

// idlePoll bounds how long an idle worker sleeps before looking for jobs
// whose lease lapsed (their process died).
const idlePoll = 30 * time.Second

// lease is how long a claimed job stays with its worker: the generation
// timeout plus time to store the images and publish the post.
func (s *Service) lease() time.Duration { return s.opts.Timeout + 2*time.Minute }

// Run works the job queue with Options.Workers workers until ctx ends. Each
// worker claims one job at a time with a lease. A worker stopped by ctx puts
// its job back in the queue; a process that dies leaves the lease to lapse,
// and the job then runs again, here or after a restart. Run also sweeps
// unpicked candidates (SweepCandidates). It returns nil when ctx ends.
func (s *Service) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.runSweep(ctx) // unpicked candidates (variants.go)
	}()
	for range s.opts.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.work(ctx)
		}()
	}
	wg.Wait()
	return nil
}

func (s *Service) work(ctx context.Context) {
	for ctx.Err() == nil {
		wake := s.wake.C()
		var j store.Job
		err := s.db.Write(ctx, func(tx *store.Tx) (err error) {
			j, err = tx.ClaimJob(ctx, s.lease())
			return err
		})
		switch {
		case err == nil:
			s.runJob(ctx, j)
			continue
		case ctx.Err() != nil:
			return
		case !errors.Is(err, store.ErrNotFound):
			s.log.Error("claim generation job", "err", err)
		}
		s.idle(ctx, wake)
	}
}

// idle waits for new work, a lapsing lease, or the end of ctx.
func (s *Service) idle(ctx context.Context, wake <-chan struct{}) {
	next, _ := s.db.NextJobLeaseEnd(ctx) // on error, the poll interval
	idle.Wait(ctx, wake, idlePoll, next, s.db.Now())
}

// RunJob claims and runs the one job id in the calling goroutine (the CLI
// runs its own job without a server). It returns the job as stored after
// the run; store.ErrNotFound when the job is not due (finished, or leased
// by a running server, which will finish it).
func (s *Service) RunJob(ctx context.Context, id string) (store.Job, error) {
	var j store.Job
	err := s.db.Write(ctx, func(tx *store.Tx) (err error) {
		j, err = tx.ClaimJobByID(ctx, id, s.lease())
		return err
	})
	if err != nil {
		return store.Job{}, err
	}
	s.runJob(ctx, j)
	return s.db.JobByID(context.WithoutCancel(ctx), id)
}

// runJob takes one claimed job to done or failed, or back to the queue when
// ctx ends first.
func (s *Service) runJob(ctx context.Context, j store.Job) {
	log := s.log.With("job_id", j.ID)
	defer s.dropPreview(j.ID)
	s.publish(j, Event{State: store.JobRunning})
	if j.Attempts > s.opts.MaxAttempts {
		s.fail(ctx, j, &jobError{kind: store.JobError,
			msg: fmt.Sprintf("Generation was interrupted %d times; giving up. Please try again.", j.Attempts-1)})
		return
	}
	err := s.execute(ctx, &j)
	if err != nil && ctx.Err() != nil {
		// Shutting down: hand the job back so the next start runs it at once.
		if rerr := s.write(ctx, func(ctx context.Context, tx *store.Tx) error { return tx.ReleaseJob(ctx, j.ID) }); rerr != nil {
			log.Error("release generation job", "err", rerr)
		}
		return
	}
	if err != nil {
		je := classify(err, s.opts.Timeout)
		if je.kind != store.JobRefused {
			log.Warn("generation job failed", "err", err)
		}
		s.fail(ctx, j, je)
		return
	}
	log.Info("generation job done", "status_id", j.StatusID)
}

// execute generates (unless an earlier run already stored the images),
// publishes the post for post and reply jobs, and marks the job done.
func (s *Service) execute(ctx context.Context, j *store.Job) error {
	if len(j.MediaIDs) == 0 {
		if err := s.generate(ctx, j); err != nil {
			return err
		}
	}
	if j.Kind != store.JobDraft {
		id, err := s.post(ctx, *j)
		if err != nil {
			return err
		}
		j.StatusID = id
	}
	if err := s.write(ctx, func(ctx context.Context, tx *store.Tx) error { return tx.FinishJob(ctx, j.ID, j.StatusID) }); err != nil {
		return err
	}
	j.State = store.JobDone
	s.publish(*j, Event{Stage: StageDone, Fraction: 1})
	return nil
}

// write runs fn in a store transaction that completes even when ctx is
// cancelled (job state must land when a worker stops); fn gets that
// uncancelled context.
func (s *Service) write(ctx context.Context, fn func(ctx context.Context, tx *store.Tx) error) error {
	wctx := context.WithoutCancel(ctx)
	return s.db.Write(wctx, func(tx *store.Tx) error { return fn(wctx, tx) })
}
