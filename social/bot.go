package social

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/internal/pubsub"
	"github.com/pictor-social/pictor/store"
)

// The machinery shared by the bots that answer mentions (the generator bot
// @imagine, the assistant @ask): the bot's account, created on first use;
// the intake of its mentions from any fediverse account, each taken once
// across restarts; and replies in the requester's thread.

// BotSpec describes a local bot account that answers mentions.
type BotSpec struct {
	Username    string
	DisplayName string
	Note        string
	// CursorKey names the setting that holds the id of the last mention
	// notification taken.
	CursorKey string
	// Stream is the pubsub stream carrying store.Notification events
	// (activitypub.StreamNotifications); "" polls only.
	Stream string
	Log    *slog.Logger
}

// Bot is a local bot account (bot: true, a Service actor without a
// password) that answers mentions. It is safe for concurrent use.
type Bot struct {
	s    *Service
	spec BotSpec

	mu       sync.Mutex
	acct     store.Account
	failures map[int64]int // mention notification id -> failed takes in a row
}

// maxTakeFailures is how often taking one mention may fail before the bot
// moves past it.
const maxTakeFailures = 3

// botBatch is how many mentions a bot reads at once.
const botBatch = 20

// botPoll bounds how long an idle bot waits before looking for mentions
// whose events it missed (another process inserted them).
const botPoll = 30 * time.Second

// NewBot returns the bot described by spec. It does not touch the
// database; Account creates the account.
func (s *Service) NewBot(spec BotSpec) *Bot {
	if spec.Log == nil {
		spec.Log = slog.New(slog.DiscardHandler)
	}
	return &Bot{s: s, spec: spec, failures: make(map[int64]int)}
}

// Username returns the bot's username.
func (b *Bot) Username() string { return b.spec.Username }

// Account returns the bot's local account, creating it on first use.
func (b *Bot) Account(ctx context.Context) (store.Account, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.acct.ID != 0 {
		return b.acct, nil
	}
	a, err := b.s.db.AccountByHandle(ctx, b.spec.Username, "")
	if errors.Is(err, store.ErrNotFound) {
		a, err = b.create(ctx)
	}
	if err != nil {
		return store.Account{}, fmt.Errorf("bot @%s: %w", b.spec.Username, err)
	}
	b.acct = a
	return a, nil
}

// create makes the bot's account, or returns the one another process
// sharing the database made since this one looked (processes that start
// together all find none).
func (b *Bot) create(ctx context.Context) (store.Account, error) {
	a, err := b.s.CreateAccount(ctx, NewAccount{Username: b.spec.Username, Bot: true,
		DisplayName: b.spec.DisplayName, Note: b.spec.Note})
	if e, ok := apperr.As(err); ok && e.Kind == apperr.KindConflict {
		return b.s.db.AccountByHandle(ctx, b.spec.Username, "")
	}
	return a, err
}

// Mention is one mention of a bot worth answering: a live status by an
// account that is not itself a bot.
type Mention struct {
	Notification store.Notification
	Status       store.Status
	From         store.Account
}

// TakeMentions hands each new mention of the bot to take, in order, until
// ctx ends, and returns nil then. take must make its work durable (queue a
// job) and be idempotent: a cursor in the store settings moves past a
// mention once take has returned, so a crash in between hands it over again
// after the restart, and nothing acknowledged is lost. An error from take is
// logged and the mention skipped. Mentions by bots (bot: true, Service or
// Application actors) are skipped, so two bots never answer each other
// forever. It wakes on the bot's notification events, when wake's channel
// is closed, and every 30 seconds.
func (b *Bot) TakeMentions(ctx context.Context, hub *pubsub.Hub, wake func() <-chan struct{},
	take func(context.Context, Mention) error) error {
	bot, err := b.Account(ctx)
	if err != nil {
		return err
	}
	var sub *pubsub.Subscription
	if hub != nil && b.spec.Stream != "" {
		sub = hub.Subscribe(b.spec.Stream)
		defer sub.Close()
	}
	for ctx.Err() == nil {
		var w <-chan struct{}
		if wake != nil {
			w = wake()
		}
		n, err := b.mentionStep(ctx, bot, take)
		if err != nil && ctx.Err() == nil {
			b.spec.Log.Error("bot mentions", "bot", b.spec.Username, "err", err)
		}
		if n == botBatch {
			continue
		}
		b.waitForMention(ctx, sub, w, bot.ID)
	}
	return nil
}

// TakeNew is one round of TakeMentions: it hands the mentions after the
// cursor (at most a batch) to take and returns how many it read.
func (b *Bot) TakeNew(ctx context.Context, take func(context.Context, Mention) error) (int, error) {
	bot, err := b.Account(ctx)
	if err != nil {
		return 0, err
	}
	return b.mentionStep(ctx, bot, take)
}

func (b *Bot) waitForMention(ctx context.Context, sub *pubsub.Subscription, wake <-chan struct{}, botID int64) {
	t := time.NewTimer(botPoll)
	defer t.Stop()
	var events <-chan pubsub.Event
	if sub != nil {
		events = sub.C
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			return
		case <-wake:
			return
		case ev := <-events:
			if n, ok := ev.Payload.(store.Notification); ok && n.AccountID == botID {
				return
			}
		}
	}
}

// mentionStep takes the mentions after the cursor and returns how many it read.
func (b *Bot) mentionStep(ctx context.Context, bot store.Account, take func(context.Context, Mention) error) (int, error) {
	cursor := int64(0)
	if v, err := b.s.db.Setting(ctx, b.spec.CursorKey); err == nil {
		if cursor, err = strconv.ParseInt(v, 10, 64); err != nil {
			return 0, fmt.Errorf("bot cursor %q: %w", v, err)
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return 0, err
	}
	list, err := b.s.db.MentionsAfter(ctx, bot.ID, cursor, botBatch)
	if err != nil {
		return 0, err
	}
	for _, n := range list {
		m, ok, err := b.mention(ctx, bot, n)
		if err == nil && ok {
			err = take(ctx, m)
		}
		if err != nil {
			if ctx.Err() != nil {
				return 0, ctx.Err() // stopping: take it again on the next start
			}
			// An internal failure (the store) is likely passing: the mention is
			// taken again on the next round, and skipped only after it failed
			// maxTakeFailures times in a row, so one bad mention cannot stop
			// the bot for good. A refusal (an apperr) is final at once.
			b.mu.Lock()
			b.failures[n.ID]++
			tries := b.failures[n.ID]
			b.mu.Unlock()
			b.spec.Log.Warn("bot mention", "bot", b.spec.Username, "status_id", n.StatusID, "tries", tries, "err", err)
			if _, permanent := apperr.As(err); !permanent && tries < maxTakeFailures {
				return 0, err
			}
		}
		b.mu.Lock()
		delete(b.failures, n.ID)
		b.mu.Unlock()
		wctx := context.WithoutCancel(ctx)
		err = b.s.db.Write(wctx, func(tx *store.Tx) error {
			return tx.SetSetting(wctx, b.spec.CursorKey, strconv.FormatInt(n.ID, 10))
		})
		if err != nil {
			return 0, err
		}
	}
	return len(list), nil
}

// mention loads what a mention notification is about; ok is false when it
// is not to be answered.
func (b *Bot) mention(ctx context.Context, bot store.Account, n store.Notification) (Mention, bool, error) {
	if n.StatusID == 0 || n.FromAccountID == bot.ID {
		return Mention{}, false, nil
	}
	st, err := b.s.db.StatusByID(ctx, n.StatusID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !st.DeletedAt.IsZero()) {
		return Mention{}, false, nil
	}
	if err != nil {
		return Mention{}, false, err
	}
	from, err := b.s.db.AccountByID(ctx, n.FromAccountID)
	if err != nil {
		return Mention{}, false, err
	}
	if from.Bot || from.ActorType == "Service" || from.ActorType == "Application" ||
		!from.SuspendedAt.IsZero() || !from.DeletedAt.IsZero() {
		return Mention{}, false, nil
	}
	return Mention{Notification: n, Status: st, From: from}, true, nil
}

// Reply posts msg from the bot in reply to draft.InReplyToID, mentioning
// the requester first; see BotReply.
func (b *Bot) Reply(ctx context.Context, requesterID int64, draft store.PostDraft, msg string) (store.Status, error) {
	bot, err := b.Account(ctx)
	if err != nil {
		return store.Status{}, err
	}
	return b.s.BotReply(ctx, bot.ID, []int64{requesterID}, draft, msg)
}

// BotReply posts a text-only reply from the local bot botID to
// draft.InReplyToID with draft's visibility and language, starting with a
// mention of each account in to (the requester first) and cut to the
// instance's length limit.
func (s *Service) BotReply(ctx context.Context, botID int64, to []int64, draft store.PostDraft, msg string) (store.Status, error) {
	prefix, err := s.MentionPrefix(ctx, to...)
	if err != nil {
		return store.Status{}, err
	}
	return s.CreateStatus(ctx, botID, Draft{Text: Truncate(prefix+msg, s.opts.MaxChars),
		Visibility: draft.Visibility, InReplyToID: draft.InReplyToID, Language: draft.Language})
}

// MentionPrefix returns "@acct " for each account, in order, for the start
// of a reply that addresses them.
func (s *Service) MentionPrefix(ctx context.Context, accountIDs ...int64) (string, error) {
	var b strings.Builder
	for _, id := range accountIDs {
		a, err := s.db.AccountByID(ctx, id)
		if err != nil {
			return "", fmt.Errorf("account %d: %w", id, err)
		}
		b.WriteString("@" + a.Acct() + " ")
	}
	return b.String(), nil
}

// leadingMentionsRE matches the handles at the start of a mention's text.
var leadingMentionsRE = regexp.MustCompile(`^(?:\s*@[\w.-]+(?:@[\w.-]+(?::\d+)?)?)+\s*`)

// MentionText returns what a mention of a bot asks: the status text without
// the leading handles (and without HTML for remote statuses).
func MentionText(st store.Status) string {
	text := st.Text
	if text == "" {
		text = PlainText(st.Content)
	}
	return strings.TrimSpace(leadingMentionsRE.ReplaceAllString(text, ""))
}

// ParseCommand reports whether text starts with the command cmd ("/ask",
// "/imagine") followed by white space or the end, and returns the rest,
// trimmed. An empty cmd matches nothing.
func ParseCommand(text, cmd string) (rest string, ok bool) {
	if cmd == "" {
		return "", false
	}
	text = strings.TrimLeft(text, " \t\r\n")
	rest, found := strings.CutPrefix(text, cmd)
	if !found || (rest != "" && !strings.ContainsAny(rest[:1], " \t\r\n")) {
		return "", false
	}
	return strings.TrimSpace(rest), true
}

// BotReplyVisibility keeps a bot's reply as private as the request or more:
// a public request gets an unlisted reply, so bots do not flood public
// timelines.
func BotReplyVisibility(v string) string {
	if v == store.VisibilityPublic || v == "" {
		return store.VisibilityUnlisted
	}
	return v
}

// Truncate cuts s to at most n characters, ending with "…" when cut.
func Truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n <= 1 {
		return ""
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// Defuse stops text written by someone else (a prompt echoed in a bot's
// reply, a model's answer) from mentioning accounts or adding hashtags: a
// zero-width space after '@' and '#' keeps it readable but inert.
func Defuse(s string) string {
	return strings.NewReplacer("@", "@\u200b", "#", "#\u200b").Replace(s)
}
