package activitypub

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
)

// KeyBits is the size of the RSA keys GenerateKey makes. Mastodon, GoToSocial and
// Bridgy Fed all use and expect RSA-2048 for HTTP signatures.
const KeyBits = 2048

// maxPEMBytes bounds the PEM text accepted from remote documents; an RSA-4096
// public key is under 1 KB.
const maxPEMBytes = 16 << 10

// ErrUnsupportedKey is returned (wrapped) when a PEM block holds a key type this
// package cannot use, such as ECDSA, or an RSA key below 1024 bits.
var ErrUnsupportedKey = errors.New("unsupported key type")

// keySource, when set (UseKeySource), supplies keys before GenerateKey
// makes one.
var keySource atomic.Pointer[func() (*rsa.PrivateKey, bool)]

// UseKeySource makes GenerateKey take keys from next while it has them. Only
// test helpers call it (internal/testkit/testkeys): making a key costs about
// 0.15 s under the race detector; the server binary never calls it.
func UseKeySource(next func() (*rsa.PrivateKey, bool)) { keySource.Store(&next) }

// GenerateKey returns a new RSA-2048 private key from crypto/rand.
func GenerateKey() (*rsa.PrivateKey, error) {
	if next := keySource.Load(); next != nil {
		if k, ok := (*next)(); ok {
			return k, nil
		}
	}
	k, err := rsa.GenerateKey(rand.Reader, KeyBits)
	if err != nil {
		return nil, fmt.Errorf("generate rsa key: %w", err)
	}
	return k, nil
}

// EncodePrivateKeyPEM encodes key as a PKCS#8 "PRIVATE KEY" PEM block.
func EncodePrivateKeyPEM(key *rsa.PrivateKey) (string, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", fmt.Errorf("encode private key: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), nil
}

// ParsePrivateKeyPEM decodes an RSA private key from a PKCS#8 "PRIVATE KEY" or a
// PKCS#1 "RSA PRIVATE KEY" PEM block. Other key types are rejected with an error
// wrapping ErrUnsupportedKey.
func ParsePrivateKeyPEM(s string) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return nil, errors.New("parse private key: no PEM block")
	}
	switch block.Type {
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse private key: %w", err)
		}
		return k, nil
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse private key: %w", err)
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("parse private key: %T: %w", k, ErrUnsupportedKey)
		}
		return rk, nil
	}
	return nil, fmt.Errorf("parse private key: PEM type %q: %w", block.Type, ErrUnsupportedKey)
}

// EncodePublicKeyPEM encodes key as a PKIX "PUBLIC KEY" PEM block, the form
// Mastodon publishes in publicKeyPem.
func EncodePublicKeyPEM(key *rsa.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(key)
	if err != nil {
		return "", fmt.Errorf("encode public key: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), nil
}

// ParsePublicKeyPEM decodes a public key from a PKIX "PUBLIC KEY" or a PKCS#1
// "RSA PUBLIC KEY" PEM block, as found in an actor's publicKeyPem. It returns an
// *rsa.PublicKey, or an ed25519.PublicKey for PKIX Ed25519 keys (which Verifier
// can check). Any other key type, and RSA keys under 1024 bits, give an error
// wrapping ErrUnsupportedKey. Leading text before the PEM block is ignored.
func ParsePublicKeyPEM(s string) (crypto.PublicKey, error) {
	if len(s) > maxPEMBytes {
		return nil, errors.New("parse public key: PEM too large")
	}
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		block = decodeFlattenedPEM(s)
	}
	if block == nil {
		return nil, errors.New("parse public key: no PEM block")
	}
	var key crypto.PublicKey
	var err error
	switch block.Type {
	case "RSA PUBLIC KEY":
		key, err = x509.ParsePKCS1PublicKey(block.Bytes)
	case "PUBLIC KEY":
		key, err = x509.ParsePKIXPublicKey(block.Bytes)
	default:
		return nil, fmt.Errorf("parse public key: PEM type %q: %w", block.Type, ErrUnsupportedKey)
	}
	if err != nil {
		return nil, fmt.Errorf("parse public key: %w", err)
	}
	switch k := key.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < 1024 {
			return nil, fmt.Errorf("parse public key: %d-bit rsa: %w", k.N.BitLen(), ErrUnsupportedKey)
		}
		return k, nil
	case ed25519.PublicKey:
		return k, nil
	}
	return nil, fmt.Errorf("parse public key: %T: %w", key, ErrUnsupportedKey)
}

// KeyFromDocument extracts the public key keyID from a fetched document, for a
// KeyFetcher. The document is either an actor whose publicKey lists keyID (the
// usual `<actor>#main-key`; KeyByID also matches a fragment-less keyId equal to
// the actor id), or a standalone key object {id, owner, publicKeyPem} such as
// GoToSocial's `…/main-key` stub (interop.md D.3). For an actor, the key's owner
// must be the actor itself (an absent owner means the actor). For a standalone
// key, Owner is taken from the key, and the caller must fetch that actor and
// check with KeyByID that it lists keyID too, since the link must go both ways
// (interop.md A.3). Errors wrap ErrMalformed or ErrUnsupportedKey.
func KeyFromDocument(data []byte, keyID string) (PublicKey, error) {
	var doc struct {
		Actor
		Owner        string `json:"owner"`
		PublicKeyPem string `json:"publicKeyPem"`
	}
	if err := decodeDocument(data, &doc); err != nil {
		return PublicKey{}, err
	}
	var k Key
	if doc.PublicKeyPem != "" {
		base, _, _ := strings.Cut(keyID, "#")
		if doc.ID != keyID && doc.ID != base {
			return PublicKey{}, fmt.Errorf("%w: key document %q is not key %q", ErrMalformed, doc.ID, keyID)
		}
		k = Key{ID: doc.ID, Owner: doc.Owner, PublicKeyPem: doc.PublicKeyPem}
		if k.Owner == "" {
			return PublicKey{}, fmt.Errorf("%w: key %q has no owner", ErrMalformed, keyID)
		}
	} else {
		var ok bool
		if k, ok = doc.Actor.KeyByID(keyID); !ok {
			return PublicKey{}, fmt.Errorf("%w: actor %q has no key %q", ErrMalformed, doc.ID, keyID)
		}
		if k.Owner == "" {
			k.Owner = doc.ID
		}
		if k.Owner != doc.ID {
			return PublicKey{}, fmt.Errorf("%w: key %q is owned by %q, not by actor %q", ErrMalformed, keyID, k.Owner, doc.ID)
		}
	}
	pub, err := ParsePublicKeyPEM(k.PublicKeyPem)
	if err != nil {
		return PublicKey{}, fmt.Errorf("key %q: %w", keyID, err)
	}
	return PublicKey{ID: k.ID, Owner: k.Owner, Key: pub}, nil
}

// decodeFlattenedPEM reads a PEM block whose line breaks were turned into
// spaces, as some published publicKeyPem values are. It returns nil if s has no
// such block.
func decodeFlattenedPEM(s string) *pem.Block {
	_, rest, ok := strings.Cut(s, "-----BEGIN ")
	if !ok {
		return nil
	}
	typ, rest, ok := strings.Cut(rest, "-----")
	if !ok {
		return nil
	}
	body, _, ok := strings.Cut(rest, "-----END "+typ+"-----")
	if !ok {
		return nil
	}
	der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(body), ""))
	if err != nil {
		return nil
	}
	return &pem.Block{Type: typ, Bytes: der}
}
