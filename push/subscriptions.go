package push

import (
	"context"
	"crypto/ecdh"
	"encoding/base64"
	"errors"
	"net/url"
	"strings"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/store"
)

// Alerts are the notification types a subscription may ask for, in
// Mastodon's order (WebPushSubscription.alerts).
var Alerts = []string{"mention", "status", "reblog", "follow", "follow_request", "favourite", "poll", "update",
	"admin.sign_up", "admin.report"}

// Policies are the accepted values of data[policy].
var policies = map[string]bool{"all": true, "followed": true, "follower": true, "none": true}

const maxEndpoint = 2048

// Owner is the access token a subscription belongs to.
type Owner struct {
	TokenID     int64
	AccountID   int64
	AccessToken string // in clear, for the payload
}

// Request is a subscription as a client sends it.
type Request struct {
	Endpoint string
	P256DH   string // base64 or base64url, padded or not
	Auth     string
	Standard bool
	Data     Data
}

// Data is the part of a subscription a client may change later.
type Data struct {
	Alerts []string // enabled types; unknown names are ignored
	Policy string   // "" means "all"
}

// Subscribe validates req and stores it as the token's subscription,
// replacing any earlier one. Invalid input is apperr.Invalid (422).
func (s *Service) Subscribe(ctx context.Context, o Owner, req Request) (store.PushSubscription, error) {
	if err := validEndpoint(req.Endpoint); err != nil {
		return store.PushSubscription{}, err
	}
	p256dh, err := decodeKey(req.P256DH)
	if err == nil {
		_, err = ecdh.P256().NewPublicKey(p256dh)
	}
	if err != nil {
		return store.PushSubscription{}, apperr.Invalid("subscription[keys][p256dh] is not a P-256 public key")
	}
	auth, err := decodeKey(req.Auth)
	if err != nil || len(auth) != 16 {
		return store.PushSubscription{}, apperr.Invalid("subscription[keys][auth] must be 16 bytes in base64")
	}
	alerts, policy, err := req.Data.clean()
	if err != nil {
		return store.PushSubscription{}, err
	}
	sub := store.PushSubscription{TokenID: o.TokenID, AccountID: o.AccountID, Endpoint: req.Endpoint, P256DH: p256dh,
		Auth: auth, AccessToken: o.AccessToken, Alerts: alerts, Policy: policy, Standard: req.Standard}
	err = s.db.Write(ctx, func(tx *store.Tx) error { return tx.ReplacePushSubscription(ctx, &sub) })
	return sub, err
}

// Subscription returns the token's subscription, or a 404 "Record not found".
func (s *Service) Subscription(ctx context.Context, tokenID int64) (store.PushSubscription, error) {
	sub, err := s.db.PushSubscriptionByToken(ctx, tokenID)
	if errors.Is(err, store.ErrNotFound) {
		return sub, apperr.NotFound("Record not found")
	}
	return sub, err
}

// Update replaces the alerts and policy of the token's subscription, as
// Mastodon's PUT does; 404 when there is none.
func (s *Service) Update(ctx context.Context, tokenID int64, d Data) (store.PushSubscription, error) {
	alerts, policy, err := d.clean()
	if err != nil {
		return store.PushSubscription{}, err
	}
	var sub store.PushSubscription
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		var err error
		sub, err = tx.UpdatePushSubscriptionData(ctx, tokenID, alerts, policy)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return sub, apperr.NotFound("Record not found")
	}
	return sub, err
}

// Unsubscribe removes the token's subscription; none is not an error.
func (s *Service) Unsubscribe(ctx context.Context, tokenID int64) error {
	return s.db.Write(ctx, func(tx *store.Tx) error { return tx.DeletePushSubscriptionOfToken(ctx, tokenID) })
}

func (d Data) clean() ([]string, string, error) {
	policy := d.Policy
	if policy == "" {
		policy = "all"
	}
	if !policies[policy] {
		return nil, "", apperr.Invalid("data[policy] must be all, followed, follower or none")
	}
	want := map[string]bool{}
	for _, a := range d.Alerts {
		want[a] = true
	}
	var alerts []string
	for _, a := range Alerts {
		if want[a] {
			alerts = append(alerts, a)
		}
	}
	return alerts, policy, nil
}

func validEndpoint(endpoint string) error {
	if endpoint == "" {
		return apperr.Invalid("subscription[endpoint] is required")
	}
	u, err := url.Parse(endpoint)
	if err != nil || len(endpoint) > maxEndpoint || u.Scheme != "https" || u.Host == "" || u.User != nil {
		return apperr.Invalid("subscription[endpoint] must be an https URL of at most %d characters", maxEndpoint)
	}
	return nil
}

// decodeKey accepts the base64 forms clients send: URL-safe or standard
// alphabet, with or without padding.
func decodeKey(s string) ([]byte, error) {
	s = strings.TrimRight(strings.TrimSpace(s), "=")
	s = strings.NewReplacer("+", "-", "/", "_").Replace(s)
	if s == "" || len(s) > 256 {
		return nil, errors.New("bad key")
	}
	return base64.RawURLEncoding.DecodeString(s)
}
