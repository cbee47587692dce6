package activitypub

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pictor-social/pictor/store"
)

// Bounds on a remote Question kept as a poll: Mastodon's own limits are
// far lower, and no server sends more than a few dozen options.
const (
	maxRemotePollOptions = 32
	maxRemoteOptionChars = 500
)

// PollUpdateDelay returns how long an Update of a local poll waits for more
// votes (Options.PollUpdateDelay).
func (f *Federation) PollUpdateDelay() time.Duration { return f.opts.PollUpdateDelay }

// pollOf reads the poll of a remote Question: oneOf for single, anyOf for
// multiple choice, each option's replies.totalItems as its count, endTime
// (else closed) as the end, votersCount as the voters (Mastodon's shape,
// interop.md A.6). ok is false for anything that is not a poll.
func pollOf(o Object) (store.Poll, bool) {
	if o.Type != "Question" {
		return store.Poll{}, false
	}
	opts, multiple := o.OneOf, false
	if len(opts) == 0 {
		opts, multiple = o.AnyOf, true
	}
	if len(opts) == 0 {
		return store.Poll{}, false
	}
	p := store.Poll{Multiple: multiple, ExpiresAt: o.EndTime.Time}
	if p.ExpiresAt.IsZero() && o.Closed.Closed {
		p.ExpiresAt = o.Closed.At
	}
	var sum, most int
	for _, q := range opts {
		if len(p.Options) == maxRemotePollOptions {
			break
		}
		title := strings.TrimSpace(q.Name)
		if title == "" {
			continue
		}
		if utf8.RuneCountInString(title) > maxRemoteOptionChars {
			title = string([]rune(title)[:maxRemoteOptionChars])
		}
		n := q.Votes()
		sum, most = sum+n, max(most, n)
		p.Options = append(p.Options, store.PollOption{Title: title, VotesCount: int64(n)})
	}
	if len(p.Options) == 0 {
		return store.Poll{}, false
	}
	switch {
	case o.VotersCount != nil && *o.VotersCount >= 0:
		p.VotersCount = int64(*o.VotersCount)
	case !multiple:
		p.VotersCount = int64(sum) // one vote per voter
	default:
		p.VotersCount = int64(most) // a lower bound
	}
	return p, true
}

// storeRemotePoll stores or refreshes the poll of remote status st.
func storeRemotePoll(ctx context.Context, tx *store.Tx, st store.Status, o Object) error {
	p, ok := pollOf(o)
	if !ok {
		return nil
	}
	p.StatusID = st.ID
	return tx.RefreshRemotePoll(ctx, p)
}

// refreshRemotePoll applies an Update of a known remote Question that
// carries no `updated`: only the counts and the end change, as Mastodon
// refreshes a poll without treating it as an edit.
func (f *Federation) refreshRemotePoll(ctx context.Context, actor store.Account, o Object) error {
	if _, ok := pollOf(o); !ok {
		return nil
	}
	return f.db.Write(ctx, func(tx *store.Tx) error {
		st, err := tx.StatusByURI(ctx, o.ID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && (st.AccountID != actor.ID || !st.DeletedAt.IsZero())) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := storeRemotePoll(ctx, tx, st, o); err != nil {
			return err
		}
		f.PublishStatus(tx, "poll", st.ID)
		return nil
	})
}

// isVote reports whether o is a vote on a local poll: an object whose name
// is one of the options of the local poll it replies to (Mastodon's test).
// Votes are never stored as statuses; any other reply is a status.
func (f *Federation) isVote(ctx context.Context, o Object) (store.Status, bool, error) {
	if o.Name == "" || o.InReplyTo.ID() == "" || !f.IsLocalURI(o.InReplyTo.ID()) {
		return store.Status{}, false, nil
	}
	st, err := f.db.StatusByURI(ctx, o.InReplyTo.ID())
	if errors.Is(err, store.ErrNotFound) {
		return store.Status{}, false, nil
	}
	if err != nil {
		return store.Status{}, false, err
	}
	poll, err := f.db.PollByStatusID(ctx, st.ID)
	if errors.Is(err, store.ErrNotFound) {
		return store.Status{}, false, nil
	} else if err != nil {
		return store.Status{}, false, err
	}
	return st, st.Local && st.DeletedAt.IsZero() && pollChoice(poll, o.Name) >= 0, nil
}

// pollChoice returns the index of the option titled name, or -1.
func pollChoice(p store.Poll, name string) int {
	name = strings.TrimSpace(name)
	for i, opt := range p.Options {
		if opt.Title == name {
			return i
		}
	}
	return -1
}

// applyVote records a remote actor's vote on a local poll: the option named
// by the Note, only before the end, once per option, and only one option
// for a single-choice poll. Anything else is dropped, as Mastodon does. A
// counted vote schedules the poll's Update (unless totals are hidden).
func (f *Federation) applyVote(ctx context.Context, actor store.Account, o Object, st store.Status) error {
	return f.db.Write(ctx, func(tx *store.Tx) error {
		poll, err := tx.PollByStatusID(ctx, st.ID)
		if err != nil {
			return err
		}
		if poll.Expired(tx.Now()) || st.AccountID == actor.ID {
			return nil
		}
		choice := pollChoice(poll, o.Name)
		if choice < 0 {
			return nil
		}
		if !poll.Multiple {
			prior, err := tx.PollChoices(ctx, actor.ID, []int64{st.ID})
			if err != nil || len(prior[st.ID]) > 0 {
				return err
			}
		}
		counted, err := tx.InsertPollVote(ctx, &store.PollVote{StatusID: st.ID, AccountID: actor.ID, Choice: choice, URI: o.ID})
		if err != nil || !counted {
			return err
		}
		f.PublishStatus(tx, "poll", st.ID)
		if poll.HideTotals {
			return nil
		}
		return tx.SchedulePollUpdate(ctx, st.ID, tx.Now().Add(f.opts.PollUpdateDelay))
	})
}

// renderQuestion turns a rendered note into the Question of its poll.
func renderQuestion(o *Object, p store.Poll, now time.Time) {
	o.Type = "Question"
	opts := make([]QuestionOption, len(p.Options))
	for i, opt := range p.Options {
		opts[i] = QuestionOption{Type: "Note", Name: opt.Title,
			Replies: &OptionVotes{Type: "Collection", TotalItems: int(opt.VotesCount)}}
	}
	if p.Multiple {
		o.AnyOf = opts
	} else {
		o.OneOf = opts
	}
	o.EndTime = TimeOf(p.ExpiresAt)
	if p.Expired(now) {
		o.Closed = ClosedAt{At: p.ExpiresAt, Closed: true}
	}
	n := int(p.VotersCount)
	o.VotersCount = &n
}

// VoteURI returns the id of a local account's vote, which Mastodon forms
// as the actor id plus "#votes/<id>".
func VoteURI(voter store.Account, voteID int64) string {
	return voter.URI + "#votes/" + itoa(voteID)
}

// CreateVote renders a local vote on a remote poll as Mastodon sends it: a
// Create of a Note whose name is the option's title, in reply to the
// Question, addressed to the poll's author only.
func CreateVote(voter store.Account, v store.PollVote, title, questionURI, pollAuthorURI string) activityDoc {
	note := Object{ID: v.URI, Type: "Note", Name: title, AttributedTo: IRI(voter.URI), InReplyTo: IRI(questionURI),
		To: IRIs{pollAuthorURI}}
	p := TimeOf(v.CreatedAt)
	return activityDoc{Context: Context(), ID: v.URI + "/activity", Type: "Create", Actor: voter.URI, Published: &p,
		To: IRIs{pollAuthorURI}, Object: voteNote{Object: note}}
}

// voteNote encodes a vote Note without the `sensitive` flag an Object
// always carries, which a vote has no use for.
type voteNote struct{ Object }

// MarshalJSON implements json.Marshaler.
func (v voteNote) MarshalJSON() ([]byte, error) {
	type wire struct {
		ID           string      `json:"id"`
		Type         TypeName    `json:"type"`
		Name         string      `json:"name"`
		AttributedTo IRIOrObject `json:"attributedTo,omitzero"`
		InReplyTo    IRIOrObject `json:"inReplyTo,omitzero"`
		To           IRIs        `json:"to,omitempty"`
	}
	return Marshal(wire{ID: v.ID, Type: v.Type, Name: v.Name, AttributedTo: v.AttributedTo, InReplyTo: v.InReplyTo, To: v.To})
}

// FetchPoll fetches remote status st's Question again and refreshes its
// poll; Mastodon does so when a poll local accounts voted in ends, so that
// they are told the final results.
func (f *Federation) FetchPoll(ctx context.Context, st store.Status) error {
	body, err := f.Get(ctx, st.URI)
	if err != nil {
		return err
	}
	o, err := ParseObject(body)
	if err != nil {
		return err
	}
	if o.ID != st.URI {
		return permanent("poll %s: document id is %q", st.URI, o.ID)
	}
	author, err := f.db.AccountByID(ctx, st.AccountID)
	if err != nil {
		return err
	}
	if err := f.checkAuthor(author, o); err != nil {
		return err
	}
	return f.refreshRemotePoll(ctx, author, o)
}
