package push

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"testing"
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
	plain, err := decryptStandard(ua0, b64(t, "BTBZMqHH6r4Tts7J_aSIgg"), got)
	if err != nil || string(plain) != "When I grow up, I want to be a watermelon" {
		t.Fatalf("decrypt: %q, %v", plain, err)
	}
}

// decryptStandard is the user agent's side of RFC 8291 (one record).
func decryptStandard(ua *ecdh.PrivateKey, auth, body []byte) ([]byte, error) {
	if len(body) < 21 {
		return nil, errors.New("short body")
	}
	salt, rs, idlen := body[:16], binary.BigEndian.Uint32(body[16:20]), int(body[20])
	if idlen != 65 || len(body) < 21+idlen || rs < 18 {
		return nil, errors.New("bad header")
	}
	asPub, err := ecdh.P256().NewPublicKey(body[21 : 21+idlen])
	if err != nil {
		return nil, err
	}
	secret, err := ua.ECDH(asPub)
	if err != nil {
		return nil, err
	}
	ikm, _ := hkdf.Key(sha256.New, secret, auth, "WebPush: info\x00"+string(ua.PublicKey().Bytes())+string(asPub.Bytes()), 32)
	cek, _ := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: aes128gcm\x00", 16)
	nonce, _ := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: nonce\x00", 12)
	plain, err := openGCM(cek, nonce, body[21+idlen:])
	if err != nil {
		return nil, err
	}
	plain = bytes.TrimRight(plain, "\x00")
	if len(plain) == 0 || plain[len(plain)-1] != 2 {
		return nil, errors.New("no last-record delimiter")
	}
	return plain[:len(plain)-1], nil
}

// decryptLegacy is the user agent's side of draft-ietf-webpush-encryption-04.
func decryptLegacy(ua *ecdh.PrivateKey, auth, salt, dh, body []byte) ([]byte, error) {
	asPub, err := ecdh.P256().NewPublicKey(dh)
	if err != nil {
		return nil, err
	}
	secret, err := ua.ECDH(asPub)
	if err != nil {
		return nil, err
	}
	uaPub := ua.PublicKey().Bytes()
	ctx := "P-256\x00\x00\x41" + string(uaPub) + "\x00\x41" + string(dh)
	ikm, _ := hkdf.Key(sha256.New, secret, auth, "Content-Encoding: auth\x00", 32)
	cek, _ := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: aesgcm\x00"+ctx, 16)
	nonce, _ := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: nonce\x00"+ctx, 12)
	plain, err := openGCM(cek, nonce, body)
	if err != nil {
		return nil, err
	}
	pad := int(binary.BigEndian.Uint16(plain))
	if 2+pad > len(plain) {
		return nil, errors.New("bad padding")
	}
	return plain[2+pad:], nil
}

func openGCM(key, nonce, sealed []byte) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return gcm.Open(nil, nonce, sealed, nil)
}

// The legacy decrypter reads a published aesgcm test message, so the
// round trip below checks the sender against the draft, not against itself.
func TestLegacyDecrypterReadsKnownMessage(t *testing.T) {
	ua, err := ecdh.P256().NewPrivateKey(b64(t, "4h23G_KkXC9TvBSK2v0Q7ImpS2YAuRd8hQyN0rFAwBg"))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := decryptLegacy(ua, b64(t, "aTDc6JebzR6eScy2oLo4RQ"), b64(t, "zCU18Rw3A5aB_Xi-vfixmA"),
		b64(t, "BCHFVrflyxibGLlgztLwKelsRZp4gqX3tNfAKFaxAcBhpvYeN1yIUMrxaDKiLh4LNKPtj0BOXGdr-IQ-QP82Wjo"),
		b64(t, "Oo34w2F9VVnTMFfKtdx48AZWQ9Li9M6DauWJVgXU"))
	if err != nil || string(plain) != "Some message" {
		t.Fatalf("got %q, %v", plain, err)
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
			func(_ *ecdh.PrivateKey, b []byte) ([]byte, error) { return decryptStandard(ua, auth, b) }},
		{"aesgcm",
			func(as *ecdh.PrivateKey, p []byte) ([]byte, error) {
				return encryptLegacy(as, salt, ua.PublicKey().Bytes(), auth, p)
			},
			func(as *ecdh.PrivateKey, b []byte) ([]byte, error) {
				return decryptLegacy(ua, auth, salt, as.PublicKey().Bytes(), b)
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
