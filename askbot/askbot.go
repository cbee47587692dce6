// Package askbot is the assistant bot @ask: mention it from any fediverse
// account with a question, or start a post with /ask in any app, and it
// answers in the thread from what the asker may see, as privately as it was
// asked, within a daily quota per requester; a request for a picture is
// handed to the image generator. It builds on social.Bot (the account and
// the mention intake, shared with the generator bot), assistant (the chat
// model) and genimage (images).
package askbot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/pictor-social/pictor/assistant"
	"github.com/pictor-social/pictor/genimage"
	"github.com/pictor-social/pictor/internal/idle"
	"github.com/pictor-social/pictor/internal/pubsub"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// cursorKey names the setting that holds the id of the last mention of the
// bot that was queued.
const cursorKey = "askbot.mention_cursor"

// idlePoll bounds how long an idle worker waits before looking for
// questions whose lease lapsed (their process died).
const idlePoll = 30 * time.Second

// Options configure the bot; server fills them from [assistant].
type Options struct {
	BotUsername  string // default "ask"
	Command      string // status prefix that asks the bot from an app, e.g. "/ask"; "" turns it off
	PerDay       int    // questions per local requester per UTC day; 0: no limit
	RemotePerDay int    // per requester on another server; 0: none taken
	Workers      int    // questions answered at once (default 1)
	// Lease is how long a worker holds a question: the model's timeout plus
	// time to post (default 2 minutes).
	Lease       time.Duration
	MaxAttempts int // runs of one question (crash restarts) before it is given up (default 3)
	ThreadPosts int // earlier posts of the thread sent as context (default 20)
	// NotificationStream carries store.Notification events
	// (activitypub.StreamNotifications).
	NotificationStream string
}

func (o *Options) setDefaults() {
	if o.BotUsername == "" {
		o.BotUsername = "ask"
	}
	if o.Workers <= 0 {
		o.Workers = 1
	}
	if o.Lease <= 0 {
		o.Lease = 2 * time.Minute
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 3
	}
	if o.ThreadPosts <= 0 {
		o.ThreadPosts = 20
	}
}

// Deps are the components the bot uses.
type Deps struct {
	DB        *store.DB
	Social    *social.Service
	Hub       *pubsub.Hub
	Log       *slog.Logger
	Assistant *assistant.Service // required: the bot exists only with a chat model
	Images    *genimage.Service  // nil: "draw this" is answered in words only
}

// Service runs the bot. It is safe for concurrent use.
type Service struct {
	db     *store.DB
	social *social.Service
	hub    *pubsub.Hub
	log    *slog.Logger
	ai     *assistant.Service
	images *genimage.Service
	opts   Options
	bot    *social.Bot

	local, remote *assistant.Quota // questions per requester per day
	notices       *assistant.Quota // one "limit reached" reply per requester per day

	wake idle.Signal // the idle workers and the intake
}

// featureNotice counts the "limit reached" replies, one a day per requester.
const featureNotice assistant.Feature = "ask_limit_notice"

// New builds the bot. It does not touch the database; call Bot once at
// start to create the account.
func New(d Deps, o Options) (*Service, error) {
	if d.DB == nil || d.Social == nil || d.Assistant == nil {
		return nil, errors.New("askbot: DB, Social and Assistant are required")
	}
	o.setDefaults()
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	note := "I am a bot that answers questions with an AI language model. Mention me with a question and I " +
		"answer in the thread, using only the posts you can see. My answers are AI-written and may be wrong."
	s := &Service{db: d.DB, social: d.Social, hub: d.Hub, log: d.Log, ai: d.Assistant, images: d.Images, opts: o,
		local:   assistant.NewQuota(d.DB, map[assistant.Feature]int{assistant.FeatureAsk: o.PerDay}),
		remote:  assistant.NewQuota(d.DB, map[assistant.Feature]int{assistant.FeatureAsk: o.RemotePerDay}),
		notices: assistant.NewQuota(d.DB, map[assistant.Feature]int{featureNotice: 1})}
	s.bot = d.Social.NewBot(social.BotSpec{Username: o.BotUsername, DisplayName: "Assistant", Note: note,
		CursorKey: cursorKey, Stream: o.NotificationStream, Log: d.Log})
	return s, nil
}

// Options returns the options in force.
func (s *Service) Options() Options { return s.opts }

// Bot returns the bot's local account, creating it on first use.
func (s *Service) Bot(ctx context.Context) (store.Account, error) { return s.bot.Account(ctx) }

// Wake makes the idle workers and the intake look for work now (another
// process committed to the database).
func (s *Service) Wake() { s.wake.Wake() }

// Run takes the bot's mentions into the question queue and answers the
// queue with Options.Workers workers until ctx ends; it returns nil then.
// Each question is a store row leased by one worker: a worker stopped by
// ctx hands its question back, a process that dies leaves the lease to
// lapse, and the question is then answered here or after a restart, once.
func (s *Service) Run(ctx context.Context) error {
	if _, err := s.Bot(ctx); err != nil {
		return err
	}
	var wg sync.WaitGroup
	for range s.opts.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.work(ctx)
		}()
	}
	err := s.bot.TakeMentions(ctx, s.hub, s.wake.C, s.queue)
	wg.Wait()
	return err
}

// queue stores one mention as a question.
func (s *Service) queue(ctx context.Context, m social.Mention) error {
	var queued bool
	err := s.db.Write(ctx, func(tx *store.Tx) (err error) {
		queued, err = tx.QueueAskRequest(ctx, m.Status.ID, m.From.ID)
		return err
	})
	if err == nil && queued {
		s.Wake()
	}
	return err
}

// Intake queues the new mentions of the bot (at most a batch) and returns
// how many it read; Run does it continuously, tests call it.
func (s *Service) Intake(ctx context.Context) (int, error) { return s.bot.TakeNew(ctx, s.queue) }

func (s *Service) work(ctx context.Context) {
	for ctx.Err() == nil {
		wake := s.wake.C()
		n, err := s.Step(ctx)
		if err != nil && ctx.Err() == nil {
			s.log.Error("assistant bot", "err", err)
		}
		if n > 0 {
			continue
		}
		s.idle(ctx, wake)
	}
}

// idle waits for new work, a lapsing lease, or the end of ctx.
func (s *Service) idle(ctx context.Context, wake <-chan struct{}) {
	next, _ := s.db.NextAskLeaseEnd(ctx) // on error, the poll interval
	idle.Wait(ctx, wake, idlePoll, next, s.db.Now())
}

// Step claims one due question and answers it; it returns 0 when none was
// due. Run calls it; tests call it to work the queue without goroutines.
func (s *Service) Step(ctx context.Context) (int, error) {
	var r store.AskRequest
	err := s.db.Write(ctx, func(tx *store.Tx) (err error) {
		r, err = tx.ClaimAskRequest(ctx, s.opts.Lease)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	replyID, err := s.answer(ctx, r)
	wctx := context.WithoutCancel(ctx)
	if err != nil && ctx.Err() != nil {
		// Stopping: hand the question back so the next start answers it at once.
		if rerr := s.db.Write(wctx, func(tx *store.Tx) error { return tx.ReleaseAskRequest(wctx, r.StatusID) }); rerr != nil {
			s.log.Error("release question", "status_id", r.StatusID, "err", rerr)
		}
		return 1, nil
	}
	if err != nil {
		// An internal failure (the store): leave the lease to lapse, and the
		// question runs again, up to Options.MaxAttempts.
		return 1, fmt.Errorf("answer question %d: %w", r.StatusID, err)
	}
	return 1, s.db.Write(wctx, func(tx *store.Tx) error { return tx.FinishAskRequest(wctx, r.StatusID, replyID) })
}

// AskText is the client API's hook (mastoapi.Asker): a post starting with
// the command ("/ask why is the sky blue?") is published as the user wrote
// it with the command replaced by a mention of the bot ("@ask why is the
// sky blue?"), so the question is the user's own post, addressed to the bot
// in the same transaction (its mention notification is the queue entry),
// and the answer comes as the bot's reply. ok is false for other text.
func (s *Service) AskText(text string) (string, bool) {
	q, ok := social.ParseCommand(text, s.opts.Command)
	if !ok {
		return "", false
	}
	return "@" + s.opts.BotUsername + " " + q, true
}
