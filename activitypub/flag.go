package activitypub

import (
	"context"
	"errors"
	"strings"

	"github.com/pictor-social/pictor/store"
)

// MaxFlagObjects bounds how many objects of a Flag are looked at; Mastodon's
// carry the account and the reported statuses.
const MaxFlagObjects = 101

// maxFlagComment bounds the comment kept from a received Flag, in bytes.
const maxFlagComment = 5000

// flagActivity is a Flag: a report sent to the server of the reported
// account (interop: Mastodon's shape, with the account first in object).
type flagActivity struct {
	Context LDContext `json:"@context,omitempty"`
	ID      string    `json:"id"`
	Type    string    `json:"type"`
	Actor   string    `json:"actor"`
	Content string    `json:"content"`
	Object  []string  `json:"object"`
	To      IRIs      `json:"to,omitempty"`
}

// Flag renders a report of target (an actor id) and its statuses by actor,
// which should be the instance actor so that the reporter stays anonymous,
// as Mastodon does.
func Flag(id, actor, comment, target string, statuses []string) flagActivity {
	return flagActivity{Context: Context(), ID: id, Type: "Flag", Actor: actor, Content: comment,
		Object: append([]string{target}, statuses...), To: IRIs{target}}
}

// EnqueueFlag queues a Flag of target (a remote account) naming statuses
// (their URIs), signed by signer and sent to target's inbox, in the
// caller's transaction. It returns the Flag's id. The signer should be the
// instance actor; load it with InstanceActor before the transaction, since
// creating it takes a write of its own.
func (f *Federation) EnqueueFlag(ctx context.Context, tx *store.Tx, signer, target store.Account, comment string, statuses []string) (string, error) {
	inbox := target.InboxURI
	if inbox == "" {
		inbox = target.DeliveryInbox()
	}
	id := f.NewActivityID()
	act := Flag(id, signer.URI, comment, target.URI, statuses)
	return id, f.Enqueue(ctx, tx, signer, id, "Flag", act, []string{inbox})
}

// NotifyReport tells every local admin about a new report (Mastodon's
// "admin.report" notification, from the reporter).
func (f *Federation) NotifyReport(ctx context.Context, tx *store.Tx, r store.Report) error {
	admins, err := tx.AdminAccountIDs(ctx)
	if err != nil {
		return err
	}
	for _, id := range admins {
		n := store.Notification{AccountID: id, FromAccountID: r.AccountID, Type: store.NotifyAdminReport, ReportID: r.ID}
		if err := f.Notify(ctx, tx, n); err != nil {
			return err
		}
	}
	return nil
}

// applyFlag turns a Flag from another server into a report against the
// local account it names (or, failing that, the author of the first local
// status it names) and that account's statuses among its objects. Objects
// that are not local, unknown or of another account are ignored, and so is
// a Flag that names no local account. The reporter is the sending actor
// (usually the other server's instance actor); a Flag already stored under
// its id is not stored again.
func (f *Federation) applyFlag(ctx context.Context, actor store.Account, act Activity) error {
	ids := act.Object.IDs()
	if len(ids) > MaxFlagObjects {
		ids = ids[:MaxFlagObjects]
	}
	return f.db.Write(ctx, func(tx *store.Tx) error {
		target, statuses, err := f.flagTargets(ctx, tx, ids)
		if err != nil || target.ID == 0 {
			return err
		}
		r := store.Report{URI: act.ID, AccountID: actor.ID, TargetAccountID: target.ID, Category: store.ReportOther,
			Comment: flagComment(act.Content), StatusIDs: statuses}
		if err := tx.InsertReport(ctx, &r); errors.Is(err, store.ErrConflict) {
			return nil
		} else if err != nil {
			return err
		}
		return f.NotifyReport(ctx, tx, r)
	})
}

// flagTargets finds the local account a Flag's objects name and the ids of
// that account's live statuses among them.
func (f *Federation) flagTargets(ctx context.Context, tx *store.Tx, ids []string) (store.Account, []int64, error) {
	var target store.Account
	var found []store.Status
	considered := 0
	for _, id := range ids {
		if !f.IsLocalURI(id) {
			continue
		}
		if considered++; considered > MaxLocalAddressees { // a report names a few posts; bound the lookups
			break
		}
		a, ok, err := f.localAccountByURI(ctx, tx, id)
		if err != nil {
			return store.Account{}, nil, err
		}
		if ok {
			if target.ID == 0 {
				target = a
			}
			continue
		}
		st, err := tx.StatusByURI(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return store.Account{}, nil, err
		}
		if st.Local && st.DeletedAt.IsZero() {
			found = append(found, st)
		}
	}
	if target.ID == 0 && len(found) > 0 {
		a, err := tx.AccountByID(ctx, found[0].AccountID)
		if err != nil {
			return store.Account{}, nil, err
		}
		target = a
	}
	var statuses []int64
	for _, st := range found {
		if st.AccountID == target.ID {
			statuses = append(statuses, st.ID)
		}
	}
	return target, statuses, nil
}

// flagComment is a received Flag's content, bounded and valid UTF-8. It is
// kept as text; pages escape it.
func flagComment(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > maxFlagComment {
		s = s[:maxFlagComment]
	}
	return strings.ToValidUTF8(s, "")
}
