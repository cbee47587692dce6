// Package pushsvc is a loopback Web Push service for tests: it plays the
// push service and the subscribed browser together, so every push a
// Pictor server sends is checked the way the real pair would check it —
// the VAPID JWT (RFC 8292) verified against the instance key, the payload
// decrypted (RFC 8291 "aes128gcm" or the older "aesgcm" draft) with the
// subscriber's private key — and then handed to the test in order.
package pushsvc

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// maxBody bounds a push message; a real push service takes 4 KiB payloads.
const maxBody = 8 << 10

// Payload is the JSON a Mastodon app finds in a push (Mastodon's web
// notification serializer).
type Payload struct {
	AccessToken      string `json:"access_token"`
	PreferredLocale  string `json:"preferred_locale"`
	NotificationID   int64  `json:"notification_id"`
	NotificationType string `json:"notification_type"`
	Icon             string `json:"icon"`
	Title            string `json:"title"`
	Body             string `json:"body"`
}

// Push is one POST the service received. Err says why it would have been
// refused or could not be read; the other fields hold what was understood.
type Push struct {
	Path    string
	Header  http.Header
	Claims  map[string]any // the VAPID JWT's claims
	Payload Payload
	Err     error
}

// Options configure New.
type Options struct {
	// Start serves the handler over HTTPS on loopback; nil means
	// httptest.NewTLSServer (then trust Server.Certificate()). Pass
	// tlstest.CA.NewServer to be trusted by servers using that CA.
	Start func(http.Handler) *httptest.Server
	// VAPIDKey is the application server key pushes must be signed with
	// (base64url, padding optional); it can also be set with SetVAPIDKey.
	VAPIDKey string
	// Statuses are the answers to the first pushes, in order; after them
	// every push gets 201 Created.
	Statuses []int
}

// Service is a running push service with one subscriber key pair. Safe for
// concurrent use.
type Service struct {
	Server *httptest.Server
	key    *ecdh.PrivateKey
	auth   []byte
	got    chan Push
	mu     sync.Mutex
	vapid  string
	status []int
}

// New starts a service with a fresh P-256 key and 16-byte auth secret and
// stops it when the test ends.
func New(t testing.TB, opts Options) *Service {
	t.Helper()
	key, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s := &Service{key: key, auth: make([]byte, 16), got: make(chan Push, 64), vapid: opts.VAPIDKey, status: opts.Statuses}
	if _, err := rand.Read(s.auth); err != nil {
		t.Fatal(err)
	}
	start := opts.Start
	if start == nil {
		start = httptest.NewTLSServer
	}
	s.Server = start(http.HandlerFunc(s.serve))
	t.Cleanup(s.Server.Close)
	return s
}

// Endpoint returns the subscription endpoint URL for path (e.g. "/push/a").
func (s *Service) Endpoint(path string) string { return s.Server.URL + path }

// Key returns the subscriber's private key.
func (s *Service) Key() *ecdh.PrivateKey { return s.key }

// P256DH returns the subscriber's public key as browsers hand it to
// clients: the uncompressed point, base64url without padding.
func (s *Service) P256DH() string {
	return base64.RawURLEncoding.EncodeToString(s.key.PublicKey().Bytes())
}

// Auth returns a copy of the raw auth secret.
func (s *Service) Auth() []byte { return append([]byte(nil), s.auth...) }

// AuthSecret returns the auth secret base64url without padding.
func (s *Service) AuthSecret() string { return base64.RawURLEncoding.EncodeToString(s.auth) }

// SetVAPIDKey sets the application server key later pushes must carry.
func (s *Service) SetVAPIDKey(k string) {
	s.mu.Lock()
	s.vapid = k
	s.mu.Unlock()
}

// Next returns the next push in arrival order. It fails the test if none
// comes within timeout or if the push was malformed, unsigned or
// undecryptable.
func (s *Service) Next(t testing.TB, timeout time.Duration) Push {
	t.Helper()
	select {
	case p := <-s.got:
		if p.Err != nil {
			t.Fatalf("push to %s: %v", p.Path, p.Err)
		}
		return p
	case <-time.After(timeout):
		t.Fatalf("no push within %v", timeout)
	}
	return Push{}
}

// Pending returns how many received pushes Next has not returned yet.
func (s *Service) Pending() int { return len(s.got) }

func (s *Service) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	p := Push{Path: r.URL.Path, Header: r.Header.Clone(), Err: err}
	s.mu.Lock()
	vapid := s.vapid
	code := http.StatusCreated
	if len(s.status) > 0 {
		code, s.status = s.status[0], s.status[1:]
	}
	s.mu.Unlock()
	if p.Err == nil && len(body) > maxBody {
		p.Err = errors.New("push body over 8 KiB")
	}
	if p.Err == nil {
		p.Claims, p.Err = CheckVAPID(r.Header, vapid)
	}
	if p.Err == nil {
		var plain []byte
		if plain, p.Err = s.decrypt(r.Header, body); p.Err == nil {
			p.Err = json.Unmarshal(plain, &p.Payload)
		}
	}
	// Recorded before answering, so once the sender has its answer the
	// test can see the push.
	s.got <- p
	w.WriteHeader(code)
}

func (s *Service) decrypt(h http.Header, body []byte) ([]byte, error) {
	switch h.Get("Content-Encoding") {
	case "aes128gcm":
		return DecryptStandard(s.key, s.auth, body)
	case "aesgcm":
		salt, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(h.Get("Encryption"), "salt="))
		if err != nil {
			return nil, errors.New("bad Encryption header: " + h.Get("Encryption"))
		}
		dh, err := base64.RawURLEncoding.DecodeString(param(h.Get("Crypto-Key"), "dh"))
		if err != nil {
			return nil, errors.New("bad Crypto-Key header: " + h.Get("Crypto-Key"))
		}
		return DecryptLegacy(s.key, s.auth, salt, dh, body)
	}
	return nil, errors.New("unknown content encoding " + h.Get("Content-Encoding"))
}

// param reads name=value out of a ";"- or ","-separated header.
func param(h, name string) string {
	for _, part := range strings.FieldsFunc(h, func(r rune) bool { return r == ';' || r == ',' }) {
		if k, v, ok := strings.Cut(strings.TrimSpace(part), "="); ok && k == name {
			return v
		}
	}
	return ""
}

// CheckVAPID verifies a push's VAPID credentials against key (base64url,
// padding optional) and returns the JWT's claims. It accepts RFC 8292's
// "Authorization: vapid t=…, k=…" and the older draft's "WebPush <jwt>"
// with the key in Crypto-Key's p256ecdsa; it fails when the announced key
// is not key, the JWT is not ES256 or its signature does not verify.
func CheckVAPID(h http.Header, key string) (map[string]any, error) {
	var jwt, k string
	if a, ok := strings.CutPrefix(h.Get("Authorization"), "vapid "); ok {
		jwt, k = param(a, "t"), param(a, "k")
	} else if a, ok := strings.CutPrefix(h.Get("Authorization"), "WebPush "); ok {
		jwt, k = a, param(h.Get("Crypto-Key"), "p256ecdsa")
	}
	if jwt == "" || key == "" || k != strings.TrimRight(key, "=") {
		return nil, errors.New("no VAPID header with the instance key: " + h.Get("Authorization"))
	}
	keyBytes, err := base64.RawURLEncoding.DecodeString(k)
	if err != nil {
		return nil, err
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), keyBytes)
	if err != nil {
		return nil, err
	}
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return nil, errors.New("malformed JWT")
	}
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if len(sig) != 64 || !ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		return nil, errors.New("bad JWT signature")
	}
	var head, claims map[string]any
	hb, _ := base64.RawURLEncoding.DecodeString(parts[0])
	cb, _ := base64.RawURLEncoding.DecodeString(parts[1])
	if json.Unmarshal(hb, &head) != nil || head["alg"] != "ES256" || json.Unmarshal(cb, &claims) != nil {
		return nil, errors.New("bad JWT header or claims")
	}
	return claims, nil
}
