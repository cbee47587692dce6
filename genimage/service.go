package genimage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/pictor-social/pictor/internal/idle"
	"github.com/pictor-social/pictor/internal/pubsub"
	"github.com/pictor-social/pictor/media"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// Options configures the generation service; server fills it from the
// [generation] section of the configuration.
type Options struct {
	Command            string        // the status prefix that asks for an image (default "/imagine")
	BotUsername        string        // the generator bot's account (default "imagine")
	Workers            int           // jobs generated at once (default 2)
	Timeout            time.Duration // bound of one generation (default 5m)
	ImagesPerDay       int           // per local user in any 24 hours; 0 means no limit
	RemoteImagesPerDay int           // per remote requester of the bot; 0 means none
	MaxConcurrentJobs  int           // queued or running jobs per requester (default 2)
	Size               string        // default image size (default "1024x1024")
	MaxPromptChars     int           // longest prompt accepted (default 1000)
	SyncWait           time.Duration // how long Imagine waits for the post before answering (default 20s)
	MaxAttempts        int           // runs of one job (crash restarts) before it fails (default 3)
	NotificationStream string        // pubsub stream carrying store.Notification events (activitypub.StreamNotifications)
	Variants           int           // images a job makes when the request does not say (1-MaxVariants; default 1)
	CandidatesKeep     time.Duration // how long unpicked candidates are kept (default 72h)
}

func (o *Options) setDefaults() {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.Workers, 2)
	def(&o.MaxConcurrentJobs, 2)
	def(&o.MaxPromptChars, 1000)
	def(&o.MaxAttempts, 3)
	def(&o.Variants, 1)
	o.Variants = min(o.Variants, MaxVariants)
	if o.CandidatesKeep <= 0 {
		o.CandidatesKeep = DefaultCandidatesKeep
	}
	if o.Command == "" {
		o.Command = "/imagine"
	}
	if o.BotUsername == "" {
		o.BotUsername = "imagine"
	}
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Minute
	}
	if o.Size == "" {
		o.Size = "1024x1024"
	}
	if o.SyncWait <= 0 {
		o.SyncWait = 20 * time.Second
	}
}

// Deps are the components the service uses. Moderator may be nil: prompts
// are then not screened (moderation "off").
type Deps struct {
	DB        *store.DB
	Files     media.Storage // for the candidate sweep; nil: swept candidates' files stay on disk
	Social    *social.Service
	Hub       *pubsub.Hub
	Log       *slog.Logger
	Backend   Backend
	Moderator Moderator
	Sources   SourceImages // loads remix source images; nil: remixes from the prompt alone
}

// Service turns prompts into images and posts: Submit queues a job after
// moderation and quota checks, Run works the queue, Imagine serves the
// /imagine command and RunBot answers mentions of the generator bot. It is
// safe for concurrent use.
type Service struct {
	db      *store.DB
	files   media.Storage
	social  *social.Service
	hub     *pubsub.Hub
	log     *slog.Logger
	backend Backend
	mod     Moderator
	sources SourceImages
	opts    Options

	wake idle.Signal // the idle job workers and the generator bot

	bot *social.Bot // the generator bot (social/bot.go)

	filesMu sync.RWMutex // generate's uploads (read) against the candidate sweep's file deletion (write)

	previewMu sync.Mutex
	previews  map[string]Preview // newest partial image per running job
}

// New builds the service. It does not touch the database; call Bot once at
// start to create the generator bot account.
func New(d Deps, opts Options) (*Service, error) {
	if d.DB == nil || d.Social == nil || d.Backend == nil {
		return nil, errors.New("genimage: DB, Social and Backend are required")
	}
	if _, _, ok := ParseSize(opts.Size); opts.Size != "" && opts.Size != "auto" && !ok {
		return nil, fmt.Errorf("genimage: bad default size %q", opts.Size)
	}
	opts.setDefaults()
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	note := "I am a bot. Mention me with a prompt and I reply with an AI-generated image."
	if tag := d.Social.AIHashtag(); tag != "" {
		note += " Every image I post is tagged #" + tag + "."
	}
	bot := d.Social.NewBot(social.BotSpec{Username: opts.BotUsername, DisplayName: "Image generator", Note: note,
		CursorKey: botCursorKey, Stream: opts.NotificationStream, Log: d.Log})
	return &Service{db: d.DB, files: d.Files, social: d.Social, hub: d.Hub, log: d.Log, backend: d.Backend,
		mod: d.Moderator, sources: d.Sources, opts: opts, bot: bot,
		previews: make(map[string]Preview)}, nil
}

// Options returns the options in force.
func (s *Service) Options() Options { return s.opts }

// Backend returns the image backend in use.
func (s *Service) Backend() Backend { return s.backend }

// Bot returns the generator bot's local account, creating it (a Service
// actor without a password) on first use.
func (s *Service) Bot(ctx context.Context) (store.Account, error) { return s.bot.Account(ctx) }

// Wake makes the idle job workers and the generator bot look for work now:
// the server calls it when another process (pictor imagine, a second
// server) has committed to the database.
func (s *Service) Wake() { s.wake.Wake() }
