package activitypub

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-fed/httpsig"
)

// Errors returned (wrapped) by Verifier.Verify. Every one of them wraps
// ErrSignature, so `errors.Is(err, ErrSignature)` tells the inbox to answer 401
// (interop.md D.4: never 400 for a signature or key problem).
var (
	// ErrSignature marks any failure to authenticate a request by its signature.
	ErrSignature = errors.New("http signature not valid")
	// ErrUnsigned means the request carried no Signature or Authorization: Signature header.
	ErrUnsigned = fmt.Errorf("%w: request is not signed", ErrSignature)
	// ErrSignatureClock means the signature's Date or (created) lies outside the accepted window.
	ErrSignatureClock = fmt.Errorf("%w: signature time outside the accepted window", ErrSignature)
	// ErrKeyUnavailable means the KeyFetcher could not produce the key; the fetcher's
	// own error is wrapped as well.
	ErrKeyUnavailable = fmt.Errorf("%w: signing key unavailable", ErrSignature)
)

// Defaults for Verifier's time window, matching what Mastodon accepts for a
// Date-only signature (interop.md A.3).
const (
	DefaultMaxAge    = 65 * time.Minute
	DefaultMaxFuture = time.Hour
)

// Bounds on what a remote Signature header may contain.
const (
	maxSignatureHeader = 8 << 10
	maxSignedHeaders   = 32
)

// SignRequest signs r in place with draft-cavage HTTP Signatures, the form
// Mastodon, GoToSocial, Bridgy Fed and Fedify accept (interop.md A.3, D.2). It sets
// Host (r.Host, else r.URL.Host), Date (from now, in http.TimeFormat) and, for a
// POST or a non-empty body, Digest over body; then it signs
// `(request-target) host date` plus `digest` with rsa-sha256 and writes the
// Signature header with algorithm="rsa-sha256". Any previous Signature and
// Digest headers are replaced, so a retry can re-sign the same request with a
// fresh Date. body must be exactly the bytes that will be sent; SignRequest does
// not touch r.Body. It is safe for concurrent use on different requests.
func SignRequest(r *http.Request, body []byte, keyID string, key *rsa.PrivateKey, now time.Time) error {
	host := r.Host
	if host == "" && r.URL != nil {
		host = r.URL.Host
	}
	if host == "" || key == nil || keyID == "" {
		return errors.New("sign request: missing host, key or key id")
	}
	r.Header.Set("Host", host)
	r.Header.Set("Date", now.UTC().Format(http.TimeFormat))
	r.Header.Del("Signature")
	r.Header.Del("Digest")
	headers := []string{httpsig.RequestTarget, "host", "date"}
	var digestBody []byte
	if r.Method == http.MethodPost || len(body) > 0 {
		headers = append(headers, "digest")
		digestBody = append([]byte{}, body...)
	}
	// Signers keep per-call state and are not goroutine-safe: one per call.
	signer, _, err := httpsig.NewSigner([]httpsig.Algorithm{httpsig.RSA_SHA256},
		httpsig.DigestSha256, headers, httpsig.Signature, 0)
	if err != nil {
		return fmt.Errorf("sign request: %w", err)
	}
	// httpsig builds (request-target) from the decoded URL.Path; sign the escaped
	// path that actually goes on the request line instead (toolchain.md).
	shallow := *r
	u := *r.URL
	u.Path, u.RawPath = r.URL.EscapedPath(), ""
	shallow.URL = &u
	if err := signer.SignRequest(key, keyID, &shallow, digestBody); err != nil {
		return fmt.Errorf("sign request: %w", err)
	}
	// httpsig always writes hs2019; the field is not signed, and rsa-sha256 is
	// what Mastodon itself sends.
	sig := r.Header.Get("Signature")
	r.Header.Set("Signature", strings.Replace(sig, `algorithm="hs2019"`, `algorithm="rsa-sha256"`, 1))
	return nil
}

// PublicKey is a remote signing key as resolved by a KeyFetcher.
type PublicKey struct {
	ID    string           // the key's id (usually the keyId, with or without fragment)
	Owner string           // the actor that owns the key; must be non-empty
	Key   crypto.PublicKey // *rsa.PublicKey or ed25519.PublicKey
}

// KeyFetcher resolves a keyId to its key and owner. With refresh false it may
// answer from a cache; with refresh true it must refetch from the origin (the
// key may have been rotated). It must bound its own network use.
type KeyFetcher func(ctx context.Context, keyID string, refresh bool) (PublicKey, error)

// Verified is what a successful Verify established.
type Verified struct {
	KeyID string // keyId as sent in the signature
	Owner string // the key's owner actor, as reported by the KeyFetcher
}

// Verifier checks incoming draft-cavage HTTP signatures the way Mastodon does
// (interop.md A.3, D.3). The zero values of Now, MaxAge and MaxFuture mean
// time.Now, DefaultMaxAge and DefaultMaxFuture. A Verifier is safe for
// concurrent use if Fetch is.
type Verifier struct {
	Fetch     KeyFetcher
	Now       func() time.Time
	MaxAge    time.Duration
	MaxFuture time.Duration
}

// Verify authenticates r, whose body has already been read into body (the exact
// bytes received). It requires a Signature (or Authorization: Signature) header
// with keyId and signature; the algorithm may be rsa-sha256, hs2019 or absent.
// The signed headers must include date or (created), (request-target) or
// digest, host on GET and HEAD, and digest on POST. The Digest is checked
// against body and the signature time against the window before any key is
// fetched. If the signature does not verify with the fetched key, the key is
// fetched once more with refresh=true and the check repeated. (request-target)
// is tried with and without the query string.
//
// Every error wraps ErrSignature; more specific ones wrap ErrUnsigned,
// ErrDigest, ErrSignatureClock or ErrKeyUnavailable.
//
// A request with a Signature-Input header is verified as RFC 9421 instead:
// one signature, keyid and created required, @method and @target-uri covered,
// Content-Digest covered and checked on POST, alg rsa-v1_5-sha256 or absent
// (ed25519 for Ed25519 keys), same time window and key refresh.
func (v *Verifier) Verify(r *http.Request, body []byte) (Verified, error) {
	if v.Fetch == nil {
		return Verified{}, errors.New("verify signature: no key fetcher")
	}
	if r.Header.Get("Signature-Input") != "" {
		return v.verifyRFC9421(r, body)
	}
	p, err := parseSignatureHeader(r.Header)
	if err != nil {
		return Verified{}, err
	}
	if err := p.checkRequired(r.Method); err != nil {
		return Verified{}, err
	}
	if err := v.checkTime(p, r.Header); err != nil {
		return Verified{}, err
	}
	if p.signs("digest") {
		if err := CheckDigest(r.Header.Get("Digest"), body); err != nil {
			return Verified{}, err
		}
	}
	bases, err := signingStrings(r, p)
	if err != nil {
		return Verified{}, err
	}
	return v.verifyWithKey(r.Context(), p.keyID, func(key crypto.PublicKey) bool {
		for _, base := range bases {
			if checkSignature(key, base, p.signature) {
				return true
			}
		}
		return false
	})
}

// verifyWithKey fetches the key for keyID and runs check; on failure it
// refetches the key once (key rotation, interop.md D.9) and checks again.
func (v *Verifier) verifyWithKey(ctx context.Context, keyID string, check func(crypto.PublicKey) bool) (Verified, error) {
	key, err := v.Fetch(ctx, keyID, false)
	if err != nil {
		return Verified{}, fmt.Errorf("%w: %s: %w", ErrKeyUnavailable, keyID, err)
	}
	if !check(key.Key) {
		key, err = v.Fetch(ctx, keyID, true)
		if err != nil {
			return Verified{}, fmt.Errorf("%w: refetch %s: %w", ErrKeyUnavailable, keyID, err)
		}
		if !check(key.Key) {
			return Verified{}, fmt.Errorf("%w: signature does not match key %s", ErrSignature, keyID)
		}
	}
	if key.Owner == "" {
		return Verified{}, fmt.Errorf("%w: key %s has no owner", ErrKeyUnavailable, keyID)
	}
	return Verified{KeyID: keyID, Owner: key.Owner}, nil
}

// checkTime enforces the signature time window: not more than MaxFuture ahead
// of now, not older than MaxAge, and not past an explicit (expires).
func (v *Verifier) checkTime(p sigParams, h http.Header) error {
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	maxAge, maxFuture := v.MaxAge, v.MaxFuture
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	if maxFuture <= 0 {
		maxFuture = DefaultMaxFuture
	}
	var created time.Time
	if p.signs("(created)") {
		created = time.Unix(p.created, 0)
	} else {
		t, err := http.ParseTime(h.Get("Date"))
		if err != nil {
			return fmt.Errorf("%w: unreadable Date header", ErrSignatureClock)
		}
		created = t
	}
	if created.After(now.Add(maxFuture)) {
		return fmt.Errorf("%w: created %s is in the future", ErrSignatureClock, created.UTC().Format(time.RFC3339))
	}
	if now.Sub(created) > maxAge {
		return fmt.Errorf("%w: created %s is too old", ErrSignatureClock, created.UTC().Format(time.RFC3339))
	}
	if p.signs("(expires)") && now.After(time.Unix(p.expires, 0)) {
		return fmt.Errorf("%w: signature expired", ErrSignatureClock)
	}
	return nil
}

// checkSignature reports whether sig (base64) is a valid signature of base by
// key: RSASSA-PKCS1-v1_5 with SHA-256 for RSA keys (whatever the algorithm
// label says, as Mastodon does), Ed25519 for Ed25519 keys.
func checkSignature(key crypto.PublicKey, base, sig string) bool {
	raw, err := base64.StdEncoding.DecodeString(sig)
	if err != nil {
		raw, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(sig, "="))
		if err != nil {
			return false
		}
	}
	switch k := key.(type) {
	case *rsa.PublicKey:
		sum := sha256.Sum256([]byte(base))
		return rsa.VerifyPKCS1v15(k, crypto.SHA256, sum[:], raw) == nil
	case ed25519.PublicKey:
		return len(k) == ed25519.PublicKeySize && ed25519.Verify(k, []byte(base), raw)
	}
	return false
}

// sigParams are the parameters of a draft-cavage Signature header.
type sigParams struct {
	keyID, algorithm, signature string
	headers                     []string // lower-cased
	created, expires            int64
}

func (p sigParams) signs(h string) bool {
	for _, x := range p.headers {
		if x == h {
			return true
		}
	}
	return false
}

// checkRequired applies Mastodon's rules on the algorithm and the signed header
// list (interop.md A.3).
func (p sigParams) checkRequired(method string) error {
	hs2019 := p.algorithm == "" || p.algorithm == "hs2019"
	if !hs2019 && p.algorithm != "rsa-sha256" {
		return fmt.Errorf("%w: unsupported algorithm %q", ErrSignature, p.algorithm)
	}
	if !hs2019 && (p.signs("(created)") || p.signs("(expires)")) {
		return fmt.Errorf("%w: (created) and (expires) need algorithm hs2019", ErrSignature)
	}
	if p.signs("(created)") && p.created == 0 {
		return fmt.Errorf("%w: (created) signed but no created parameter", ErrSignature)
	}
	if p.signs("(expires)") && p.expires == 0 {
		return fmt.Errorf("%w: (expires) signed but no expires parameter", ErrSignature)
	}
	switch {
	case !p.signs("date") && !p.signs("(created)"):
		return fmt.Errorf("%w: neither date nor (created) is signed", ErrSignature)
	case !p.signs("(request-target)") && !p.signs("digest"):
		return fmt.Errorf("%w: neither (request-target) nor digest is signed", ErrSignature)
	case (method == http.MethodGet || method == http.MethodHead) && !p.signs("host"):
		return fmt.Errorf("%w: host is not signed on %s", ErrSignature, method)
	case method == http.MethodPost && !p.signs("digest"):
		return fmt.Errorf("%w: digest is not signed on POST", ErrSignature)
	}
	return nil
}

// parseSignatureHeader finds and parses the Signature header, or an
// Authorization header with the Signature scheme.
func parseSignatureHeader(h http.Header) (sigParams, error) {
	raw := h.Get("Signature")
	if raw == "" {
		auth := h.Get("Authorization")
		if len(auth) > 10 && strings.EqualFold(auth[:10], "Signature ") {
			raw = auth[10:]
		}
	}
	if raw == "" {
		return sigParams{}, ErrUnsigned
	}
	if len(raw) > maxSignatureHeader {
		return sigParams{}, fmt.Errorf("%w: Signature header too long", ErrSignature)
	}
	kv, err := parseParams(raw)
	if err != nil {
		return sigParams{}, err
	}
	p := sigParams{keyID: kv["keyid"], algorithm: strings.ToLower(kv["algorithm"]), signature: kv["signature"]}
	if p.keyID == "" || p.signature == "" {
		return sigParams{}, fmt.Errorf("%w: keyId or signature missing", ErrSignature)
	}
	if s, ok := kv["created"]; ok {
		if p.created, err = strconv.ParseInt(s, 10, 64); err != nil {
			return sigParams{}, fmt.Errorf("%w: bad created parameter", ErrSignature)
		}
	}
	if s, ok := kv["expires"]; ok {
		if p.expires, err = strconv.ParseInt(s, 10, 64); err != nil {
			return sigParams{}, fmt.Errorf("%w: bad expires parameter", ErrSignature)
		}
	}
	list, ok := kv["headers"]
	switch {
	case ok:
		p.headers = strings.Fields(strings.ToLower(list))
	case p.algorithm == "rsa-sha256":
		p.headers = []string{"date"}
	default:
		p.headers = []string{"(created)"}
	}
	if len(p.headers) == 0 || len(p.headers) > maxSignedHeaders {
		return sigParams{}, fmt.Errorf("%w: bad headers parameter", ErrSignature)
	}
	return p, nil
}

// parseParams parses `name="value", name=value` pairs. Names are
// lower-cased; a repeated name is an error.
func parseParams(s string) (map[string]string, error) {
	out := make(map[string]string, 6)
	for {
		s = strings.TrimLeft(s, " \t,")
		if s == "" {
			return out, nil
		}
		name, rest, ok := strings.Cut(s, "=")
		if !ok {
			return nil, fmt.Errorf("%w: malformed Signature header", ErrSignature)
		}
		name = strings.ToLower(strings.TrimSpace(name))
		var val string
		if strings.HasPrefix(rest, `"`) {
			end := strings.IndexByte(rest[1:], '"')
			if end < 0 {
				return nil, fmt.Errorf("%w: unterminated quoted value", ErrSignature)
			}
			val, s = rest[1:1+end], rest[2+end:]
		} else {
			val, s, _ = strings.Cut(rest, ",")
			val = strings.TrimSpace(val)
		}
		if _, dup := out[name]; dup || name == "" {
			return nil, fmt.Errorf("%w: malformed Signature header", ErrSignature)
		}
		out[name] = val
	}
}

// signingStrings builds the draft-cavage signing string for every
// (request-target) variant a legitimate sender may have signed: the path as sent
// and as decoded (go-fed senders sign the decoded path), each with and without
// the query string (interop.md D.3). Without (request-target) there is one string.
func signingStrings(r *http.Request, p sigParams) ([]string, error) {
	lines := make([]string, len(p.headers))
	target := -1
	for i, name := range p.headers {
		switch name {
		case "(request-target)":
			target = i
		case "(created)":
			lines[i] = "(created): " + strconv.FormatInt(p.created, 10)
		case "(expires)":
			lines[i] = "(expires): " + strconv.FormatInt(p.expires, 10)
		case "host":
			lines[i] = "host: " + requestHost(r)
		default:
			vals := r.Header.Values(name)
			if len(vals) == 0 {
				return nil, fmt.Errorf("%w: signed header %q is missing", ErrSignature, name)
			}
			trimmed := make([]string, len(vals)) // Values shares r.Header's storage
			for j, v := range vals {
				trimmed[j] = strings.TrimSpace(v)
			}
			lines[i] = name + ": " + strings.Join(trimmed, ", ")
		}
	}
	if target < 0 {
		return []string{strings.Join(lines, "\n")}, nil
	}
	var out []string
	for _, t := range requestTargets(r) {
		lines[target] = "(request-target): " + t
		out = append(out, strings.Join(lines, "\n"))
	}
	return out, nil
}

// requestTargets lists the distinct `<method> <path>[?query]` forms of r.
func requestTargets(r *http.Request) []string {
	method := strings.ToLower(r.Method)
	paths := []string{r.URL.EscapedPath()}
	if r.URL.Path != paths[0] {
		paths = append(paths, r.URL.Path)
	}
	var out []string
	for _, p := range paths {
		if p == "" {
			p = "/"
		}
		if r.URL.RawQuery != "" {
			out = append(out, method+" "+p+"?"+r.URL.RawQuery)
		}
		out = append(out, method+" "+p)
	}
	return out
}

// requestHost is the Host the client sent. Go's server moves it out of r.Header
// into r.Host (interop.md D.2); client-side requests may carry it in either.
func requestHost(r *http.Request) string {
	if r.Host != "" {
		return r.Host
	}
	if h := r.Header.Get("Host"); h != "" {
		return h
	}
	if r.URL != nil {
		return r.URL.Host
	}
	return ""
}
