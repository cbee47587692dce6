package social

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/pictor-social/pictor/activitypub"
	"github.com/pictor-social/pictor/internal/pubsub"
	"github.com/pictor-social/pictor/store"
)

// pollBatch bounds how many polls one pass of the worker handles.
const pollBatch = 50

// RunPolls sends what polls owe until ctx ends: the Update of a local poll's
// Question once its debounce delay passed (one per delay however many votes
// came), and at a poll's end the final Update (local polls) and the `poll`
// notifications to its local author and local voters. The work is rows in
// the polls table (style.md §11), so a restart loses none; status events
// wake the worker early. log may be nil.
func (s *Service) RunPolls(ctx context.Context, log *slog.Logger) error {
	if log == nil {
		log = slog.Default()
	}
	sub := s.hub.Subscribe(activitypub.StreamStatuses)
	defer sub.Close()
	for {
		wait := time.Minute
		next, err := s.db.NextPollWork(ctx)
		if err != nil && ctx.Err() == nil {
			log.Error("poll work", "err", err)
		}
		if err == nil && !next.IsZero() {
			if !next.After(s.db.Now()) {
				if err := s.handleDuePolls(ctx, log); err != nil && ctx.Err() == nil {
					log.Error("poll work", "err", err)
				} else {
					continue
				}
			} else {
				wait = min(wait, next.Sub(s.db.Now()))
			}
		}
		if !s.waitForPollWork(ctx, sub, wait) {
			return nil
		}
	}
}

// waitForPollWork waits d, or until a status is created or a poll changes
// (which may move the next due time); false means stop.
func (s *Service) waitForPollWork(ctx context.Context, sub *pubsub.Subscription, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case ev, ok := <-sub.C:
			if !ok {
				return false
			}
			if se, isStatus := ev.Payload.(activitypub.StatusEvent); isStatus && (se.Kind == "create" || se.Kind == "poll") {
				return true
			}
		case <-t.C:
			return true
		}
	}
}

// handleDuePolls handles every poll due now.
func (s *Service) handleDuePolls(ctx context.Context, log *slog.Logger) error {
	for ctx.Err() == nil {
		var work store.PollWork
		err := s.db.Write(ctx, func(tx *store.Tx) (err error) {
			work, err = tx.DuePollWork(ctx, pollBatch)
			return err
		})
		if err != nil {
			return err
		}
		if len(work.UpdateDue)+len(work.Ended) == 0 {
			return nil
		}
		for _, id := range work.Ended {
			s.fetchFinalResults(ctx, id, log)
			if err := s.db.Write(ctx, func(tx *store.Tx) error { return s.endPoll(ctx, tx, id) }); err != nil {
				return err
			}
		}
		for _, id := range work.UpdateDue {
			err := s.db.Write(ctx, func(tx *store.Tx) error {
				pending, err := tx.MarkPollUpdateSent(ctx, id)
				if err != nil || !pending {
					return err
				}
				return s.sendPollUpdate(ctx, tx, id)
			})
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// fetchFinalResults refreshes an ended remote poll that local accounts voted
// in from its server before they are told it ended. A failed fetch is
// logged: they are told with the last known counts.
func (s *Service) fetchFinalResults(ctx context.Context, id int64, log *slog.Logger) {
	st, err := s.db.StatusByID(ctx, id)
	if err != nil || st.Local || !st.DeletedAt.IsZero() {
		return
	}
	if voted, err := s.db.HasLocalPollVoters(ctx, id); err != nil || !voted {
		return
	}
	if err := s.fed.FetchPoll(ctx, st); err != nil && ctx.Err() == nil {
		log.Info("fetch final poll results", "status_id", id, "err", err)
	}
}

// sendPollUpdate queues an Update of local poll id's Question to the
// status's audience and the poll's remote voters. Deleted statuses and
// remote polls send nothing.
func (s *Service) sendPollUpdate(ctx context.Context, tx *store.Tx, id int64) error {
	st, err := tx.StatusByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (!st.Local || !st.DeletedAt.IsZero())) {
		return nil
	}
	if err != nil {
		return err
	}
	author, err := tx.AccountByID(ctx, st.AccountID)
	if err != nil {
		return err
	}
	d, err := s.fed.NoteData(ctx, st, author)
	if err != nil {
		return err
	}
	if d.Poll, err = existingPoll(ctx, tx, id); err != nil || d.Poll == nil {
		return err // counts as of this transaction
	}
	inboxes, err := s.fed.Recipients(ctx, tx, st, author, d.Mentions)
	if err != nil {
		return err
	}
	voters, err := tx.PollVoters(ctx, id, false)
	if err != nil {
		return err
	}
	for _, v := range voters {
		inboxes = append(inboxes, v.DeliveryInbox())
	}
	upd := activitypub.UpdateNote(s.fed.RenderNote(d), tx.Now())
	return s.fed.Enqueue(ctx, tx, author, upd.ID, "Update", upd, inboxes)
}

// endPoll handles the end of poll id once: a local poll sends its final
// Update and tells its author; every local voter is told too (Mastodon's
// `poll` notification, from the poll's author).
func (s *Service) endPoll(ctx context.Context, tx *store.Tx, id int64) error {
	ended, err := tx.MarkPollEnded(ctx, id)
	if err != nil || !ended {
		return err
	}
	st, err := tx.StatusByID(ctx, id)
	if err != nil || !st.DeletedAt.IsZero() {
		return err
	}
	if st.Local {
		if err := s.sendPollUpdate(ctx, tx, id); err != nil {
			return err
		}
		if err := s.notifyPollEnded(ctx, tx, st.AccountID, st); err != nil {
			return err
		}
	}
	voters, err := tx.PollVoters(ctx, id, true)
	if err != nil {
		return err
	}
	for _, v := range voters {
		if v.ID == st.AccountID {
			continue
		}
		if err := s.notifyPollEnded(ctx, tx, v.ID, st); err != nil {
			return err
		}
	}
	s.publishStatus(tx, "poll", st.ID)
	return nil
}

// notifyPollEnded stores a `poll` notification; unlike other kinds it may
// go to the status's own author.
func (s *Service) notifyPollEnded(ctx context.Context, tx *store.Tx, to int64, st store.Status) error {
	n := store.Notification{AccountID: to, FromAccountID: st.AccountID, Type: store.NotifyPoll, StatusID: st.ID}
	inserted, err := tx.InsertNotification(ctx, &n)
	if err != nil || !inserted {
		return err
	}
	tx.AfterCommit(func() {
		s.hub.Publish(pubsub.Event{Stream: activitypub.StreamNotifications, Kind: "notification", Payload: n})
	})
	return nil
}
