package genimage

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/internal/pubsub"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// botCursorKey names the setting that holds the id of the last mention the
// bot handled.
const botCursorKey = "genimage.bot.mention_cursor"

// botBatch is how many mentions the bot reads at once.
const botBatch = 20

// leadingMentionsRE matches the handles at the start of a mention's text.
var leadingMentionsRE = regexp.MustCompile(`^(?:\s*@[\w.-]+(?:@[\w.-]+(?::\d+)?)?)+\s*`)

// RunBot answers mentions of the generator bot until ctx ends: each new
// mention notification (local or remote sender) becomes a reply job within
// the sender's quota; a refusal or an exceeded quota becomes a text reply
// that says why. A cursor in the store settings means each mention is
// handled once, across restarts; a job per mention is unique besides. It
// returns nil when ctx ends. It wakes on store.Notification events for the
// bot published on Options.NotificationStream, and polls besides.
func (s *Service) RunBot(ctx context.Context) error {
	bot, err := s.Bot(ctx)
	if err != nil {
		return err
	}
	sub := s.hub.Subscribe(s.opts.NotificationStream)
	defer sub.Close()
	for ctx.Err() == nil {
		wake := s.wakeChan()
		n, err := s.botStep(ctx, bot)
		if err != nil {
			s.log.Error("generator bot", "err", err)
		}
		if n == botBatch {
			continue
		}
		s.waitForMention(ctx, sub, wake, bot.ID)
	}
	return nil
}

// waitForMention returns when a notification for the bot is published, wake
// is closed (Wake), the poll interval passes, or ctx ends.
func (s *Service) waitForMention(ctx context.Context, sub *pubsub.Subscription, wake <-chan struct{}, botID int64) {
	t := time.NewTimer(idlePoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			return
		case <-wake:
			return
		case ev := <-sub.C:
			if n, ok := ev.Payload.(store.Notification); ok && n.AccountID == botID {
				return
			}
		}
	}
}

// botStep handles the mentions after the cursor and returns how many.
func (s *Service) botStep(ctx context.Context, bot store.Account) (int, error) {
	cursor := int64(0)
	if v, err := s.db.Setting(ctx, botCursorKey); err == nil {
		if cursor, err = strconv.ParseInt(v, 10, 64); err != nil {
			return 0, fmt.Errorf("generator bot cursor %q: %w", v, err)
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return 0, err
	}
	list, err := s.db.MentionsAfter(ctx, bot.ID, cursor, botBatch)
	if err != nil {
		return 0, err
	}
	for _, n := range list {
		if err := s.answerMention(ctx, bot, n); err != nil {
			s.log.Warn("generator bot mention", "status_id", n.StatusID, "err", err)
		}
		err := s.write(ctx, func(ctx context.Context, tx *store.Tx) error {
			return tx.SetSetting(ctx, botCursorKey, strconv.FormatInt(n.ID, 10))
		})
		if err != nil {
			return 0, err
		}
	}
	return len(list), nil
}

// answerMention submits the prompt of one mention, or replies with the
// reason it was not taken. Errors are internal failures only.
func (s *Service) answerMention(ctx context.Context, bot store.Account, n store.Notification) error {
	if n.StatusID == 0 || n.FromAccountID == bot.ID {
		return nil
	}
	st, err := s.db.StatusByID(ctx, n.StatusID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !st.DeletedAt.IsZero()) {
		return nil
	}
	if err != nil {
		return err
	}
	// Never answer other bots: two generator bots would reply to each other
	// (with quota messages) forever.
	if from, err := s.db.AccountByID(ctx, n.FromAccountID); err != nil || from.Bot || from.ActorType == "Service" ||
		from.ActorType == "Application" {
		return err
	}
	draft := store.PostDraft{Visibility: replyVisibility(st.Visibility), InReplyToID: st.ID, Language: st.Language,
		SpoilerText: st.SpoilerText, Sensitive: st.Sensitive}
	prompt := MentionPrompt(st)
	if prompt == "" {
		return s.replyError(ctx, n.FromAccountID, draft,
			"Mention me with a description of the image you want, e.g. \"a lighthouse at dusk, watercolour\".")
	}
	req := SubmitRequest{AccountID: n.FromAccountID, Kind: store.JobReply, Prompt: prompt,
		Draft: draft, SourceStatusID: st.ID, Source: SourceBot}
	err = req.TakePromptOptions()
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
		return s.replyError(ctx, n.FromAccountID, draft, "Sorry, I can't make this image: "+e.Message)
	}
	return err
}

// MentionPrompt returns the prompt in a mention of the bot: the status text
// without the leading handles (and without HTML for remote statuses).
func MentionPrompt(st store.Status) string {
	text := st.Text
	if text == "" {
		text = social.PlainText(st.Content)
	}
	return strings.TrimSpace(leadingMentionsRE.ReplaceAllString(text, ""))
}

// replyVisibility keeps a reply as private as the request or more: a public
// request gets an unlisted reply, so the bot does not flood public timelines.
func replyVisibility(v string) string {
	if v == store.VisibilityPublic || v == "" {
		return store.VisibilityUnlisted
	}
	return v
}
