package genimage

import (
	"context"
	"errors"
	"time"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// What a client app sees during a slow /imagine
//
// Apps post a status and expect a Status back; none understands a "pending"
// entity, and a post must never federate without its image. So Imagine
// queues the job and then waits up to Options.SyncWait (20 s by default; the
// builtin backend takes well under a second):
//
//   - done in time: the app gets the published status (200), image attached.
//   - failed in time (refused by the provider, timed out, ...): 422 with the
//     reason; the app keeps the draft, so the prompt is not lost.
//   - still generating: 422 with "Generating your image… it will be posted in
//     a moment; you will get a notification if it fails". Apps show this as a
//     non-fatal error and keep the draft. The job goes on: the post appears in
//     the timeline when ready; on failure the generator bot sends the author
//     a direct message with the reason and the prompt.
//
// Resending the same /imagine (an app retry, or the user pressing Post again)
// does not create a second job or post: while the first job is queued or
// running, or for 10 minutes after it posted, Imagine answers from it (the
// status once it exists, else the same "still generating" answer). A failed
// job is not reused, so resending after a failure tries again.

// resendWindow is how long a finished /imagine answers an identical resend.
const resendWindow = 10 * time.Minute

// ErrGenerating is the apperr (422) answered while a /imagine job is still
// running after Options.SyncWait.
var ErrGenerating = apperr.Invalid("Generating your image… it will be posted in a moment; you will get a notification if it fails.")

// ParseCommand reports whether text is a generation command ("/imagine a
// cat" with the configured command) and returns the prompt after it.
func (s *Service) ParseCommand(text string) (prompt string, ok bool) {
	return social.ParseCommand(text, s.opts.Command)
}

// Imagine serves a status whose text is a generation command: it submits a
// post job for accountID with draft's visibility, content warning, reply and
// language, waits up to Options.SyncWait, and returns the published status.
// Errors are apperr values: Submit's (422 refusal, 429 quota, ...), the job's
// failure (422), or ErrGenerating when the post is not ready yet.
func (s *Service) Imagine(ctx context.Context, accountID int64, prompt string, draft store.PostDraft) (store.Status, error) {
	draft.Text = ""
	req := SubmitRequest{AccountID: accountID, Kind: store.JobPost, Prompt: prompt, Draft: draft, Source: SourceImagine}
	if err := req.TakePromptOptions(); err != nil {
		return store.Status{}, err
	}
	j, err := s.db.RecentPostJob(ctx, accountID, req.Prompt, s.db.Now().Add(-resendWindow))
	if errors.Is(err, store.ErrNotFound) || (err == nil && !s.sameRequest(j, req)) {
		j, err = s.Submit(ctx, req)
	}
	if err != nil {
		return store.Status{}, err
	}
	j, err = s.Wait(ctx, j.ID, s.opts.SyncWait, nil)
	if err != nil {
		if ctx.Err() != nil {
			return store.Status{}, ErrGenerating
		}
		return store.Status{}, err
	}
	switch j.State {
	case store.JobDone:
		return s.db.StatusByID(ctx, j.StatusID)
	case store.JobFailed:
		return store.Status{}, apperr.Invalid("%s", j.Error)
	}
	return store.Status{}, ErrGenerating
}

// sameRequest reports whether job j answers req, a resend of the same
// command: the same options, where a seed left out matches any seed.
func (s *Service) sameRequest(j store.Job, req SubmitRequest) bool {
	size := req.Size
	if size == "" || size == "auto" {
		size = s.opts.Size
	}
	n := req.N
	if n == 0 {
		n = s.opts.Variants
	}
	return j.NegativePrompt == req.NegativePrompt && j.Size == size && (req.Seed == 0 || j.Seed == req.Seed) &&
		max(j.ImageCount, 1) == n
}

// SubmitPost is Imagine for the client API (the mastoapi.Imaginer hook):
// draft carries the visibility, content warning, reply and language of the
// POST /api/v1/statuses request; prompt is its text after the command.
// Media attached by the app cannot be combined with a generated image.
func (s *Service) SubmitPost(ctx context.Context, accountID int64, draft social.Draft, prompt string) (store.Status, error) {
	if len(draft.MediaIDs) > 0 {
		return store.Status{}, apperr.Invalid("%s makes its own image; post it without attached media", s.opts.Command)
	}
	return s.Imagine(ctx, accountID, prompt, store.PostDraft{SpoilerText: draft.SpoilerText, Sensitive: draft.Sensitive,
		Visibility: draft.Visibility, InReplyToID: draft.InReplyToID, Language: draft.Language})
}
