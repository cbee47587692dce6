package push

import (
	"bytes"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"testing"

	"github.com/pictor-social/pictor/internal/testkit/pushsvc"
)

func b64(t testing.TB, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// RFC 8291 §5 and appendix A: the RFC's keys and salt give its message
// byte for byte.
func TestStandardEncryptionMatchesRFC8291(t *testing.T) {
	as, err := ecdh.P256().NewPrivateKey(b64(t, "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"))
	if err != nil {
		t.Fatal(err)
	}
	if got := base64.RawURLEncoding.EncodeToString(as.PublicKey().Bytes()); got != "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8" {
		t.Fatalf("as public key %s", got)
	}
	ua := b64(t, "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4")
	got, err := encryptStandard(as, b64(t, "DGv6ra1nlYgDCS1FRnbzlw"), ua, b64(t, "BTBZMqHH6r4Tts7J_aSIgg"),
		[]byte("When I grow up, I want to be a watermelon"))
	if err != nil {
		t.Fatal(err)
	}
	want := "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
	if enc := base64.RawURLEncoding.EncodeToString(got); enc != want {
		t.Fatalf("message\n got %s\nwant %s", enc, want)
	}
	// The user agent's side, written from the RFC independently of the sender.
	ua0, _ := ecdh.P256().NewPrivateKey(b64(t, "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94"))
	plain, err := pushsvc.DecryptStandard(ua0, b64(t, "BTBZMqHH6r4Tts7J_aSIgg"), got)
	if err != nil || string(plain) != "When I grow up, I want to be a watermelon" {
		t.Fatalf("decrypt: %q, %v", plain, err)
	}
}

func TestEncryptionRoundTrips(t *testing.T) {
	ua, _ := ecdh.P256().GenerateKey(rand.Reader)
	auth := make([]byte, 16)
	rand.Read(auth)
	salt := make([]byte, 16)
	rand.Read(salt)
	msg := []byte(`{"title":"alice mentioned you"}`)
	cases := []struct {
		name    string
		encrypt func(as *ecdh.PrivateKey, plain []byte) ([]byte, error)
		decrypt func(as *ecdh.PrivateKey, body []byte) ([]byte, error)
	}{
		{"aes128gcm",
			func(as *ecdh.PrivateKey, p []byte) ([]byte, error) {
				return encryptStandard(as, salt, ua.PublicKey().Bytes(), auth, p)
			},
			func(_ *ecdh.PrivateKey, b []byte) ([]byte, error) { return pushsvc.DecryptStandard(ua, auth, b) }},
		{"aesgcm",
			func(as *ecdh.PrivateKey, p []byte) ([]byte, error) {
				return encryptLegacy(as, salt, ua.PublicKey().Bytes(), auth, p)
			},
			func(as *ecdh.PrivateKey, b []byte) ([]byte, error) {
				return pushsvc.DecryptLegacy(ua, auth, salt, as.PublicKey().Bytes(), b)
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			as, _ := ecdh.P256().GenerateKey(rand.Reader)
			body, err := tc.encrypt(as, msg)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := tc.decrypt(as, body); err != nil || !bytes.Equal(got, msg) {
				t.Fatalf("round trip: %q, %v", got, err)
			}
			body[len(body)-1] ^= 1
			if _, err := tc.decrypt(as, body); err == nil {
				t.Fatal("tampered message decrypted")
			}
			if _, err := tc.encrypt(as, make([]byte, maxPlaintext+1)); !errors.Is(err, errTooLarge) {
				t.Fatalf("oversize payload: %v", err)
			}
		})
	}
}
