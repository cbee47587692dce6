package web

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/gorilla/mux"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/store"
)

// pollView is a status's poll as the pages show it: result bars always
// (unless the totals are hidden until the end), and a vote form for a
// signed-in visitor who may still vote.
type pollView struct {
	Options     []pollOptionView
	VotesCount  int64
	VotersCount int64
	Multiple    bool
	Expired     bool
	ShowTotals  bool
	ExpiresAt   time.Time
	Voted       bool // the visitor voted
	CanVote     bool // the visitor may vote now
}

// pollOptionView is one option with its share of the votes.
type pollOptionView struct {
	Index   int
	Title   string
	Votes   int64
	Percent int
	Own     bool // the visitor chose it
}

// newPollView renders p as anyone sees it.
func newPollView(p store.Poll, now time.Time) *pollView {
	v := &pollView{VotesCount: p.VotesCount(), VotersCount: p.VotersCount, Multiple: p.Multiple,
		Expired: p.Expired(now), ExpiresAt: p.ExpiresAt}
	v.ShowTotals = v.Expired || !p.HideTotals
	// Shares are of voters for multiple choice (as Mastodon shows them), so
	// the bars of one voter's several choices can each be full.
	base := v.VotesCount
	if p.Multiple && p.VotersCount > 0 {
		base = p.VotersCount
	}
	for i, o := range p.Options {
		ov := pollOptionView{Index: i, Title: o.Title, Votes: o.VotesCount}
		if base > 0 {
			ov.Percent = int(min(100, (o.VotesCount*100+base/2)/base))
		}
		v.Options = append(v.Options, ov)
	}
	return v
}

// attachPolls adds their polls to the views of list (same order).
func (h *Handler) attachPolls(ctx context.Context, views []statusView, ids []int64) error {
	polls, err := h.db.PollsByStatusIDs(ctx, ids)
	if err != nil || len(polls) == 0 {
		return err
	}
	now := h.db.Now()
	for i := range views {
		id, ok := store.ParseID(views[i].ID)
		if p, has := polls[id]; ok && has {
			views[i].Poll = newPollView(p, now)
		}
	}
	return nil
}

// visitorPoll marks the visitor's own choices on the post page's poll and
// whether the visitor may vote (not the author, not voted, not ended).
func (h *Handler) visitorPoll(ctx context.Context, s *statusView, v *visitor, isMine bool) error {
	if s.Poll == nil || !v.SignedIn {
		return nil
	}
	id, _ := store.ParseID(s.ID)
	own, err := h.db.PollChoices(ctx, v.Account.ID, []int64{id})
	if err != nil {
		return err
	}
	for i := range s.Poll.Options {
		s.Poll.Options[i].Own = slices.Contains(own[id], s.Poll.Options[i].Index)
	}
	s.Poll.Voted = len(own[id]) > 0
	s.Poll.CanVote = !isMine && !s.Poll.Voted && !s.Poll.Expired
	return nil
}

// vote serves POST /@{name}/{id}/vote: a signed-in visitor's choice (or
// choices) on the post's poll, then back to the poll.
func (h *Handler) vote(w http.ResponseWriter, r *http.Request, v *visitor) error {
	st, author, err := h.visibleStatus(r.Context(), v, mux.Vars(r)["name"], mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	var choices []int
	for _, s := range r.PostForm["choice"] {
		c, err := strconv.Atoi(s)
		if err != nil {
			return apperr.Invalid("Choose one of the poll's options.")
		}
		choices = append(choices, c)
	}
	if _, err := h.social.Vote(r.Context(), v.Account.ID, st.ID, choices); err != nil {
		return err
	}
	http.Redirect(w, r, "/@"+author.Username+"/"+store.FormatID(st.ID)+"#poll", http.StatusSeeOther)
	return nil
}
