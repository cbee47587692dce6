package mastoapi

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// Routes of this file:
//
//	GET  /api/v1/polls/{id}        → Poll
//	POST /api/v1/polls/{id}/votes  → Poll (choices[])
//
// A poll's id is its status's id.

// Poll is Mastodon's Poll entity.
type Poll struct {
	ID          string       `json:"id"`
	ExpiresAt   *Time        `json:"expires_at"`
	Expired     bool         `json:"expired"`
	Multiple    bool         `json:"multiple"`
	VotesCount  int64        `json:"votes_count"`
	VotersCount *int64       `json:"voters_count"`
	Options     []PollOption `json:"options"`
	Emojis      []Emoji      `json:"emojis"`
	Voted       *bool        `json:"voted,omitempty"`     // only for a signed-in viewer
	OwnVotes    *[]int       `json:"own_votes,omitempty"` // only for a signed-in viewer
}

// PollOption is one option of a Poll; votes_count is null while the totals
// are hidden.
type PollOption struct {
	Title      string `json:"title"`
	VotesCount *int64 `json:"votes_count"`
}

// pollDraftOf reads poll[options][], poll[expires_in], poll[multiple] and
// poll[hide_totals]; nil when no poll was sent.
func pollDraftOf(p params) (*social.PollDraft, error) {
	opts := p.list("poll[options]")
	if len(opts) == 0 && !p.has("poll[expires_in]") {
		return nil, nil
	}
	d := &social.PollDraft{Options: opts, Multiple: p.boolean("poll[multiple]"), HideTotals: p.boolean("poll[hide_totals]")}
	raw := strings.TrimSpace(p.str("poll[expires_in]"))
	secs, err := strconv.ParseFloat(raw, 64)
	if err != nil || secs <= 0 || secs > 1e9 {
		return nil, apperr.Invalid("poll[expires_in] must be a number of seconds")
	}
	d.ExpiresIn = time.Duration(secs) * time.Second
	return d, nil
}

// pollEntity renders p for viewer (0: anonymous) whose choices are own.
func pollEntity(p store.Poll, viewer int64, own []int, now time.Time) *Poll {
	e := &Poll{ID: store.FormatID(p.StatusID), ExpiresAt: timePtr(p.ExpiresAt), Expired: p.Expired(now),
		Multiple: p.Multiple, VotesCount: p.VotesCount(), Options: make([]PollOption, len(p.Options)), Emojis: []Emoji{}}
	voters := p.VotersCount
	e.VotersCount = &voters
	show := e.Expired || !p.HideTotals
	for i, o := range p.Options {
		e.Options[i].Title = o.Title
		if show {
			n := o.VotesCount
			e.Options[i].VotesCount = &n
		}
	}
	if !show {
		e.VotesCount, e.VotersCount = 0, nil
	}
	if viewer != 0 {
		voted := len(own) > 0
		e.Voted = &voted
		mine := append([]int{}, own...)
		e.OwnVotes = &mine
	}
	return e
}

// loadPolls adds the polls of all and the viewer's choices to d.
// The polls come with the statuses' extras (the store's status cache).
func (h *Handler) loadPolls(ctx context.Context, d *statusData, all []int64) error {
	var err error
	for _, id := range all {
		if p := d.extras[id].Poll; p != nil {
			if d.polls == nil {
				d.polls = map[int64]store.Poll{}
			}
			d.polls[id] = *p
		}
	}
	if len(d.polls) == 0 {
		return nil
	}
	ids := make([]int64, 0, len(d.polls))
	for id := range d.polls {
		ids = append(ids, id)
	}
	d.pollChoices, err = h.db.PollChoices(ctx, d.viewer, ids)
	d.now = h.db.Now()
	return err
}

// statusPoll renders the poll of status id from d, or nil.
func (d *statusData) statusPoll(id int64) *Poll {
	p, ok := d.polls[id]
	if !ok {
		return nil
	}
	return pollEntity(p, d.viewer, d.pollChoices[id], d.now)
}

// getPoll is GET /api/v1/polls/:id.
func (h *Handler) getPoll(w http.ResponseWriter, r *http.Request) error {
	viewer, err := h.viewer(r, auth.ScopeReadStatuses)
	if err != nil {
		return err
	}
	id, err := pathID(mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	p, err := h.social.Poll(r.Context(), viewer, id)
	if err != nil {
		return err
	}
	return h.writePoll(r.Context(), w, viewer, p)
}

// votePoll is POST /api/v1/polls/:id/votes with choices[] (option indexes).
func (h *Handler) votePoll(w http.ResponseWriter, r *http.Request) error {
	g, err := h.user(r, auth.ScopeWriteStatuses)
	if err != nil {
		return err
	}
	id, err := pathID(mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	p, err := readParams(w, r, h.opts.MaxBodyBytes)
	if err != nil {
		return err
	}
	var choices []int
	for _, s := range p.list("choices") {
		c, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return apperr.Invalid("choices must be option indexes")
		}
		choices = append(choices, c)
	}
	poll, err := h.social.Vote(r.Context(), g.AccountID, id, choices)
	if err != nil {
		return err
	}
	return h.writePoll(r.Context(), w, g.AccountID, poll)
}

func (h *Handler) writePoll(ctx context.Context, w http.ResponseWriter, viewer int64, p store.Poll) error {
	own, err := h.db.PollChoices(ctx, viewer, []int64{p.StatusID})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, pollEntity(p, viewer, own[p.StatusID], h.db.Now()))
}
