package activitypub

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pictor-social/pictor/internal/pubsub"
	"github.com/pictor-social/pictor/screening"
	"github.com/pictor-social/pictor/store"
	"github.com/pictor-social/pictor/webfinger"
)

// Options configures federation; server fills it from the config file.
type Options struct {
	BaseURL            string // scheme://host of this instance
	FetchTimeout       time.Duration
	MaxFetchBytes      int64
	MaxInboxBytes      int64
	SignatureMaxAge    time.Duration
	InboxWorkers       int
	DeliveryWorkers    int
	PerHostConcurrency int
	DeliveryTimeout    time.Duration
	// DeliveryLease is how long claimed deliveries stay with this process:
	// past it, another process on the database sends them (this one died).
	// 0 means 3 × DeliveryTimeout + 1 minute.
	DeliveryLease    time.Duration
	RetryFor         time.Duration
	UnreachableAfter time.Duration
	ActorCacheFor    time.Duration
	// InboxDedupeFor is how long an activity's record stops a resend with
	// the same id and body from being applied again (DefaultInboxDedupeFor).
	InboxDedupeFor time.Duration
	UserAgent      string
	// WebFingerScheme is the scheme used to WebFinger remote handles:
	// "https" as Mastodon does; tests on plain http set "http".
	WebFingerScheme string
	// AllowPrivate mirrors the HTTP client's address policy; it decides
	// whether loopback hosts count as remote in tests and, with a BaseURL on
	// plain http, whether http: URLs in remote documents are accepted (only
	// https: otherwise).
	AllowPrivate bool
	// SoftwareName and Version are reported by NodeInfo.
	SoftwareName, Version string
	// PollUpdateDelay is how long after a vote on a local poll its Update
	// goes out; votes meanwhile share it (Mastodon waits 3 minutes).
	PollUpdateDelay time.Duration
	// MediaURL, when set, is where stored media files are served from (an
	// S3 bucket's public URL or a CDN): URLs.Media gives MediaURL + "/" +
	// name instead of BaseURL + "/media/" + name.
	MediaURL string
}

// DefaultInboxDedupeFor bounds how long a received activity counts as seen.
// Retries come within hours (Mastodon's first retries are minutes apart);
// any activity applied twice after that is still applied idempotently.
const DefaultInboxDedupeFor = 24 * time.Hour

func (o *Options) setDefaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&o.FetchTimeout, 10*time.Second)
	def(&o.SignatureMaxAge, DefaultMaxAge)
	def(&o.DeliveryTimeout, 10*time.Second)
	def(&o.DeliveryLease, 3*o.DeliveryTimeout+time.Minute)
	def(&o.RetryFor, 72*time.Hour)
	def(&o.UnreachableAfter, 7*24*time.Hour)
	def(&o.ActorCacheFor, 24*time.Hour)
	def(&o.InboxDedupeFor, DefaultInboxDedupeFor)
	if o.MaxFetchBytes == 0 {
		o.MaxFetchBytes = 1 << 20
	}
	if o.MaxInboxBytes == 0 {
		o.MaxInboxBytes = 1 << 20
	}
	if o.InboxWorkers == 0 {
		o.InboxWorkers = 4
	}
	if o.DeliveryWorkers == 0 {
		o.DeliveryWorkers = 16
	}
	if o.PerHostConcurrency == 0 {
		o.PerHostConcurrency = 4
	}
	if o.WebFingerScheme == "" {
		o.WebFingerScheme = "https"
	}
	if o.PollUpdateDelay <= 0 {
		o.PollUpdateDelay = 3 * time.Minute
	}
	if o.SoftwareName == "" {
		o.SoftwareName = "pictor"
	}
}

// Federation is the server-to-server side of ActivityPub: it renders local
// objects, serves them, verifies and stores what arrives in the inbox,
// processes it, fetches remote objects and delivers outgoing activities.
// Construct it with New; it is safe for concurrent use.
type Federation struct {
	db     *store.DB
	opts   Options
	URLs   URLs
	client *http.Client
	wf     *webfinger.Client
	log    *slog.Logger
	hub    *pubsub.Hub
	host   string
	// allowHTTP accepts http: URLs from remote documents (see webURL).
	allowHTTP bool

	keysMu sync.Mutex
	keys   map[int64]*rsa.PrivateKey // parsed private keys of local accounts
	keyIDs map[int64]string          // their key ids, for deliveries

	instanceMu sync.Mutex
	instance   store.Account

	nodeinfo nodeInfoDocs // NodeInfo rendered once per change of its counts (nodeinfo.go)
	actors   actorDocs    // actor documents rendered once per change (handlers.go)

	verifier *Verifier
	// Blocked reports whether a remote host is blocked by the admin; nil means none.
	Blocked func(ctx context.Context, host string) bool
	// Screening screens local posts (social) and the remote replies and
	// mentions the inbox accepts; nil screens nothing.
	Screening *screening.Checker
	// ObserveDelivery, when set, hears each delivery attempt's result (the
	// server's metrics); it must not block.
	ObserveDelivery func(host string, status int, err error)

	wakeDeliver chan struct{}
	wakeInbox   chan struct{}

	addresseeLookups atomic.Int64 // see AddresseeLookups
}

// New builds the federation component. client must be the safehttp client.
func New(db *store.DB, client *http.Client, hub *pubsub.Hub, log *slog.Logger, opts Options) (*Federation, error) {
	opts.setDefaults()
	u, err := url.Parse(opts.BaseURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("federation: bad base URL %q", opts.BaseURL)
	}
	f := &Federation{
		db: db, opts: opts, URLs: URLs{Base: strings.TrimSuffix(opts.BaseURL, "/"),
			MediaBase: strings.TrimSuffix(opts.MediaURL, "/")}, client: client, log: log, hub: hub,
		host: strings.ToLower(u.Host), allowHTTP: opts.AllowPrivate || u.Scheme == "http", keys: map[int64]*rsa.PrivateKey{}, keyIDs: map[int64]string{},
		wf:          &webfinger.Client{HTTP: client, Scheme: opts.WebFingerScheme},
		wakeDeliver: make(chan struct{}, 1), wakeInbox: make(chan struct{}, 1),
	}
	f.verifier = &Verifier{Fetch: f.fetchKey, Now: db.Now, MaxAge: opts.SignatureMaxAge}
	return f, nil
}

// Host returns this instance's host (with port when not default).
func (f *Federation) Host() string { return f.host }

// IsLocalURI reports whether uri lives on this instance.
func (f *Federation) IsLocalURI(uri string) bool {
	return hostOf(uri) == f.host
}

// hostOf returns the lower-cased host[:port] of an http(s) URL, or "" for
// anything else: "javascript://host/..." has a host too, and must never pass
// a same-host check.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return ""
	}
	return strings.ToLower(u.Host)
}

// webURL returns raw when it is a URL that apps and pages may link to or
// load and that Pictor may fetch: absolute https, or http when this instance
// allows plain http (AllowPrivate or a plain-http BaseURL, as in tests).
// Anything else taken from a remote document (javascript:, data:, vbscript:,
// file:, relative, whitespace-prefixed, over-long) gives "".
func (f *Federation) webURL(raw string) string {
	if raw == "" || len(raw) > maxURLLength {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return ""
	}
	if u.Scheme == "https" || (u.Scheme == "http" && f.allowHTTP) {
		return raw
	}
	return ""
}

// maxURLLength bounds URLs kept from remote documents (Mastodon's columns
// hold 2,048 characters).
const maxURLLength = 2048

// privateKey returns the parsed signing key of a local account, cached.
func (f *Federation) privateKey(a store.Account) (*rsa.PrivateKey, error) {
	f.keysMu.Lock()
	defer f.keysMu.Unlock()
	if k, ok := f.keys[a.ID]; ok {
		return k, nil
	}
	if a.PrivateKeyPEM == "" {
		return nil, fmt.Errorf("account %d has no private key", a.ID)
	}
	k, err := ParsePrivateKeyPEM(a.PrivateKeyPEM)
	if err != nil {
		return nil, fmt.Errorf("key of account %d: %w", a.ID, err)
	}
	k.Precompute()
	f.keys[a.ID] = k
	return k, nil
}

// InstanceActorUsername is the username of the instance actor, which signs
// fetches made on nobody's behalf. It cannot clash with a user name, since
// those may not contain dots.
const InstanceActorUsername = "instance.actor"

// InstanceActor returns the instance actor, creating it with a fresh key on
// first use.
func (f *Federation) InstanceActor(ctx context.Context) (store.Account, error) {
	f.instanceMu.Lock()
	defer f.instanceMu.Unlock()
	if f.instance.ID != 0 {
		return f.instance, nil
	}
	a, err := f.db.AccountByHandle(ctx, InstanceActorUsername, "")
	if errors.Is(err, store.ErrNotFound) {
		a, err = f.createInstanceActor(ctx)
	}
	if err != nil {
		return store.Account{}, err
	}
	f.instance = a
	return a, nil
}

func (f *Federation) createInstanceActor(ctx context.Context) (store.Account, error) {
	a, err := f.NewLocalAccount(InstanceActorUsername)
	if err != nil {
		return store.Account{}, err
	}
	a.ActorType = "Application"
	a.URI = f.URLs.InstanceActor()
	a.URL = f.URLs.Base + "/about"
	a.InboxURI = f.URLs.InstanceActor() + "/inbox"
	a.OutboxURI = f.URLs.InstanceActor() + "/outbox"
	a.PublicKeyID = a.URI + "#main-key"
	a.Discoverable, a.Indexable = false, false
	err = f.db.Write(ctx, func(tx *store.Tx) error {
		err := tx.InsertAccount(ctx, &a)
		if errors.Is(err, store.ErrConflict) {
			a, err = tx.AccountByURI(ctx, f.URLs.InstanceActor())
		}
		return err
	})
	return a, err
}

// NewLocalAccount returns a local account record for username with its URLs
// and a fresh RSA-2048 key pair; the caller inserts it.
func (f *Federation) NewLocalAccount(username string) (store.Account, error) {
	key, err := GenerateKey()
	if err != nil {
		return store.Account{}, err
	}
	priv, err := EncodePrivateKeyPEM(key)
	if err != nil {
		return store.Account{}, err
	}
	pub, err := EncodePublicKeyPEM(&key.PublicKey)
	if err != nil {
		return store.Account{}, err
	}
	u := f.URLs
	return store.Account{
		Username: username, URI: u.Actor(username), URL: u.Profile(username), ActorType: "Person",
		InboxURI: u.Inbox(username), SharedInboxURI: u.SharedInbox(), OutboxURI: u.Outbox(username),
		FollowersURI: u.Followers(username), FollowingURI: u.Following(username), FeaturedURI: u.Featured(username),
		PublicKeyID: u.Actor(username) + "#main-key", PublicKeyPEM: pub, PrivateKeyPEM: priv,
		Discoverable: true, Indexable: true,
	}, nil
}

// notify wakes a worker without blocking.
func notify(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// WakeDelivery makes the delivery worker look for due deliveries now instead
// of at its next timer; tests that move the store clock call it, and so may a
// command that enqueued deliveries from another process.
func (f *Federation) WakeDelivery() { notify(f.wakeDeliver) }

// WakeInbox makes the inbox worker look for acknowledged activities now; the
// server calls it when another process has committed to the database.
func (f *Federation) WakeInbox() { notify(f.wakeInbox) }
