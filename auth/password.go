// Package auth holds Pictor's security primitives: password hashing, web
// sessions and CSRF, the OAuth 2 server, scopes and login rate limiting.
package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters for new hashes. They are written into each hash, so
// they can change later without invalidating stored passwords.
const (
	argonTime    = 2
	argonMemory  = 64 * 1024 // KiB
	argonThreads = 2
	argonKeyLen  = 32
)

// testCost, once set, replaces argonTime and argonMemory for new hashes.
var testCost atomic.Bool

// UseTestPasswordCost makes new hashes cheap (1 MiB, one pass) for the rest
// of the process. Only test helpers call it: a test server signs in dozens of
// times, and the real cost (about 0.4 s a hash under the race detector)
// dominated the test suite. Hashes carry their parameters, so checking works
// whatever made them, and the server binary never calls this.
func UseTestPasswordCost() { testCost.Store(true) }

// ErrBadPassword is returned when a password does not match its hash.
var ErrBadPassword = errors.New("wrong password")

// HashPassword returns an argon2id hash in the PHC string format.
func HashPassword(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	passes, memory := uint32(argonTime), uint32(argonMemory)
	if testCost.Load() {
		passes, memory = 1, 1024
	}
	key := argon2.IDKey([]byte(password), salt, passes, memory, argonThreads, argonKeyLen)
	collectHashMemory()
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, memory, passes, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword compares password with a hash made by HashPassword, in
// constant time. It returns ErrBadPassword on mismatch.
func CheckPassword(hash, password string) error {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return fmt.Errorf("check password: unknown hash format")
	}
	var version int
	var mem, iters uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return fmt.Errorf("check password: unsupported argon2 version")
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &iters, &threads); err != nil {
		return fmt.Errorf("check password: bad parameters: %w", err)
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return fmt.Errorf("check password: bad salt: %w", err)
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil {
		return fmt.Errorf("check password: bad key: %w", err)
	}
	got := argon2.IDKey([]byte(password), salt, iters, mem, threads, uint32(len(want)))
	collectHashMemory()
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return ErrBadPassword
	}
	return nil
}

// collectHashMemory runs a garbage collection after a hash: its 64 MiB
// block is garbage now, and left to the pacer it would stay until the heap
// doubled, so a few checks in a row would hold several times that (286 MB
// instead of 157 MB peak for 60 parallel sign-ins, docs/benchmarks.md). A
// collection costs a few milliseconds against the hash's hundred or more,
// and password checks are bounded by LoginLimiter.
func collectHashMemory() { runtime.GC() }

// RandomToken returns n random bytes encoded URL-safe without padding.
func RandomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error()) // the platform's RNG never fails on Linux
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
