package genimage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// generate calls the backend within the timeout, runs each image through
// the media pipeline (the provider's bytes kept verbatim as the original)
// and records the media and usage on the job.
func (s *Service) generate(ctx context.Context, j *store.Job) error {
	gctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	req := Request{Prompt: j.Prompt, NegativePrompt: j.NegativePrompt, Seed: j.Seed, Size: j.Size,
		N: max(j.ImageCount, 1), User: fmt.Sprintf("pictor-%d", j.AccountID)}
	res, err := s.render(gctx, j, req, func(p Progress) {
		e := Event{State: store.JobRunning, Stage: p.Stage, Fraction: p.Fraction}
		if p.Partial != nil {
			e.PreviewSeq = s.keepPreview(j.ID, *p.Partial)
			e.HasPartial = e.PreviewSeq > 0
		}
		s.publish(*j, e)
	})
	s.dropPreview(j.ID) // the images are in, or the run failed: either way the preview is stale
	if err != nil {
		if gctx.Err() != nil && ctx.Err() == nil {
			return fmt.Errorf("%w: %w", errTimeout, err)
		}
		return err
	}
	if len(res.Images) == 0 {
		return &jobError{kind: store.JobError, msg: "The image generator returned no image. Please try again."}
	}
	prov := res.Provenance
	if prov.Backend == "" {
		prov.Backend, prov.Model = s.backend.Name(), s.backend.Model()
	}
	out := store.JobOutput{Backend: prov.Backend, Model: prov.Model, RevisedPrompt: res.RevisedPrompt,
		InputTokens: res.Usage.InputTokens, OutputTokens: res.Usage.OutputTokens, TotalTokens: res.Usage.TotalTokens,
		CostUnits: len(res.Images)}
	s.filesMu.RLock() // until the media rows reference the files (see sweepBatch)
	defer s.filesMu.RUnlock()
	for _, img := range res.Images {
		m, err := s.social.UploadMedia(ctx, j.AuthorID, bytes.NewReader(img.Data), social.MediaInput{
			Description: AltText(prov, j.Prompt), Generated: true, GeneratorBackend: prov.Backend,
			GeneratorModel: prov.Model, Prompt: j.Prompt, RevisedPrompt: res.RevisedPrompt})
		if err != nil {
			if e, ok := apperr.As(err); ok {
				return &jobError{kind: store.JobError, cause: err,
					msg: "The image generator returned an image this server cannot use (" + e.Message + "). Please try again."}
			}
			return fmt.Errorf("store generated image: %w", err)
		}
		out.MediaIDs = append(out.MediaIDs, m.ID)
	}
	err = s.write(ctx, func(ctx context.Context, tx *store.Tx) error {
		if err := tx.SetJobOutput(ctx, j.ID, out); err != nil {
			return err
		}
		if err := tx.InsertCandidates(ctx, j.ID, out.MediaIDs); err != nil {
			return err
		}
		return s.recordRemixMedia(ctx, tx, j.ID, out.MediaIDs)
	})
	if err != nil {
		return err
	}
	j.MediaIDs, j.Backend, j.Model, j.RevisedPrompt = out.MediaIDs, out.Backend, out.Model, out.RevisedPrompt
	j.InputTokens, j.OutputTokens, j.TotalTokens, j.CostUnits = out.InputTokens, out.OutputTokens, out.TotalTokens, out.CostUnits
	return nil
}

// post publishes the job's status with its images. It is idempotent: the
// media are attached in the same transaction that creates the status, so
// attached media mean an earlier run already posted, and that status is
// returned instead of a second one.
func (s *Service) post(ctx context.Context, j store.Job) (int64, error) {
	first, err := s.db.MediaByID(ctx, j.MediaIDs[0])
	if err != nil {
		return 0, fmt.Errorf("job media: %w", err)
	}
	if first.StatusID != 0 {
		return first.StatusID, nil
	}
	d := social.Draft{SpoilerText: j.Draft.SpoilerText, Sensitive: j.Draft.Sensitive,
		Visibility: j.Draft.Visibility, Language: j.Draft.Language, InReplyToID: j.Draft.InReplyToID, MediaIDs: j.MediaIDs}
	prov := providerOf(j)
	if j.Kind == store.JobReply && j.Draft.Text != "" {
		d.Text = s.postText("", j.Draft.Text, prov) // composed by the bot that handed the request over
	} else if j.Kind == store.JobReply {
		prefix, err := s.social.MentionPrefix(ctx, j.AccountID)
		if err != nil {
			return 0, err
		}
		d.Text = s.postText(prefix, social.Defuse(j.Prompt), prov)
	} else {
		body := j.Draft.Text
		if body == "" {
			body = j.Prompt
		}
		d.Text = s.postText("", body, prov)
	}
	st, err := s.social.CreateStatus(ctx, j.AuthorID, d)
	if err != nil {
		return 0, err
	}
	return st.ID, nil
}

// errTimeout marks a generation that ran past Options.Timeout.
var errTimeout = errors.New("generation timed out")

// jobError is a failure with a message for the user.
type jobError struct {
	kind  string // store.JobRefused, JobTimeout or JobError
	msg   string
	cause error
}

func (e *jobError) Error() string { return e.msg }
func (e *jobError) Unwrap() error { return e.cause }

// classify turns any error from a run into the user-facing failure stored
// on the job. Internal details stay in the log.
func classify(err error, timeout time.Duration) *jobError {
	var je *jobError
	var ref *RefusalError
	switch {
	case errors.As(err, &je):
		return je
	case errors.As(err, &ref):
		return &jobError{kind: store.JobRefused, msg: ref.Error(), cause: err}
	case errors.Is(err, errTimeout):
		return &jobError{kind: store.JobTimeout, cause: err,
			msg: "The image generator did not answer within " + timeout.String() + ". Please try again later."}
	}
	if e, ok := apperr.As(err); ok {
		return &jobError{kind: store.JobError, msg: e.Message, cause: err}
	}
	return &jobError{kind: store.JobError, cause: err,
		msg: "The image could not be generated because of a server error. Please try again later."}
}
