package activitypub

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/pictor-social/pictor/store"
)

// NewActivityID returns a fresh id for an activity that is not a status's
// Create (follows, likes, accepts, undos).
func (f *Federation) NewActivityID() string {
	id, err := uuid.NewV7()
	if err != nil {
		id = uuid.New()
	}
	return f.URLs.Activity(id.String())
}

// Enqueue stores activity once and queues one delivery per distinct inbox,
// inside the caller's transaction, so the change and its federation commit or
// fail together (style.md §11). Local inboxes are skipped. The delivery
// workers are woken after commit.
func (f *Federation) Enqueue(ctx context.Context, tx *store.Tx, signer store.Account, id, typ string, activity any, inboxes []string) error {
	body, err := Marshal(activity)
	if err != nil {
		return fmt.Errorf("encode %s: %w", typ, err)
	}
	act := store.OutboxActivity{URI: id, AccountID: signer.ID, Type: typ, Body: body}
	if err := tx.InsertOutboxActivity(ctx, &act); err != nil {
		return err
	}
	remote, refused := inboxes[:0:0], []string(nil)
	seen := map[string]bool{}
	for _, in := range inboxes {
		if in == "" || seen[in] || f.IsLocalURI(in) {
			continue
		}
		seen[in] = true
		if f.Blocked != nil && f.Blocked(ctx, hostOf(in)) {
			refused = append(refused, in)
			continue
		}
		remote = append(remote, in)
	}
	if len(refused) > 0 {
		// Said and kept, not silent: a Follow left out here stays "requested".
		f.log.Info("delivery refused: domain blocked", "activity", id, "type", typ, "inboxes", len(refused))
		if err := tx.InsertRefusedDeliveries(ctx, act.ID, refused, hostOf, "domain blocked"); err != nil {
			return err
		}
	}
	if len(remote) == 0 {
		return nil
	}
	if _, err := tx.InsertDeliveries(ctx, act.ID, remote, hostOf); err != nil {
		return err
	}
	tx.AfterCommit(func() { notify(f.wakeDeliver) })
	return nil
}

// Recipients returns the delivery inboxes of a status: the author's remote
// followers (for anything but direct messages) and every mentioned remote
// account, shared inboxes where known.
func (f *Federation) Recipients(ctx context.Context, tx *store.Tx, st store.Status, author store.Account, mentions []store.Account) ([]string, error) {
	var inboxes []string
	if st.Visibility != store.VisibilityDirect {
		fi, err := tx.FollowerInboxes(ctx, author.ID)
		if err != nil {
			return nil, err
		}
		inboxes = fi
	}
	for _, m := range mentions {
		if !m.Local() {
			inboxes = append(inboxes, m.DeliveryInbox())
		}
	}
	return inboxes, nil
}
