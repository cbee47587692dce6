package push

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/pictor-social/pictor/store"
)

// vapidSetting is the settings key of the instance's VAPID private key
// (raw P-256 scalar, base64url). It is made on first start, never read from
// the configuration, and must not change: every subscription is bound to it.
const vapidSetting = "push.vapid_private_key"

// vapidLifetime is how long a VAPID JWT is valid; RFC 8292 §2 caps it at 24 h.
const vapidLifetime = 12 * time.Hour

// VAPID is the application server's key pair (RFC 8292).
type VAPID struct {
	key *ecdsa.PrivateKey
	pub []byte // uncompressed point
}

// LoadVAPID returns the stored key pair, making and storing one on first use.
func LoadVAPID(ctx context.Context, db *store.DB) (*VAPID, error) {
	raw, err := db.Setting(ctx, vapidSetting)
	if errors.Is(err, store.ErrNotFound) {
		return createVAPID(ctx, db)
	}
	if err != nil {
		return nil, err
	}
	return parseVAPID(raw)
}

// createVAPID stores a new key pair unless one is stored already, and
// returns the stored one: processes that start together on one database
// (and so all found none) end up with the same key, the first one written.
func createVAPID(ctx context.Context, db *store.DB) (*VAPID, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate vapid key: %w", err)
	}
	b, err := key.Bytes()
	if err != nil {
		return nil, fmt.Errorf("encode vapid key: %w", err)
	}
	var stored string
	err = db.Write(ctx, func(tx *store.Tx) error {
		var err error
		stored, err = tx.SettingOrSet(ctx, vapidSetting, base64.RawURLEncoding.EncodeToString(b))
		return err
	})
	if err != nil {
		return nil, err
	}
	return parseVAPID(stored)
}

func parseVAPID(raw string) (*VAPID, error) {
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil {
		return nil, fmt.Errorf("decode vapid key: %w", err)
	}
	key, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), b)
	if err != nil {
		return nil, fmt.Errorf("parse vapid key: %w", err)
	}
	return newVAPID(key)
}

func newVAPID(key *ecdsa.PrivateKey) (*VAPID, error) {
	pub, err := key.PublicKey.Bytes()
	if err != nil {
		return nil, fmt.Errorf("vapid public key: %w", err)
	}
	return &VAPID{key: key, pub: pub}, nil
}

// PublicKey returns the public key as Mastodon shows it (vapid_key,
// server_key): the uncompressed point, base64url with padding.
func (v *VAPID) PublicKey() string { return base64.URLEncoding.EncodeToString(v.pub) }

// token returns a signed ES256 JWT for the push service of endpoint: aud is
// the endpoint's origin, exp now+12 h, sub the operator contact.
func (v *VAPID) token(endpoint, subject string, now time.Time) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return "", fmt.Errorf("endpoint: %w", err)
	}
	claims, err := json.Marshal(map[string]any{"aud": u.Scheme + "://" + u.Host,
		"exp": now.Add(vapidLifetime).Unix(), "sub": subject})
	if err != nil {
		return "", err
	}
	enc := base64.RawURLEncoding
	input := enc.EncodeToString([]byte(`{"typ":"JWT","alg":"ES256"}`)) + "." + enc.EncodeToString(claims)
	digest := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, v.key, digest[:])
	if err != nil {
		return "", fmt.Errorf("sign vapid token: %w", err)
	}
	sig := make([]byte, 64) // JWS ES256: R and S, 32 bytes each (RFC 7518 §3.4)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return input + "." + enc.EncodeToString(sig), nil
}
