package auth

import (
	"errors"
	"strings"
	"testing"
)

func TestPasswordHashRoundTrip(t *testing.T) {
	realPasswordCost(t)
	h, err := HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=2,p=2$") {
		t.Fatalf("hash %q", h)
	}
	if err := CheckPassword(h, "correct horse"); err != nil {
		t.Fatalf("right password: %v", err)
	}
	if err := CheckPassword(h, "wrong horse"); !errors.Is(err, ErrBadPassword) {
		t.Fatalf("wrong password: %v", err)
	}
	h2, _ := HashPassword("correct horse")
	if h2 == h {
		t.Fatal("two hashes of one password are equal: salt missing")
	}
	if err := CheckPassword("plain", "plain"); err == nil || errors.Is(err, ErrBadPassword) {
		t.Fatalf("malformed hash: %v", err)
	}
}
