package genimage

import (
	"context"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// botCursorKey names the setting that holds the id of the last mention the
// bot handled.
const botCursorKey = "genimage.bot.mention_cursor"

// RunBot answers mentions of the generator bot until ctx ends: each new
// mention (local or remote sender) becomes a reply job within the sender's
// quota; a refusal or an exceeded quota becomes a text reply that says why.
// The intake is social.Bot's: each mention is taken once across restarts (a
// cursor in the store settings), and a job per mention is unique besides.
// It returns nil when ctx ends.
func (s *Service) RunBot(ctx context.Context) error {
	return s.bot.TakeMentions(ctx, s.hub, s.wake.C, s.answerMention)
}

// answerMention submits the prompt of one mention, or replies with the
// reason it was not taken. Errors are internal failures only.
func (s *Service) answerMention(ctx context.Context, m social.Mention) error {
	st := m.Status
	draft := store.PostDraft{Visibility: social.BotReplyVisibility(st.Visibility), InReplyToID: st.ID,
		Language: st.Language, SpoilerText: st.SpoilerText, Sensitive: st.Sensitive}
	prompt := MentionPrompt(st)
	if prompt == "" {
		_, err := s.bot.Reply(ctx, m.From.ID, draft,
			"Mention me with a description of the image you want, e.g. \"a lighthouse at dusk, watercolour\".")
		return err
	}
	req := SubmitRequest{AccountID: m.From.ID, Kind: store.JobReply, Prompt: prompt,
		Draft: draft, SourceStatusID: st.ID, Source: SourceBot}
	err := req.TakePromptOptions()
	if err == nil && req.Remix == nil {
		req.Remix, err = s.replyRemix(ctx, st)
	}
	if err == nil {
		_, err = s.Submit(ctx, req)
	}
	if e, ok := apperr.As(err); ok {
		if e.Kind == apperr.KindConflict {
			return nil // already answered
		}
		_, err = s.bot.Reply(ctx, m.From.ID, draft, "Sorry, I can't make this image: "+e.Message)
	}
	return err
}

// MentionPrompt returns the prompt in a mention of the bot: the status text
// without the leading handles (and without HTML for remote statuses).
func MentionPrompt(st store.Status) string { return social.MentionText(st) }
