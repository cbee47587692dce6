package genimage

import (
	"context"
	"errors"

	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// SourceProvider marks refusals by the image provider in the moderation log.
const SourceProvider = "provider"

// fail stores a job's failure and tells the requester: the message is on the
// job (and its progress event) for every kind; a /imagine post also gets a
// direct message from the generator bot carrying the prompt, so the prompt is
// never lost; a bot request gets a reply explaining what went wrong.
func (s *Service) fail(ctx context.Context, j store.Job, je *jobError) {
	log := s.log.With("job_id", j.ID)
	var ref *RefusalError
	if errors.As(je, &ref) {
		s.logRefusal(ctx, j.AccountID, SourceProvider, j.Prompt, ref)
	}
	j.State, j.Error, j.ErrorKind = store.JobFailed, je.msg, je.kind
	// Tell first, then mark failed: whoever sees the failed job can already
	// see the message. A crash in between repeats the message, never loses it.
	var err error
	switch j.Kind {
	case store.JobPost:
		err = s.tellAuthor(ctx, j)
	case store.JobReply:
		// From the job's author: the generator bot, or the bot that handed the
		// request over (the assistant's "draw this").
		_, err = s.social.BotReply(ctx, j.AuthorID, []int64{j.AccountID}, j.Draft, "Sorry, I could not make this image: "+je.msg)
	}
	if err != nil {
		log.Error("tell requester about failed job", "err", err)
	}
	if err := s.write(ctx, func(ctx context.Context, tx *store.Tx) error { return tx.FailJob(ctx, j.ID, je.kind, je.msg) }); err != nil {
		log.Error("record failed generation job", "err", err)
		return
	}
	s.publish(j, Event{})
}

// tellAuthor sends the author of a failed /imagine a direct message from the
// generator bot with the reason and the prompt.
func (s *Service) tellAuthor(ctx context.Context, j store.Job) error {
	_, err := s.bot.Reply(ctx, j.AccountID, store.PostDraft{Visibility: store.VisibilityDirect},
		"Your "+s.opts.Command+" post was not published: "+j.Error+"\n\nYour prompt: "+social.Defuse(j.Prompt))
	return err
}
