package social

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/pictor-social/pictor/activitypub"
	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/store"
)

// Poll limits, Mastodon's defaults (configuration.polls of the instance).
const (
	PollMaxOptions        = 4
	PollMaxOptionChars    = 50
	PollMinExpiration     = 5 * time.Minute
	PollMaxExpiration     = 2629746 * time.Second // one month, as Mastodon
	pollExpirationSeconds = "300 and 2629746"
)

// PollDraft is the poll a user attaches to a new status.
type PollDraft struct {
	Options    []string
	ExpiresIn  time.Duration
	Multiple   bool
	HideTotals bool
}

// expiresIn returns the draft's duration; 0 for no draft.
func (d *PollDraft) expiresIn() time.Duration {
	if d == nil {
		return 0
	}
	return d.ExpiresIn
}

// preparePoll validates a poll draft as Mastodon's PollValidator does; a
// poll cannot come with media.
func (s *Service) preparePoll(d PollDraft, withMedia bool) (store.Poll, error) {
	if withMedia {
		return store.Poll{}, apperr.Invalid("cannot attach both media and a poll to a status")
	}
	if len(d.Options) < 2 {
		return store.Poll{}, apperr.Invalid("a poll must have at least 2 options")
	}
	if len(d.Options) > PollMaxOptions {
		return store.Poll{}, apperr.Invalid("a poll can have at most %d options", PollMaxOptions)
	}
	p := store.Poll{Multiple: d.Multiple, HideTotals: d.HideTotals}
	seen := map[string]bool{}
	for _, o := range d.Options {
		o = strings.TrimSpace(o)
		switch {
		case o == "":
			return store.Poll{}, apperr.Invalid("poll options can't be blank")
		case textLength(o) > PollMaxOptionChars:
			return store.Poll{}, apperr.Invalid("poll options can be at most %d characters", PollMaxOptionChars)
		case seen[o]:
			return store.Poll{}, apperr.Invalid("poll options must be different")
		}
		seen[o] = true
		p.Options = append(p.Options, store.PollOption{Title: o})
	}
	if d.ExpiresIn < PollMinExpiration || d.ExpiresIn > PollMaxExpiration {
		return store.Poll{}, apperr.Invalid("poll duration must be between %s seconds", pollExpirationSeconds)
	}
	return p, nil
}

// storePoll stores a new status's poll, if it has one, ending ttl from now.
func (s *Service) storePoll(ctx context.Context, tx *store.Tx, st store.Status, p *store.Poll, ttl time.Duration) error {
	if p == nil {
		return nil
	}
	p.StatusID, p.ExpiresAt = st.ID, tx.Now().Add(ttl)
	return tx.InsertPoll(ctx, p)
}

// editPoll applies an edit's poll to status st: a new or changed poll
// (other options or choice mode) replaces the old one and its votes, as
// Mastodon resets a poll whose options change; an unchanged one, or none
// sent, keeps the poll as it is. It returns the status's poll afterwards.
func (s *Service) editPoll(ctx context.Context, tx *store.Tx, st store.Status, next *store.Poll, ttl time.Duration) (*store.Poll, error) {
	old, err := existingPoll(ctx, tx, st.ID)
	if err != nil || next == nil {
		return old, err
	}
	if old != nil && old.Multiple == next.Multiple && slices.EqualFunc(old.Options, next.Options,
		func(a, b store.PollOption) bool { return a.Title == b.Title }) {
		return old, nil
	}
	if old != nil {
		if err := tx.DeletePoll(ctx, st.ID); err != nil {
			return nil, err
		}
	}
	return next, s.storePoll(ctx, tx, st, next, ttl)
}

// existingPoll returns a status's poll, or nil when it has none.
func existingPoll(ctx context.Context, tx *store.Tx, statusID int64) (*store.Poll, error) {
	p, err := tx.PollByStatusID(ctx, statusID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// Poll returns the poll of a status the viewer (0: anonymous) may see, or
// apperr.NotFound. A poll's id is its status's id.
func (s *Service) Poll(ctx context.Context, viewer, statusID int64) (store.Poll, error) {
	if _, _, err := s.visibleStatus(ctx, viewer, statusID); err != nil {
		return store.Poll{}, err
	}
	p, err := s.db.PollByStatusID(ctx, statusID)
	if errors.Is(err, store.ErrNotFound) {
		return store.Poll{}, apperr.NotFound("poll not found")
	}
	return p, err
}

// Vote records a local account's choices (option indexes) on a poll and
// returns the poll as it now stands. As Mastodon, it refuses with
// apperr.Invalid an ended poll, one's own poll, a second vote, and choices
// that are empty, out of range or several on a single-choice poll. A vote
// on a remote poll goes to its author as one Create of a Note per choice;
// a vote on a local poll schedules the poll's Update to its audience.
func (s *Service) Vote(ctx context.Context, accountID, statusID int64, choices []int) (store.Poll, error) {
	voter, err := s.localAccount(ctx, accountID)
	if err != nil {
		return store.Poll{}, err
	}
	st, author, err := s.visibleStatus(ctx, accountID, statusID)
	if err != nil {
		return store.Poll{}, err
	}
	var poll store.Poll
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		poll, err = tx.PollByStatusID(ctx, st.ID)
		if errors.Is(err, store.ErrNotFound) {
			return apperr.NotFound("poll not found")
		}
		if err != nil {
			return err
		}
		if err := checkVote(ctx, tx, poll, voter, author, choices); err != nil {
			return err
		}
		if err := s.castVotes(ctx, tx, voter, author, st, poll, choices); err != nil {
			return err
		}
		poll, err = tx.PollByStatusID(ctx, st.ID)
		return err
	})
	return poll, err
}

func checkVote(ctx context.Context, tx *store.Tx, poll store.Poll, voter, author store.Account, choices []int) error {
	switch {
	case poll.Expired(tx.Now()):
		return apperr.Invalid("the poll has already ended")
	case voter.ID == author.ID:
		return apperr.Invalid("you cannot vote in your own poll")
	case len(choices) == 0:
		return apperr.Invalid("choose at least one option")
	case !poll.Multiple && len(choices) > 1:
		return apperr.Invalid("this poll allows one choice only")
	}
	for i, c := range choices {
		if c < 0 || c >= len(poll.Options) {
			return apperr.Invalid("choice %d is not an option of this poll", c)
		}
		if slices.Contains(choices[:i], c) {
			return apperr.Invalid("choice %d is given twice", c)
		}
	}
	prior, err := tx.PollChoices(ctx, voter.ID, []int64{poll.StatusID})
	if err != nil {
		return err
	}
	if len(prior[poll.StatusID]) > 0 {
		return apperr.Invalid("you have already voted on this poll")
	}
	return nil
}

// castVotes stores the votes and queues what federates them.
func (s *Service) castVotes(ctx context.Context, tx *store.Tx, voter, author store.Account, st store.Status, poll store.Poll, choices []int) error {
	for _, c := range choices {
		v := store.PollVote{ID: tx.NewID(tx.Now()), StatusID: st.ID, AccountID: voter.ID, Choice: c}
		v.URI = activitypub.VoteURI(voter, v.ID)
		v.CreatedAt = tx.Now()
		if _, err := tx.InsertPollVote(ctx, &v); err != nil {
			return err
		}
		if author.Local() {
			continue
		}
		act := activitypub.CreateVote(voter, v, poll.Options[c].Title, st.URI, author.URI)
		if err := s.fed.Enqueue(ctx, tx, voter, act.ID, "Create", act, []string{author.InboxURI}); err != nil {
			return err
		}
	}
	s.publishStatus(tx, "poll", st.ID)
	if !author.Local() || poll.HideTotals {
		return nil
	}
	return tx.SchedulePollUpdate(ctx, st.ID, tx.Now().Add(s.fed.PollUpdateDelay()))
}
