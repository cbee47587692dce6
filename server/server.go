// Package server is Pictor's composition root: New wires every component
// from the configuration, Handler serves the URL map in routes.go, and Run
// serves HTTP and runs the background workers until its context ends.
package server

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pictor-social/pictor/activitypub"
	"github.com/pictor-social/pictor/askbot"
	"github.com/pictor-social/pictor/assistant"
	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/config"
	"github.com/pictor-social/pictor/genimage"
	"github.com/pictor-social/pictor/internal/clientip"
	"github.com/pictor-social/pictor/internal/pubsub"
	"github.com/pictor-social/pictor/internal/safehttp"
	"github.com/pictor-social/pictor/mastoapi"
	"github.com/pictor-social/pictor/media"
	"github.com/pictor-social/pictor/push"
	"github.com/pictor-social/pictor/screening"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
	"github.com/pictor-social/pictor/web"
)

// Version is the Pictor release, set at build time with -ldflags.
var Version = "0.1.0-dev"

// Options are the parts of the environment that tests replace.
type Options struct {
	Logger  *slog.Logger
	RootCAs *x509.CertPool // trusted CAs for outbound HTTPS; nil means the system's
	Clock   func() time.Time
	// GenBackend and GenModerator replace the configured image backend and
	// prompt moderator; GenSyncWait how long /imagine waits (0: default).
	GenBackend   genimage.Backend
	GenModerator genimage.Moderator
	GenSyncWait  time.Duration
	// Screener replaces the configured post screening backend.
	Screener screening.Screener
}

// Server is one running Pictor instance.
type Server struct {
	Cfg    config.File
	DB     *store.DB
	Fed    *activitypub.Federation
	Social *social.Service
	// Files is where media files live: data_dir/media or the S3 bucket
	// ([media] storage, server/storage.go).
	Files  media.Storage
	Hub    *pubsub.Hub
	Gen    *genimage.Service
	Log    *slog.Logger
	Client *http.Client
	OAuth  *auth.OAuth
	API    *mastoapi.Handler
	Web    *web.Handler
	Push   *push.Service
	// MediaCache keeps local copies of remote media (server/mediacache.go).
	MediaCache *media.RemoteCache
	// Assistant runs the chat-model features; nil when [assistant] backend
	// is "none" (server/assistant.go).
	Assistant *assistant.Service
	// AskBot is the assistant bot @ask; nil with the assistant off
	// (server/assistant.go).
	AskBot *askbot.Service
	// MediaBudget is the one decode memory budget shared by uploads,
	// avatars and headers, generated images and MediaCache.
	MediaBudget *media.Budget

	clientAddr *clientip.Resolver // trusted_proxies: every per-client limit keys on clientip.Of
	handler    http.Handler
	workers    workerSet // which background workers run (/readyz)
	metrics    *metrics  // nil when [metrics] is off (metrics.go)
	// metricsAddr is the bound address of [metrics] listen (a string).
	metricsAddr atomic.Value
}

// New opens the data folder and database (migrating it) and wires every
// component. Close releases them.
func New(ctx context.Context, cfg config.File, opts Options) (*Server, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: levelOf(cfg.LogLevel)}))
	}
	if err := prepareDataDir(log, cfg.DataDir, cfg.Database.Driver == "sqlite"); err != nil {
		return nil, err
	}
	db, err := OpenStore(ctx, cfg, store.Options{Clock: opts.Clock})
	if err != nil {
		return nil, err
	}
	s := &Server{Cfg: cfg, DB: db, Hub: pubsub.New(), Log: log}
	if err := s.wire(ctx, opts); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// OpenStore opens (and migrates) the database cfg's [database] names:
// data_dir/pictor.db on SQLite, or the PostgreSQL database at its url.
// [database] pool_size bounds the reading connections. Errors never quote
// the url (it holds a password).
func OpenStore(ctx context.Context, cfg config.File, opts store.Options) (*store.DB, error) {
	opts.ReadConns = cfg.Database.PoolSize
	if cfg.Database.Driver == "postgres" {
		return store.OpenPostgres(ctx, cfg.Database.URL, opts)
	}
	return store.Open(ctx, filepath.Join(cfg.DataDir, "pictor.db"), opts)
}

func (s *Server) wire(ctx context.Context, opts Options) error {
	cfg := s.Cfg
	var err error
	if s.clientAddr, err = clientip.New(cfg.TrustedProxies); err != nil {
		return err
	}
	ua := fmt.Sprintf("Pictor/%s (+%s)", Version, cfg.BaseURL())
	s.Client = safehttp.New(safehttp.Options{AllowPrivate: cfg.Federation.AllowPrivateAddresses,
		Timeout: cfg.Federation.FetchTimeout.Duration, RootCAs: opts.RootCAs, UserAgent: ua})
	if s.Files, err = openStorage(ctx, cfg, opts.RootCAs); err != nil {
		return err
	}
	s.MediaBudget = media.NewBudget(cfg.Media.DecodeMemory, cfg.Media.DecodeWait.Duration)
	s.wireMediaCache()
	fo := cfg.Federation
	s.Fed, err = activitypub.New(s.DB, s.Client, s.Hub, s.Log, activitypub.Options{
		BaseURL: cfg.BaseURL(), FetchTimeout: fo.FetchTimeout.Duration, MaxFetchBytes: fo.MaxFetchBytes,
		MaxInboxBytes: fo.MaxInboxBytes, SignatureMaxAge: fo.SignatureMaxAge.Duration, InboxWorkers: fo.InboxWorkers,
		DeliveryWorkers: fo.DeliveryWorkers, PerHostConcurrency: fo.PerHostConcurrency,
		DeliveryTimeout: fo.DeliveryTimeout.Duration, DeliveryLease: fo.DeliveryLease.Duration, RetryFor: fo.RetryFor.Duration,
		UnreachableAfter: fo.UnreachableAfter.Duration, ActorCacheFor: fo.ActorCacheFor.Duration,
		UserAgent: ua, AllowPrivate: fo.AllowPrivateAddresses, Version: Version,
		PollUpdateDelay: fo.PollUpdateDelay.Duration, MediaURL: mediaBaseURL(cfg),
	})
	if err != nil {
		return err
	}
	if _, err := s.Fed.InstanceActor(ctx); err != nil {
		return fmt.Errorf("instance actor: %w", err)
	}
	s.Social = social.New(s.DB, s.Fed, s.Files, s.Hub, social.Options{Media: mediaLimits(cfg.Media),
		MediaBudget: s.MediaBudget, AILabel: cfg.Generation.Label, AIHashtag: cfg.Generation.Hashtag})
	if err := s.wireGeneration(ctx, opts); err != nil {
		return err
	}
	if err := s.wireAssistant(opts); err != nil {
		return err
	}
	if err := s.wireAskBot(ctx); err != nil {
		return err
	}
	if err := s.wireScreening(opts); err != nil {
		return err
	}
	if err := s.wirePush(ctx); err != nil {
		return err
	}
	s.OAuth = auth.NewOAuth(s.DB, auth.OAuthOptions{BaseURL: cfg.BaseURL(), Now: opts.Clock, Log: s.Log,
		VapidKey: s.Push.VAPIDKey()})
	s.API = mastoapi.New(s.DB, s.OAuth, s.Social, s.Hub, s.Log, mastoapi.Options{BaseURL: cfg.BaseURL(),
		Title: cfg.InstanceTitle, Description: cfg.InstanceDescription, ContactEmail: cfg.ContactEmail, Rules: cfg.Rules,
		PrivacyPolicy: cfg.PrivacyPolicy, ShowDomainBlocks: cfg.ShowDomainBlocks, ShowBlockRationale: cfg.ShowBlockRationale,
		SoftwareVersion: Version, ImagineCommand: cfg.Generation.Command, RateLimit: apiRateLimit(cfg.API.RateLimit)})
	s.API.Imaginer = s.Gen
	if s.AskBot != nil {
		s.API.Asker = s.AskBot
	}
	s.API.Push = s.Push
	s.API.Assistant = s.Assistant
	if err := s.wireWeb(opts); err != nil {
		return err
	}
	s.wireMetrics()
	s.handler = s.routes()
	return nil
}

// apiRateLimit maps the config's rate_limit (0: off) to mastoapi's
// RateLimit (0: default, negative: off).
func apiRateLimit(n int) int {
	if n == 0 {
		return -1
	}
	return n
}

func mediaLimits(m config.Media) media.Limits {
	return media.Limits{MaxUploadBytes: m.MaxUploadBytes, MaxPixels: m.MaxPixels, MaxSide: m.MaxSide,
		MaxFederatedBytes: m.MaxFederatedBytes, ThumbSide: m.ThumbSide, MaxDecodeBytes: m.DecodeMemory}
}

func levelOf(s string) slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return slog.LevelInfo
	}
	return l
}

// Handler returns the HTTP handler of the whole URL map.
func (s *Server) Handler() http.Handler { return s.handler }

// Workers runs the background workers (inbox processing, delivery,
// generation jobs, the generator bot, Web Push, the remote media cache and
// the cross-process wake-ups) until ctx ends, and returns when all have
// stopped. A worker that returns early is logged and makes /readyz fail.
func (s *Server) Workers(ctx context.Context) {
	workers := []struct {
		name string
		run  func(context.Context) error
	}{{"inbox", s.Fed.RunInbox}, {"delivery", s.Fed.RunDelivery}, {"streaming", s.API.RunStreaming},
		{"generation", s.Gen.Run}, {"generator_bot", s.Gen.RunBot}, {"push", s.Push.Run},
		{"media_cache", s.runMediaCache}, {"wakeups", s.runExternalChanges}, {"event_relay", s.runEventRelay},
		{"polls", func(ctx context.Context) error { return s.Social.RunPolls(ctx, s.Log) }}}
	if s.AskBot != nil {
		workers = append(workers, struct {
			name string
			run  func(context.Context) error
		}{"assistant_bot", s.AskBot.Run})
	}
	names := make([]string, len(workers))
	for i, w := range workers {
		names[i] = w.name
	}
	s.workers.start(names)
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := w.run(ctx)
			if ctx.Err() == nil {
				s.workers.stop(w.name)
				s.Log.Error("worker stopped", "worker", w.name, "err", err)
			} else if err != nil {
				s.Log.Error("worker stopped", "worker", w.name, "err", err)
			}
		}()
	}
	wg.Wait()
}

// Run serves HTTP on ln (TLS when srv.TLSConfig is set by the caller through
// serveTLS) and runs the workers until ctx ends, then shuts down gracefully.
func (s *Server) Run(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 2 * time.Minute,
		WriteTimeout: 10 * time.Minute, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(s.Log.Handler(), slog.LevelWarn)}
	wctx, stopWorkers := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { s.Workers(wctx); close(done) }()
	errc := make(chan error, 2)
	go func() { errc <- hs.Serve(ln) }()
	s.Log.Info("pictor listening", "addr", ln.Addr().String(), "url", s.Cfg.BaseURL())
	ms, err := s.serveMetrics(errc)
	if err != nil {
		stopWorkers()
		hs.Close()
		<-done
		return err
	}
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	// Streams end first: Shutdown would wait its whole deadline for an open
	// event stream, and does not wait for hijacked WebSockets at all.
	go s.API.CloseStreams(sctx)
	shutdownErr := hs.Shutdown(sctx)
	if ms != nil {
		shutdownErr = errors.Join(shutdownErr, ms.Shutdown(sctx))
	}
	streamsErr := s.API.CloseStreams(sctx)
	stopWorkers()
	<-done
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return errors.Join(err, shutdownErr, streamsErr)
}

// Close closes the database.
func (s *Server) Close() error { return s.DB.Close() }
