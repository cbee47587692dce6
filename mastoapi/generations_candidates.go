package mastoapi

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/genimage"
	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/store"
)

// Variants (issue 12). A job asks for 1-4 images with "n" (default: the
// server's [generation] variants). A Generation lists each image it made in
// "candidates", and the requester posts one or several of them:
//
//	POST /api/v1/pictor/generations/{id}/post
//	    candidate_ids[]   the picked candidates' ids, in post order (1-4)
//	    descriptions[]    alt text per picked candidate, in the same order;
//	                      or descriptions[<candidate id>] (a JSON object);
//	                      an empty or missing one keeps the prefilled alt text
//	    status, spoiler_text, sensitive, visibility, language, in_reply_to_id
//	→ 200 Status, with the AI label line added to the text (the prompt when
//	  status is empty)
//
// A candidate's id is its media attachment's id, so POST /api/v1/statuses
// with media_ids takes it too. Candidates never posted are deleted
// [generation] candidates_keep after they were made; expires_at says when.

// GenerationCandidate is one image of a generation job: a MediaAttachment
// plus its place in the job and whether it was posted.
type GenerationCandidate struct {
	MediaAttachment
	Position  int     `json:"position"`
	StatusID  *string `json:"status_id"`  // the status it was posted in; null while unpicked
	ExpiresAt *string `json:"expires_at"` // when it is deleted if still unpicked; null once posted
}

// maxCandidateForm bounds the post form: four alt texts and a status.
const maxCandidateForm = 64 << 10

// candidates lists job j's images for the entity.
func (g generations) candidates(ctx context.Context, j store.Job) ([]GenerationCandidate, error) {
	list, err := g.gen.Candidates(ctx, j)
	if err != nil {
		return nil, err
	}
	out := make([]GenerationCandidate, 0, len(list))
	keep := g.gen.Options().CandidatesKeep
	for _, c := range list {
		e := GenerationCandidate{MediaAttachment: g.h.mediaEntity(c.Media), Position: c.Position}
		if c.Picked() {
			id := store.FormatID(c.Media.StatusID)
			e.StatusID = &id
		} else {
			exp := c.CreatedAt.Add(keep).UTC().Format("2006-01-02T15:04:05.000Z")
			e.ExpiresAt = &exp
		}
		out = append(out, e)
	}
	return out, nil
}

// post publishes picked candidates of the caller's job in one status.
func (g generations) post(w http.ResponseWriter, r *http.Request) error {
	me, err := g.h.user(r, auth.ScopeWriteStatuses)
	if err != nil {
		return err
	}
	j, err := g.own(r, me.AccountID)
	if err != nil {
		return err
	}
	p, err := readParams(w, r, min(g.h.opts.MaxBodyBytes, maxCandidateForm))
	if err != nil {
		return err
	}
	picks, err := candidatePicks(p)
	if err != nil {
		return err
	}
	var reply int64
	if s := p.str("in_reply_to_id"); s != "" {
		var ok bool
		if reply, ok = store.ParseID(s); !ok {
			return apperr.Invalid("in_reply_to_id is not a status id")
		}
	}
	st, err := g.gen.PostCandidates(r.Context(), me.AccountID, j.ID, genimage.CandidatePost{Picks: picks,
		Text: strings.TrimSpace(p.str("status")), SpoilerText: strings.TrimSpace(p.str("spoiler_text")),
		Sensitive: p.boolean("sensitive"), Visibility: p.str("visibility"), Language: p.str("language"),
		InReplyToID: reply})
	if err != nil {
		return err
	}
	e, err := g.h.statusEntity(r.Context(), me.AccountID, st)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, e)
}

// candidatePicks reads candidate_ids[] with descriptions[] (same order) or
// descriptions[<id>].
func candidatePicks(p params) ([]genimage.Pick, error) {
	ids, err := p.ids("candidate_ids")
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, apperr.Invalid("candidate_ids: pick at least one of the generated images")
	}
	ordered := p.v["descriptions[]"]
	picks := make([]genimage.Pick, len(ids))
	for i, id := range ids {
		picks[i].MediaID = id
		if d, ok := p.v["descriptions["+store.FormatID(id)+"]"]; ok && len(d) > 0 {
			picks[i].Description = strings.TrimSpace(d[0])
		} else if i < len(ordered) {
			picks[i].Description = strings.TrimSpace(ordered[i])
		}
	}
	return picks, nil
}

// countParam reads "n", the number of images a job makes; 0 when not sent.
func countParam(p params) (int, error) {
	s := p.str("n")
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > genimage.MaxVariants {
		return 0, apperr.Invalid("n must be a number of images from 1 to %d", genimage.MaxVariants)
	}
	return n, nil
}

// GenerationImages are the Generation fields of variants.
type GenerationImages struct {
	N          int                   `json:"n"`          // images asked for
	Candidates []GenerationCandidate `json:"candidates"` // the images made that still exist, in order
}
