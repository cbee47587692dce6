// Package push sends Web Push notifications (RFC 8030) to the subscriptions
// that Mastodon clients register through the client API: one subscription
// per access token, payloads encrypted for the subscriber (RFC 8291, or the
// older "aesgcm" draft Mastodon still uses by default) and signed for the
// push service with the instance's VAPID key (RFC 8292).
package push

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/pictor-social/pictor/internal/pubsub"
	"github.com/pictor-social/pictor/store"
)

// Options configures the service; zero values take the defaults noted.
type Options struct {
	BaseURL string // the instance's URL, for icons and as VAPID subject
	// Contact is the operator's e-mail, sent as the VAPID subject
	// ("mailto:…") so push services can reach a human; "" uses BaseURL.
	Contact string
	// NotificationStream is the pubsub stream carrying store.Notification
	// payloads after commit (activitypub.StreamNotifications).
	NotificationStream string
	// AvatarURL renders an account's avatar URL for the payload's icon.
	AvatarURL   func(store.Account) string
	Workers     int           // concurrent push requests; 0 means 4
	Timeout     time.Duration // per push request; 0 means 10 s
	TTL         time.Duration // how long a push service keeps an undelivered push; 0 means 48 h
	MaxAttempts int           // tries per push for 429, 5xx and network errors; 0 means 5
	RetryBase   time.Duration // first retry delay, doubled per attempt; 0 means 30 s
}

func (o *Options) defaults() {
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.TTL <= 0 {
		o.TTL = 48 * time.Hour
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 5
	}
	if o.RetryBase <= 0 {
		o.RetryBase = 30 * time.Second
	}
}

// Service manages subscriptions and sends pushes. Safe for concurrent use.
type Service struct {
	db     *store.DB
	hub    *pubsub.Hub
	client *http.Client
	log    *slog.Logger
	opts   Options
	vapid  *VAPID
	wake   chan struct{}
	ready  chan struct{} // closed once Run listens for notifications
}

// New loads (or on first start makes) the VAPID key pair and returns the
// service. client must be the SSRF-guarded safehttp client.
func New(ctx context.Context, db *store.DB, hub *pubsub.Hub, client *http.Client, log *slog.Logger, opts Options) (*Service, error) {
	opts.defaults()
	v, err := LoadVAPID(ctx, db)
	if err != nil {
		return nil, err
	}
	return &Service{db: db, hub: hub, client: client, log: log, opts: opts, vapid: v, wake: make(chan struct{}, 1),
		ready: make(chan struct{})}, nil
}

// VAPIDKey returns the public key clients pass to the push service
// (Mastodon's vapid_key and server_key).
func (s *Service) VAPIDKey() string { return s.vapid.PublicKey() }

// subject is the VAPID "sub" claim.
func (s *Service) subject() string {
	if s.opts.Contact != "" {
		return "mailto:" + s.opts.Contact
	}
	return s.opts.BaseURL
}

// Wake makes the sender look at its queue now: notifications written by
// another process (the CLI) queue pushes this process never heard of.
func (s *Service) Wake() { s.poke() }

func (s *Service) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}
