package genimage

import (
	"context"
	"errors"
	"time"

	"github.com/pictor-social/pictor/internal/pubsub"
	"github.com/pictor-social/pictor/store"
)

// Event is the payload of the progress events published on the stream
// JobStream(id) (kind "progress"). The store stays the truth: a subscriber
// that misses events reads the job again.
type Event struct {
	JobID      string  `json:"job_id"`
	State      string  `json:"state"` // store.JobQueued, JobRunning, JobDone, JobFailed
	Stage      string  `json:"stage,omitempty"`
	Fraction   float64 `json:"fraction,omitempty"`
	HasPartial bool    `json:"has_partial,omitempty"` // the provider sent a preview, held until the run ends
	PreviewSeq int     `json:"preview_seq,omitempty"` // Seq of that preview (Service.Preview); 0 when none came
	Error      string  `json:"error,omitempty"`       // user-facing, when failed
	MediaIDs   []int64 `json:"media_ids,omitempty"`   // when done
	StatusID   int64   `json:"status_id,omitempty"`   // when done and posted
}

// JobStream names the pubsub stream of one job's progress.
func JobStream(id string) string { return "job:" + id }

// StreamJobs carries every job's progress events too (the same Event), for
// the relay that passes them to the other processes on a PostgreSQL
// database, which publish them on the job's JobStream there: a client
// watching a job through any process sees its progress.
const StreamJobs = "jobs"

// publish sends e about j; State defaults to j.State.
func (s *Service) publish(j store.Job, e Event) {
	e.JobID = j.ID
	if e.State == "" {
		e.State = j.State
	}
	if e.State == store.JobDone {
		e.MediaIDs, e.StatusID = j.MediaIDs, j.StatusID
	}
	if e.State == store.JobFailed {
		e.Error = j.Error
	}
	s.hub.Publish(pubsub.Event{Stream: JobStream(j.ID), Kind: "progress", Payload: e})
	s.hub.Publish(pubsub.Event{Stream: StreamJobs, Kind: "progress", Payload: e})
}

// Subscribe returns a subscription to job id's progress events; the caller
// closes it.
func (s *Service) Subscribe(id string) *pubsub.Subscription {
	return s.hub.Subscribe(JobStream(id))
}

// Wait blocks until job id is done or failed, ctx ends, or maxWait passes
// (0: no bound), calling progress (may be nil) with each event. It returns
// the job as stored when it returns; a job still running after maxWait is
// returned without error. It polls the store as a fallback, so a missed
// event only delays it.
func (s *Service) Wait(ctx context.Context, id string, maxWait time.Duration, progress func(Event)) (store.Job, error) {
	sub := s.Subscribe(id)
	defer sub.Close()
	var deadline <-chan time.Time
	if maxWait > 0 {
		t := time.NewTimer(maxWait)
		defer t.Stop()
		deadline = t.C
	}
	poll := time.NewTicker(time.Second)
	defer poll.Stop()
	for {
		j, err := s.db.JobByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return store.Job{}, err
		}
		if err != nil || j.Finished() {
			return j, err
		}
		select {
		case <-ctx.Done():
			return j, ctx.Err()
		case <-deadline:
			return j, nil
		case <-poll.C:
		case ev, ok := <-sub.C:
			if e, isEvent := ev.Payload.(Event); ok && isEvent && progress != nil {
				progress(e)
			}
		}
	}
}
