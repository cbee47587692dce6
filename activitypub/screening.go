package activitypub

import (
	"context"
	"errors"
	"strings"

	"github.com/pictor-social/pictor/internal/htmlsan"
	"github.com/pictor-social/pictor/screening"
	"github.com/pictor-social/pictor/store"
)

// maxScreenedRunes bounds the text of a remote note sent to a screener.
const maxScreenedRunes = 5000

// screenIncoming screens a remote note that replies to a local post or
// mentions local accounts, before its write transaction: the inbox item
// was acknowledged already, so whatever the screener says (or if it fails)
// the note is stored; a flagged one only notifies nobody. It returns nil
// when the note is not screened: screening is off, the note concerns no
// local account, or it is already stored (a note is screened once, for
// every viewer).
func (f *Federation) screenIncoming(ctx context.Context, author store.Account, o Object, mentioned []store.Account) (*store.ScreeningDecision, error) {
	c := f.Screening
	if !c.Enabled() {
		return nil, nil
	}
	parent := o.InReplyTo.ID()
	if len(mentioned) == 0 && (parent == "" || hostOf(parent) != f.host) {
		return nil, nil
	}
	if _, err := f.db.StatusByURI(ctx, o.ID); err == nil {
		return nil, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	r, failed, _ := c.Check(ctx, incomingText(o)) // remote posts are kept whatever happens: never closed
	d := &store.ScreeningDecision{AccountID: author.ID, Backend: r.Backend, Model: r.Model, Decision: screening.DecisionAllow}
	switch {
	case failed:
		d.Decision, d.Review = screening.DecisionUnscreened, true
	case r.Flagged:
		d.Decision, d.Review, d.Category, d.Score, d.Reason = screening.DecisionFlag, true, r.Category, r.Score, r.Reason
	}
	return d, nil
}

// incomingText is what a screener reads of a remote note: its content
// warning, text and the descriptions of its attachments.
func incomingText(o Object) string {
	parts := []string{o.Summary, htmlsan.PlainText(o.Text(), maxScreenedRunes), o.Name}
	for _, a := range o.Attachment {
		parts = append(parts, a.Name)
	}
	var b strings.Builder
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			b.WriteString(p)
			b.WriteByte('\n')
		}
	}
	return strings.TrimSpace(b.String())
}

// notifyScreened sends n, or holds it when decision flagged the status.
func (f *Federation) notifyScreened(ctx context.Context, tx *store.Tx, d *store.ScreeningDecision, n store.Notification) error {
	if d != nil && d.Decision == screening.DecisionFlag {
		if n.AccountID == n.FromAccountID {
			return nil
		}
		return tx.HoldNotification(ctx, d.ID, n)
	}
	return f.Notify(ctx, tx, n)
}
