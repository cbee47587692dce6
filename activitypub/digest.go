package activitypub

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// ErrDigest is wrapped by every error CheckDigest and CheckContentDigest return,
// and by Verifier.Verify when the body does not match its digest. It wraps
// ErrSignature, so an inbox that maps ErrSignature to 401 covers it.
var ErrDigest = fmt.Errorf("%w: digest", ErrSignature)

// Digest returns the RFC 3230 Digest header value for body: "SHA-256=" followed by
// the standard base64 of its SHA-256.
func Digest(body []byte) string {
	sum := sha256.Sum256(body)
	return "SHA-256=" + base64.StdEncoding.EncodeToString(sum[:])
}

// ContentDigest returns the RFC 9530 Content-Digest header value for body:
// "sha-256=:<base64>:".
func ContentDigest(body []byte) string {
	sum := sha256.Sum256(body)
	return "sha-256=:" + base64.StdEncoding.EncodeToString(sum[:]) + ":"
}

// CheckDigest checks an RFC 3230 Digest header against the exact body bytes, as
// Mastodon does (interop.md A.3): the header is split on commas, the sha-256
// entry is found case-insensitively and its base64 value must equal the body's
// SHA-256. A header with only other algorithms, or none, is rejected. Errors wrap
// ErrDigest.
func CheckDigest(header string, body []byte) error {
	if strings.TrimSpace(header) == "" {
		return fmt.Errorf("%w: missing Digest header", ErrDigest)
	}
	for _, part := range strings.Split(header, ",") {
		alg, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(alg), "sha-256") {
			continue
		}
		return compareSHA256(strings.TrimSpace(val), body)
	}
	return fmt.Errorf("%w: no SHA-256 entry in Digest header", ErrDigest)
}

// CheckContentDigest checks an RFC 9530 Content-Digest header (a structured
// dictionary such as `sha-256=:<base64>:, sha-512=:…:`) against body. Only the
// sha-256 member is checked and it must be present. Errors wrap ErrDigest.
func CheckContentDigest(header string, body []byte) error {
	for _, part := range strings.Split(header, ",") {
		alg, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(alg), "sha-256") {
			continue
		}
		val = strings.TrimSpace(val)
		if len(val) < 2 || val[0] != ':' || val[len(val)-1] != ':' {
			return fmt.Errorf("%w: Content-Digest value is not a byte sequence", ErrDigest)
		}
		return compareSHA256(val[1:len(val)-1], body)
	}
	return fmt.Errorf("%w: no sha-256 entry in Content-Digest header", ErrDigest)
}

func compareSHA256(b64 string, body []byte) error {
	got, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return fmt.Errorf("%w: bad base64: %w", ErrDigest, err)
	}
	sum := sha256.Sum256(body)
	if subtle.ConstantTimeCompare(got, sum[:]) != 1 {
		return fmt.Errorf("%w: %w", ErrDigest, errDigestMismatch)
	}
	return nil
}

var errDigestMismatch = errors.New("body does not match digest")
