package genimage

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/store"
)

// Sources of a prompt, recorded in the moderation log.
const (
	SourceAPI     = "api"     // the generation job API of front ends
	SourceImagine = "imagine" // the /imagine command in a status
	SourceBot     = "bot"     // a mention of the generator bot
	SourceCLI     = "cli"     // pictor imagine
)

// SubmitRequest asks for one generation.
type SubmitRequest struct {
	AccountID      int64  // requester; must be local unless Kind is store.JobReply
	Kind           string // store.JobPost, store.JobDraft or store.JobReply
	Prompt         string
	NegativePrompt string
	Seed           int64  // 0 picks a random seed, stored so a re-run repeats it
	Size           string // "" means the configured default
	N              int    // images to make, 1-MaxVariants; 0 means Options.Variants
	Draft          store.PostDraft
	SourceStatusID int64 // JobReply: the mention answered; a second job for it is apperr.Conflict
	// AuthorID posts a JobReply: 0 is the generator bot; another local bot
	// (the assistant's @ask) hands a request over with its own id and then
	// sets Draft.Text to the whole reply text (mentions included), which the
	// image's label line follows.
	AuthorID int64
	Source   string      // Source* constant, for the moderation log
	Remix    *RemixInput // a remix of a post or image (remix.go); nil for a new image
}

// Submit checks a request and queues it. It fails fast, before anything is
// stored or generated: apperr.Invalid (422) for a bad request or a prompt
// refused by moderation (a *RefusalError, also recorded in the moderation
// log), apperr.RateLimited (429) when a quota is exceeded, apperr.Unavailable
// (503) when moderation cannot reach a verdict (it fails closed). The job is
// then run by Run.
func (s *Service) Submit(ctx context.Context, req SubmitRequest) (store.Job, error) {
	requester, err := s.checkRequest(ctx, &req)
	if err != nil {
		return store.Job{}, err
	}
	if err := s.checkQuota(ctx, nil, requester, req.N); err != nil {
		return store.Job{}, err
	}
	if err := s.screen(ctx, req); err != nil {
		return store.Job{}, err
	}
	src, err := s.checkRemix(ctx, req)
	if err != nil {
		return store.Job{}, err
	}
	j, err := s.newJob(ctx, req)
	if err != nil {
		return store.Job{}, err
	}
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		if err := s.checkQuota(ctx, tx, requester, req.N); err != nil {
			return err
		}
		if err := tx.InsertJob(ctx, &j); err != nil || src == nil {
			return err
		}
		return tx.SetJobSource(ctx, j.ID, *src)
	})
	if errors.Is(err, store.ErrConflict) {
		return store.Job{}, apperr.Conflict("this request was already taken")
	}
	if err != nil {
		return store.Job{}, err
	}
	s.publish(j, Event{Stage: StageQueued})
	s.wake.Wake()
	return j, nil
}

// checkRequest validates req in place and returns the requester.
func (s *Service) checkRequest(ctx context.Context, req *SubmitRequest) (store.Account, error) {
	req.Prompt = strings.TrimSpace(req.Prompt)
	req.NegativePrompt = strings.TrimSpace(req.NegativePrompt)
	switch {
	case req.Prompt == "":
		return store.Account{}, apperr.Invalid("the prompt is empty: describe the image you want")
	case utf8.RuneCountInString(req.Prompt)+utf8.RuneCountInString(req.NegativePrompt) > s.opts.MaxPromptChars:
		return store.Account{}, apperr.Invalid("the prompt is longer than %d characters", s.opts.MaxPromptChars)
	case req.Kind != store.JobPost && req.Kind != store.JobDraft && req.Kind != store.JobReply:
		return store.Account{}, apperr.Invalid("unknown job kind %q", req.Kind)
	}
	if req.Size == "" || req.Size == "auto" {
		req.Size = s.opts.Size
	}
	if err := s.checkCount(req); err != nil {
		return store.Account{}, err
	}
	if w, h, ok := ParseSize(req.Size); req.Size != "auto" && (!ok || w > 4096 || h > 4096 || w < 64 || h < 64) {
		return store.Account{}, apperr.Invalid("size must be WIDTHxHEIGHT between 64 and 4096 pixels a side")
	}
	a, err := s.db.AccountByID(ctx, req.AccountID)
	if errors.Is(err, store.ErrNotFound) {
		return store.Account{}, apperr.NotFound("account not found")
	}
	if err != nil {
		return store.Account{}, err
	}
	if !a.SuspendedAt.IsZero() || !a.DeletedAt.IsZero() {
		return store.Account{}, apperr.Forbidden("this account may not generate images")
	}
	if !a.Local() && req.Kind != store.JobReply {
		return store.Account{}, apperr.Forbidden("only local accounts may create generation jobs")
	}
	return a, nil
}

// screen runs the prompt and the text to be posted through moderation.
func (s *Service) screen(ctx context.Context, req SubmitRequest) error {
	if s.mod == nil {
		return nil
	}
	text := strings.Join(nonEmpty(req.Prompt, req.NegativePrompt, req.Draft.Text, req.Draft.SpoilerText), "\n")
	err := ScreenPrompt(ctx, s.mod, text)
	var ref *RefusalError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ref):
		s.logRefusal(ctx, req.AccountID, req.Source, req.Prompt, ref)
		return err
	default:
		s.log.Warn("prompt screening failed", "err", err)
		return apperr.Wrap(apperr.Unavailable("prompt screening is unavailable right now; please try again later"), err)
	}
}

// logRefusal records a refused prompt for admins; a failure to record is
// logged, never shown to the user.
func (s *Service) logRefusal(ctx context.Context, accountID int64, source, prompt string, ref *RefusalError) {
	e := store.ModerationEntry{AccountID: accountID, Source: source, Stage: ref.Stage, Prompt: prompt,
		Categories: ref.Categories, Reason: ref.Message}
	if err := s.write(ctx, func(ctx context.Context, tx *store.Tx) error { return tx.InsertModerationEntry(ctx, &e) }); err != nil {
		s.log.Error("record refused prompt", "err", err)
	}
}

func nonEmpty(parts ...string) []string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// newJob builds the job row of a checked request.
func (s *Service) newJob(ctx context.Context, req SubmitRequest) (store.Job, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return store.Job{}, fmt.Errorf("job id: %w", err)
	}
	j := store.Job{ID: id.String(), AccountID: req.AccountID, AuthorID: req.AccountID, Kind: req.Kind,
		Prompt: req.Prompt, NegativePrompt: req.NegativePrompt, Seed: req.Seed, Size: req.Size,
		Backend: s.backend.Name(), Model: s.backend.Model(), Draft: req.Draft, SourceStatusID: req.SourceStatusID, ImageCount: req.N}
	if j.Seed == 0 {
		j.Seed = rand.Int64N(1<<31-1) + 1
	}
	if req.Kind == store.JobReply && req.AuthorID != 0 {
		j.AuthorID = req.AuthorID
	} else if req.Kind == store.JobReply {
		bot, err := s.Bot(ctx)
		if err != nil {
			return store.Job{}, err
		}
		j.AuthorID = bot.ID
	}
	return j, nil
}
