package genimage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// Variants (issue 12)
//
// A job asks for 1 to MaxVariants images (SubmitRequest.N, default
// Options.Variants). Every image it makes is a candidate (store.Candidate):
// an unattached media attachment of the job's author. Post and reply jobs
// publish all of them in one status; draft jobs (the web composer, the job
// API) wait for the requester to pick one or several with PostCandidates.
// Candidates never picked are deleted with their files Options.CandidatesKeep
// after they were made (SweepCandidates, run by Run).

// MaxVariants is the most images one job may ask for: the most a status may
// carry, as on Mastodon.
const MaxVariants = 4

// DefaultCandidatesKeep is how long unpicked candidates are kept by default.
const DefaultCandidatesKeep = 72 * time.Hour

// sweepBatch is how many candidates one sweep transaction deletes.
const sweepBatch = 200

// checkCount fills req.N with the default and checks its range.
func (s *Service) checkCount(req *SubmitRequest) error {
	if req.N == 0 {
		req.N = s.opts.Variants
	}
	if req.N < 1 || req.N > MaxVariants {
		return apperr.Invalid("a job makes 1 to %d images", MaxVariants)
	}
	return nil
}

// Candidates returns the images job j made that still exist, in order.
// Jobs made before candidates were recorded list their media instead.
func (s *Service) Candidates(ctx context.Context, j store.Job) ([]store.Candidate, error) {
	list, err := s.db.CandidatesOf(ctx, j.ID)
	if err != nil || len(list) > 0 {
		return list, err
	}
	for i, id := range j.MediaIDs {
		m, err := s.db.MediaByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		list = append(list, store.Candidate{JobID: j.ID, Position: i, CreatedAt: m.CreatedAt, Media: m})
	}
	return list, nil
}

// Pick is one candidate chosen for a post. An empty Description keeps the
// prefilled alt text.
type Pick struct {
	MediaID     int64
	Description string
}

// CandidatePost is a post made from candidates of a draft job: the picked
// images in the order given, and the post's text (the prompt when empty),
// to which the AI label line is added.
type CandidatePost struct {
	Picks       []Pick
	Text        string
	SpoilerText string
	Sensitive   bool
	Visibility  string
	Language    string
	InReplyToID int64
}

// PostCandidates publishes the picked candidates of accountID's draft job
// jobID in one status, each with its own alt text. Errors are apperr
// values: NotFound for a job that is not accountID's, Conflict while the
// job is not done, Invalid for no pick, more than MaxVariants, a repeated
// pick, an image that is not an unposted candidate of the job or an empty
// alt text, and social.CreateStatus's own.
func (s *Service) PostCandidates(ctx context.Context, accountID int64, jobID string, p CandidatePost) (store.Status, error) {
	j, err := s.db.JobByID(ctx, jobID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (j.AccountID != accountID || j.Kind != store.JobDraft)) {
		return store.Status{}, apperr.NotFound("generation not found")
	}
	if err != nil {
		return store.Status{}, err
	}
	if j.State != store.JobDone {
		return store.Status{}, apperr.Conflict("this generation is not ready yet")
	}
	ids, err := s.checkPicks(ctx, j, p.Picks)
	if err != nil {
		return store.Status{}, err
	}
	for _, pk := range p.Picks {
		if pk.Description == "" {
			continue
		}
		if _, err := s.social.UpdateMedia(ctx, j.AuthorID, pk.MediaID, pk.Description, 0, 0); err != nil {
			return store.Status{}, err
		}
	}
	body := p.Text
	if body == "" {
		body = j.Prompt
	}
	return s.social.CreateStatus(ctx, j.AuthorID, social.Draft{Text: s.postText("", body, providerOf(j)),
		SpoilerText: p.SpoilerText, Sensitive: p.Sensitive || p.SpoilerText != "", Visibility: p.Visibility,
		Language: p.Language, InReplyToID: p.InReplyToID, MediaIDs: ids})
}

// checkPicks validates picks against job j's candidates and returns their
// media ids in order.
func (s *Service) checkPicks(ctx context.Context, j store.Job, picks []Pick) ([]int64, error) {
	switch {
	case len(picks) == 0:
		return nil, apperr.Invalid("pick at least one of the generated images")
	case len(picks) > MaxVariants:
		return nil, apperr.Invalid("a post can carry at most %d images", MaxVariants)
	}
	cands, err := s.Candidates(ctx, j)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, pk := range picks {
		i := slices.IndexFunc(cands, func(c store.Candidate) bool { return c.Media.ID == pk.MediaID })
		switch {
		case i < 0:
			return nil, apperr.Invalid("image %s is not one of this generation's images (unpicked ones are deleted after %s)",
				store.FormatID(pk.MediaID), s.opts.CandidatesKeep)
		case cands[i].Picked():
			return nil, apperr.Invalid("image %s was already posted", store.FormatID(pk.MediaID))
		case slices.Contains(ids, pk.MediaID):
			return nil, apperr.Invalid("image %s is picked twice", store.FormatID(pk.MediaID))
		case pk.Description == "" && cands[i].Media.Description == "":
			return nil, apperr.Invalid("describe each picked image for people who cannot see it (alt text)")
		}
		ids = append(ids, pk.MediaID)
	}
	return ids, nil
}

// SweepResult counts what SweepCandidates deleted.
type SweepResult struct {
	Candidates int // unpicked candidates (media rows) deleted
	Files      int // files deleted from disk
}

// SweepCandidates deletes the candidates made more than
// Options.CandidatesKeep ago that were never posted, with their media rows,
// and then each of their files that no row references any more (files are
// content-addressed: a posted image or an avatar may share one).
func (s *Service) SweepCandidates(ctx context.Context) (SweepResult, error) {
	var res SweepResult
	cutoff := s.db.Now().Add(-s.opts.CandidatesKeep)
	for ctx.Err() == nil {
		n, files, err := s.sweepBatch(ctx, cutoff)
		res.Candidates += n
		res.Files += files
		if err != nil || n < sweepBatch {
			return res, err
		}
	}
	return res, ctx.Err()
}

func (s *Service) sweepBatch(ctx context.Context, cutoff time.Time) (int, int, error) {
	// Held against generate's uploads: a file it is about to reference again
	// (the same seed draws the same bytes) must not be deleted in between.
	s.filesMu.Lock()
	defer s.filesMu.Unlock()
	var names []string
	var rows int
	err := s.db.Write(ctx, func(tx *store.Tx) (err error) {
		rows, names, err = tx.DeleteUnpickedCandidates(ctx, cutoff, sweepBatch)
		return err
	})
	if err != nil {
		return 0, 0, fmt.Errorf("sweep candidates: %w", err)
	}
	deleted := 0
	for _, name := range dedupe(names) {
		used, err := s.db.MediaFileReferenced(ctx, name)
		if err != nil {
			return rows, deleted, err
		}
		if used || s.files == nil {
			continue
		}
		if err := s.files.Delete(ctx, name); err != nil {
			return rows, deleted, err
		}
		deleted++
	}
	return rows, deleted, nil
}

func dedupe(names []string) []string {
	slices.Sort(names)
	return slices.Compact(names)
}

// sweepEvery is how often Run sweeps candidates: hourly, or more often when
// they are kept for less than two hours.
func (s *Service) sweepEvery() time.Duration {
	return min(time.Hour, max(s.opts.CandidatesKeep/2, time.Minute))
}

// runSweep sweeps candidates now and then every sweepEvery until ctx ends.
func (s *Service) runSweep(ctx context.Context) {
	t := time.NewTicker(s.sweepEvery())
	defer t.Stop()
	for {
		res, err := s.SweepCandidates(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			s.log.Warn("sweep generation candidates", "err", err)
		case res.Candidates > 0:
			s.log.Info("swept unpicked generation candidates", "candidates", res.Candidates, "files", res.Files)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
