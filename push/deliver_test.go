package push

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/internal/pubsub"
	"github.com/pictor-social/pictor/internal/safehttp"
	"github.com/pictor-social/pictor/internal/testkit/pushsvc"
	"github.com/pictor-social/pictor/store"
)

const stream = "notifications"

// env is a store with two accounts (alice receives, bob sends), a running
// push service and a token of alice's.
type env struct {
	db         *store.DB
	hub        *pubsub.Hub
	svc        *Service
	alice, bob store.Account
	tokenID    int64
	ctx        context.Context
	pushes     *pushsvc.Service
}

func newEnv(t *testing.T, statuses ...int) *env {
	t.Helper()
	e := newIdleEnv(t, statuses...)
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan struct{})
	go func() { e.svc.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	<-e.svc.ready
	return e
}

// newIdleEnv is newEnv without the worker running.
func newIdleEnv(t *testing.T, statuses ...int) *env {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "p.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{db: db, hub: pubsub.New(), ctx: ctx, pushes: pushsvc.New(t, pushsvc.Options{Statuses: statuses})}
	pool := x509.NewCertPool()
	pool.AddCert(e.pushes.Server.Certificate())
	client := safehttp.New(safehttp.Options{AllowPrivate: true, RootCAs: pool})
	e.svc, err = New(ctx, db, e.hub, client, slog.New(slog.DiscardHandler), Options{BaseURL: "https://pictor.example",
		Contact: "admin@pictor.example", NotificationStream: stream, RetryBase: 10 * time.Millisecond,
		AvatarURL: func(a store.Account) string { return "https://pictor.example/avatars/" + a.Username }})
	if err != nil {
		t.Fatal(err)
	}
	e.pushes.SetVAPIDKey(e.svc.VAPIDKey())
	err = db.Write(ctx, func(tx *store.Tx) error {
		e.alice = store.Account{Username: "alice", URI: "https://pictor.example/users/alice"}
		e.bob = store.Account{Username: "bob", DisplayName: "Bob", URI: "https://pictor.example/users/bob", Note: "<p>I draw &amp; paint</p>"}
		for _, a := range []*store.Account{&e.alice, &e.bob} {
			if err := tx.InsertAccount(ctx, a); err != nil {
				return err
			}
		}
		app := store.OAuthApp{Name: "app", ClientID: "cid", ClientSecretHash: "x", Scopes: "read push"}
		if err := tx.InsertOAuthApp(ctx, &app); err != nil {
			return err
		}
		tok := store.OAuthToken{TokenHash: "h1", AppID: app.ID, AccountID: e.alice.ID, Scopes: "read push"}
		err := tx.InsertOAuthToken(ctx, &tok)
		e.tokenID = tok.ID
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); db.Close() })
	return e
}

func (e *env) subscribe(t *testing.T, standard bool, alerts []string, policy string) store.PushSubscription {
	t.Helper()
	sub, err := e.svc.Subscribe(e.ctx, Owner{TokenID: e.tokenID, AccountID: e.alice.ID, AccessToken: "tok-alice"}, Request{
		Endpoint: e.pushes.Endpoint("/push/abc"), Standard: standard,
		P256DH: base64.StdEncoding.EncodeToString(e.pushes.Key().PublicKey().Bytes()),
		Auth:   e.pushes.AuthSecret(), Data: Data{Alerts: alerts, Policy: policy}})
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

// notify stores a notification from bob to alice and publishes it as
// activitypub does after commit.
func (e *env) notify(t *testing.T, typ string) store.Notification {
	t.Helper()
	n := store.Notification{AccountID: e.alice.ID, FromAccountID: e.bob.ID, Type: typ}
	err := e.db.Write(e.ctx, func(tx *store.Tx) error { _, err := tx.InsertNotification(e.ctx, &n); return err })
	if err != nil {
		t.Fatal(err)
	}
	e.hub.Publish(pubsub.Event{Stream: stream, Kind: "notification", Payload: n})
	return n
}

func TestPushIsEncryptedAndSigned(t *testing.T) {
	for _, standard := range []bool{true, false} {
		t.Run("standard="+strconv.FormatBool(standard), func(t *testing.T) {
			e := newEnv(t)
			e.subscribe(t, standard, []string{"follow"}, "")
			start := time.Now()
			n := e.notify(t, store.NotifyFollow)
			rc := e.pushes.Next(t, 10*time.Second)
			want := pushsvc.Payload{AccessToken: "tok-alice", PreferredLocale: "en", NotificationID: n.ID, NotificationType: "follow",
				Icon: "https://pictor.example/avatars/bob", Title: "Bob followed you", Body: "I draw & paint"}
			if rc.Payload != want {
				t.Errorf("payload %+v\nwant %+v", rc.Payload, want)
			}
			if aud := rc.Claims["aud"]; aud != e.pushes.Server.URL {
				t.Errorf("aud %v, want %s", aud, e.pushes.Server.URL)
			}
			if sub := rc.Claims["sub"]; sub != "mailto:admin@pictor.example" {
				t.Errorf("sub %v", sub)
			}
			exp, _ := rc.Claims["exp"].(float64)
			if d := time.Unix(int64(exp), 0).Sub(start); d <= 0 || d > 24*time.Hour {
				t.Errorf("exp %v from now", d)
			}
			if ttl := rc.Header.Get("TTL"); ttl != "172800" || rc.Header.Get("Urgency") != "normal" {
				t.Errorf("TTL %q, Urgency %q", ttl, rc.Header.Get("Urgency"))
			}
		})
	}
}

func TestGoneSubscriptionIsDeleted(t *testing.T) {
	for _, code := range []int{http.StatusGone, http.StatusNotFound} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			e := newEnv(t, code)
			sub := e.subscribe(t, true, []string{"follow"}, "all")
			e.notify(t, store.NotifyFollow)
			e.pushes.Next(t, 10*time.Second)
			eventually(t, func() bool {
				_, err := e.db.PushSubscriptionByID(e.ctx, sub.ID)
				return errors.Is(err, store.ErrNotFound)
			})
		})
	}
}

func TestRateLimitedPushIsRetried(t *testing.T) {
	e := newEnv(t, http.StatusTooManyRequests, http.StatusServiceUnavailable)
	e.subscribe(t, true, []string{"favourite"}, "all")
	n := e.notify(t, store.NotifyFavourite)
	for i := 0; i < 3; i++ {
		if got := e.pushes.Next(t, 10*time.Second).Payload.NotificationID; got != n.ID {
			t.Fatalf("attempt %d pushed %d, want %d", i+1, got, n.ID)
		}
	}
	eventually(t, func() bool { next, _ := e.db.NextPushDeliveryAt(e.ctx); return next.IsZero() })
}

func TestAlertsAndPolicySelectPushes(t *testing.T) {
	cases := []struct {
		name         string
		alerts       []string
		policy       string
		aliceFollows bool // alice follows bob
		bobFollows   bool // bob follows alice
		typ          string
		want         bool
	}{
		{"alert on", []string{"mention"}, "all", false, false, store.NotifyMention, true},
		{"alert off", []string{"mention"}, "all", false, false, store.NotifyFavourite, false},
		{"none", []string{"mention"}, "none", true, true, store.NotifyMention, false},
		{"followed, not following", []string{"mention"}, "followed", false, true, store.NotifyMention, false},
		{"followed, following", []string{"mention"}, "followed", true, false, store.NotifyMention, true},
		{"follower, not followed", []string{"mention"}, "follower", true, false, store.NotifyMention, false},
		{"follower, followed", []string{"mention"}, "follower", false, true, store.NotifyMention, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newIdleEnv(t)
			e.subscribe(t, true, tc.alerts, tc.policy)
			e.follow(t, tc.aliceFollows, e.alice.ID, e.bob.ID)
			e.follow(t, tc.bobFollows, e.bob.ID, e.alice.ID)
			n := store.Notification{AccountID: e.alice.ID, FromAccountID: e.bob.ID, Type: tc.typ}
			if err := e.db.Write(e.ctx, func(tx *store.Tx) error { _, err := tx.InsertNotification(e.ctx, &n); return err }); err != nil {
				t.Fatal(err)
			}
			next, err := e.db.NextPushDeliveryAt(e.ctx)
			if err != nil {
				t.Fatal(err)
			}
			if got := !next.IsZero(); got != tc.want {
				t.Fatalf("queued %v, want %v", got, tc.want)
			}
		})
	}
}

func (e *env) follow(t *testing.T, yes bool, from, to int64) {
	t.Helper()
	if !yes {
		return
	}
	err := e.db.Write(e.ctx, func(tx *store.Tx) error {
		return tx.UpsertFollow(e.ctx, &store.Follow{AccountID: from, TargetAccountID: to,
			URI: "https://pictor.example/follows/" + strconv.FormatInt(from, 10), Accepted: true})
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestRevokingTheTokenEndsTheSubscription(t *testing.T) {
	e := newEnv(t)
	e.subscribe(t, true, []string{"mention"}, "")
	if _, err := e.svc.Subscription(e.ctx, e.tokenID); err != nil {
		t.Fatal(err)
	}
	if err := e.db.Write(e.ctx, func(tx *store.Tx) error { return tx.RevokeOAuthToken(e.ctx, e.tokenID) }); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Subscription(e.ctx, e.tokenID); apperr.StatusOf(err) != http.StatusNotFound {
		t.Fatalf("after revoke: %v", err)
	}
}

func TestSubscribeValidates(t *testing.T) {
	e := newEnv(t)
	key := e.pushes.P256DH()
	auth := e.pushes.AuthSecret()
	cases := []struct {
		name string
		req  Request
	}{
		{"no endpoint", Request{P256DH: key, Auth: auth}},
		{"http endpoint", Request{Endpoint: "http://push.example/x", P256DH: key, Auth: auth}},
		{"not a URL", Request{Endpoint: "https//push", P256DH: key, Auth: auth}},
		{"endpoint with credentials", Request{Endpoint: "https://u:p@push.example/x", P256DH: key, Auth: auth}},
		{"long endpoint", Request{Endpoint: "https://push.example/" + strings.Repeat("a", maxEndpoint), P256DH: key, Auth: auth}},
		{"key not on curve", Request{Endpoint: "https://push.example/x", P256DH: "BAAA" + key[4:], Auth: auth}},
		{"key not base64", Request{Endpoint: "https://push.example/x", P256DH: "!!", Auth: auth}},
		{"short auth", Request{Endpoint: "https://push.example/x", P256DH: key, Auth: "AAAA"}},
		{"bad policy", Request{Endpoint: "https://push.example/x", P256DH: key, Auth: auth, Data: Data{Policy: "friends"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.svc.Subscribe(e.ctx, Owner{TokenID: e.tokenID, AccountID: e.alice.ID}, tc.req)
			if apperr.StatusOf(err) != http.StatusUnprocessableEntity {
				t.Fatalf("err %v, want 422", err)
			}
		})
	}
}

func TestVAPIDKeyIsKept(t *testing.T) {
	e := newEnv(t)
	v, err := LoadVAPID(e.ctx, e.db)
	if err != nil {
		t.Fatal(err)
	}
	if v.PublicKey() != e.svc.VAPIDKey() || len(v.pub) != 65 {
		t.Fatalf("reloaded key %s, want %s", v.PublicKey(), e.svc.VAPIDKey())
	}
}

// A process that found no key and made one while another process stored
// its own keeps the stored key, so every process signs with the key the
// instance shows.
func TestVAPIDKeyFirstWriterWins(t *testing.T) {
	e := newEnv(t)
	v, err := createVAPID(e.ctx, e.db) // as the second of two processes that found no key
	if err != nil {
		t.Fatal(err)
	}
	if v.PublicKey() != e.svc.VAPIDKey() {
		t.Fatalf("second first-use key %s, want the stored %s", v.PublicKey(), e.svc.VAPIDKey())
	}
}

// eventually polls cond until it holds or 10 s pass.
func eventually(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A notification committed while the push service is not running (the
// process stopped between the commit and the event) is pushed once it runs:
// the push is queued in the notification's own transaction.
func TestNotificationStoredWhileStoppedIsPushedAfterStart(t *testing.T) {
	e := newIdleEnv(t)
	e.subscribe(t, true, []string{"favourite"}, "all")
	n := store.Notification{AccountID: e.alice.ID, FromAccountID: e.bob.ID, Type: store.NotifyFavourite}
	if err := e.db.Write(e.ctx, func(tx *store.Tx) error { _, err := tx.InsertNotification(e.ctx, &n); return err }); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan struct{})
	go func() { e.svc.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	if got := e.pushes.Next(t, 10*time.Second).Payload; got.NotificationID != n.ID || got.NotificationType != "favourite" {
		t.Fatalf("push %+v, want notification %d", got, n.ID)
	}
}

// Notifications from a domain the recipient blocked are not pushed.
func TestNoPushFromABlockedDomain(t *testing.T) {
	e := newIdleEnv(t)
	e.subscribe(t, true, []string{"mention"}, "all")
	carol := store.Account{Username: "carol", Domain: "there.test", URI: "https://there.test/users/carol"}
	err := e.db.Write(e.ctx, func(tx *store.Tx) error {
		if err := tx.InsertAccount(e.ctx, &carol); err != nil {
			return err
		}
		if _, err := tx.InsertUserDomainBlock(e.ctx, e.alice.ID, "there.test"); err != nil {
			return err
		}
		_, err := tx.InsertNotification(e.ctx, &store.Notification{AccountID: e.alice.ID, FromAccountID: carol.ID, Type: store.NotifyMention})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if next, err := e.db.NextPushDeliveryAt(e.ctx); err != nil || !next.IsZero() {
		t.Fatalf("a push from the blocked domain was queued (due %v, %v)", next, err)
	}
	e.notify(t, store.NotifyMention) // from bob, on this server
	if next, err := e.db.NextPushDeliveryAt(e.ctx); err != nil || next.IsZero() {
		t.Fatalf("the push from bob was not queued (%v)", err)
	}
}
