package activitypub

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/pictor-social/pictor/internal/pubsub"
	"github.com/pictor-social/pictor/store"
)

// maxInboxAttempts bounds how often an item whose processing failed for a
// passing reason (a remote fetch timed out) is tried again.
const maxInboxAttempts = 8

// errPermanent marks processing failures that a retry cannot fix.
var errPermanent = errors.New("permanent")

func permanent(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errPermanent, fmt.Sprintf(format, args...))
}

// Event streams published after commit, for the client API's streaming and
// live pages. Payloads: StatusEvent or NotificationEvent.
const (
	StreamStatuses      = "statuses"
	StreamNotifications = "notifications"
)

// StatusEvent tells subscribers that a status was created, edited or deleted.
type StatusEvent struct {
	Kind     string // "create", "update", "delete"
	StatusID int64
}

// PublishStatus publishes a status event after commit.
func (f *Federation) PublishStatus(tx *store.Tx, kind string, id int64) {
	tx.AfterCommit(func() {
		f.hub.Publish(pubsub.Event{Stream: StreamStatuses, Kind: kind, Payload: StatusEvent{Kind: kind, StatusID: id}})
	})
}

// Notify stores a notification and publishes it after commit.
func (f *Federation) Notify(ctx context.Context, tx *store.Tx, n store.Notification) error {
	if n.AccountID == n.FromAccountID {
		return nil
	}
	inserted, err := tx.InsertNotification(ctx, &n)
	if err != nil || !inserted {
		return err
	}
	tx.AfterCommit(func() {
		f.hub.Publish(pubsub.Event{Stream: StreamNotifications, Kind: "notification", Payload: n})
	})
	return nil
}

// NotifySubscribers notifies the local followers who asked for it of a
// new status (store.PostSubscribers: Mastodon's "status" notification);
// while screening holds the status (d flagged), the notifications are held
// with its others.
func (f *Federation) NotifySubscribers(ctx context.Context, tx *store.Tx, statusID, authorID int64, d *store.ScreeningDecision) error {
	ids, err := tx.PostSubscribers(ctx, statusID)
	if err != nil {
		return err
	}
	for _, id := range ids {
		n := store.Notification{AccountID: id, FromAccountID: authorID, Type: store.NotifyStatus, StatusID: statusID}
		if err := f.notifyScreened(ctx, tx, d, n); err != nil {
			return err
		}
	}
	return nil
}

// NotifyEdit tells the local accounts that boosted a status that it was
// edited (Mastodon's "update" notification); a newer edit replaces the
// older notification.
func (f *Federation) NotifyEdit(ctx context.Context, tx *store.Tx, st store.Status) error {
	ids, err := tx.LocalRebloggers(ctx, st.ID)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := tx.DeleteNotificationsFrom(ctx, id, st.AccountID, store.NotifyUpdate, st.ID); err != nil {
			return err
		}
		if err := f.Notify(ctx, tx, store.Notification{AccountID: id, FromAccountID: st.AccountID, Type: store.NotifyUpdate, StatusID: st.ID}); err != nil {
			return err
		}
	}
	return nil
}

// RunInbox applies acknowledged inbox activities until ctx ends. Items of one
// actor are applied in arrival order; different actors in parallel.
func (f *Federation) RunInbox(ctx context.Context) error {
	lease := 5 * time.Minute
	var pruned time.Time
	for {
		if now := f.db.Now(); now.Sub(pruned) >= time.Hour {
			f.pruneInbox(ctx, now)
			pruned = now
		}
		var batch []store.InboxItem
		err := f.db.Write(ctx, func(tx *store.Tx) (err error) {
			batch, err = tx.ClaimInboxItems(ctx, f.opts.InboxWorkers*16, lease)
			return err
		})
		if err != nil {
			f.log.Error("claim inbox items", "err", err)
		}
		if len(batch) > 0 {
			f.processBatch(ctx, batch)
			continue
		}
		t := time.NewTimer(30 * time.Second)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-f.wakeInbox:
		case <-t.C:
		}
		t.Stop()
	}
}

// pruneInbox deletes processed inbox items older than InboxDedupeFor: past
// that they no longer count as seen, and the table stays small.
func (f *Federation) pruneInbox(ctx context.Context, now time.Time) {
	err := f.db.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.PruneInboxItems(ctx, now.Add(-f.opts.InboxDedupeFor))
		return err
	})
	if err != nil && ctx.Err() == nil {
		f.log.Error("prune inbox items", "err", err)
	}
}

func (f *Federation) processBatch(ctx context.Context, batch []store.InboxItem) {
	groups := map[string][]store.InboxItem{}
	var order []string
	for _, it := range batch {
		if _, ok := groups[it.ActorURI]; !ok {
			order = append(order, it.ActorURI)
		}
		groups[it.ActorURI] = append(groups[it.ActorURI], it)
	}
	sem := make(chan struct{}, f.opts.InboxWorkers)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var outcomes []inboxOutcome
	for _, actor := range order {
		sem <- struct{}{}
		wg.Add(1)
		go func(items []store.InboxItem) {
			defer func() { <-sem; wg.Done() }()
			for _, it := range items {
				o := f.processItem(ctx, it)
				mu.Lock()
				outcomes = append(outcomes, o)
				mu.Unlock()
			}
		}(groups[actor])
	}
	wg.Wait()
	f.recordInboxOutcomes(ctx, outcomes)
}

// inboxOutcome is how applying one item ended.
type inboxOutcome struct {
	item    store.InboxItem
	errText string
	retry   bool
}

// processItem applies one item and says how it ended.
func (f *Federation) processItem(ctx context.Context, it store.InboxItem) inboxOutcome {
	var err error
	if it.Body == nil { // claimed items come without their body (store.ClaimInboxItems)
		it.Body, err = f.db.InboxItemBody(ctx, it.ID)
	}
	if err == nil {
		err = f.apply(ctx, it)
	}
	o := inboxOutcome{item: it}
	o.item.Body = nil // the batch keeps outcomes until it ends; bodies may be a megabyte each
	if err != nil {
		o.errText = err.Error()
		o.retry = !errors.Is(err, errPermanent) && it.Attempts < maxInboxAttempts && ctx.Err() == nil
		f.log.Info("inbox activity not applied", "activity", it.ActivityID, "actor", it.ActorURI,
			"attempt", it.Attempts, "retry", o.retry, "err", err)
	}
	return o
}

// recordInboxOutcomes marks a batch's items done, failed or due again in one
// transaction. Should the process die first, the items are applied again when
// their lease lapses; applying is idempotent (statuses, follows, likes and
// notifications are unique), so that costs only time.
func (f *Federation) recordInboxOutcomes(ctx context.Context, outcomes []inboxOutcome) {
	wctx := context.WithoutCancel(ctx)
	err := f.db.Write(wctx, func(tx *store.Tx) error {
		for _, o := range outcomes {
			delay := time.Duration(o.item.Attempts*o.item.Attempts) * 30 * time.Second
			if err := tx.FinishInboxItem(wctx, o.item.ID, o.errText, o.retry, delay); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		f.log.Error("record inbox outcomes", "items", len(outcomes), "err", err)
	}
}

// apply dispatches one activity by type. Unknown types are done: ignoring
// them is the right answer, not an error.
func (f *Federation) apply(ctx context.Context, it store.InboxItem) error {
	act, err := ParseActivity(it.Body)
	if err != nil {
		return permanent("parse: %v", err)
	}
	actor, err := f.FetchActor(ctx, it.ActorURI, false)
	if err != nil {
		return fmt.Errorf("actor %s: %w", it.ActorURI, err)
	}
	if !actor.DeletedAt.IsZero() && act.Type != "Delete" {
		return nil
	}
	switch act.Type {
	case "Follow":
		return f.applyFollow(ctx, actor, act)
	case "Accept", "Reject":
		return f.applyFollowAnswer(ctx, actor, act)
	case "Undo":
		return f.applyUndo(ctx, actor, act)
	case "Create":
		return f.applyCreate(ctx, actor, act)
	case "Update":
		return f.applyUpdate(ctx, actor, act)
	case "Delete":
		return f.applyDelete(ctx, actor, act)
	case "Like":
		return f.applyLike(ctx, actor, act)
	case "Announce":
		return f.applyAnnounce(ctx, actor, act)
	case "Block":
		return f.applyBlock(ctx, actor, act)
	case "Flag":
		return f.applyFlag(ctx, actor, act)
	}
	return nil
}

// localAccountByURI returns the local account with actor id uri.
func (f *Federation) localAccountByURI(ctx context.Context, tx *store.Tx, uri string) (store.Account, bool, error) {
	if !f.IsLocalURI(uri) {
		return store.Account{}, false, nil
	}
	a, err := tx.AccountByURI(ctx, uri)
	if errors.Is(err, store.ErrNotFound) {
		return store.Account{}, false, nil
	}
	return a, err == nil, err
}
