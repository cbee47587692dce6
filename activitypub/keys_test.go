package activitypub

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
)

func TestKeyPEMRoundTrip(t *testing.T) {
	key := testKey()
	if key.N.BitLen() != KeyBits {
		t.Fatalf("key has %d bits, want %d", key.N.BitLen(), KeyBits)
	}
	privPEM, err := EncodePrivateKeyPEM(key)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParsePrivateKeyPEM(privPEM)
	if err != nil {
		t.Fatal(err)
	}
	if !back.Equal(key) {
		t.Fatal("private key changed in PEM round trip")
	}
	pubPEM, err := EncodePublicKeyPEM(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(pubPEM, "-----BEGIN PUBLIC KEY-----\n") {
		t.Fatalf("public PEM is not PKIX: %q", pubPEM[:30])
	}
	pub, err := ParsePublicKeyPEM(pubPEM)
	if err != nil {
		t.Fatal(err)
	}
	if !key.PublicKey.Equal(pub) {
		t.Fatal("public key changed in PEM round trip")
	}
}

func TestParsePublicKeyPEMForms(t *testing.T) {
	key := testKey()
	pkcs1 := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&key.PublicKey)}))
	pkcs1Priv := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecDER, _ := x509.MarshalPKIXPublicKey(&ecKey.PublicKey)
	ecPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: ecDER}))
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)
	edDER, _ := x509.MarshalPKIXPublicKey(edPub)
	edPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: edDER}))

	cases := []struct {
		name    string
		pem     string
		wantRSA bool
		wantEd  bool
		wantErr error
	}{
		{name: "PKCS#1 RSA PUBLIC KEY", pem: pkcs1, wantRSA: true},
		{name: "with leading text and CRLF", pem: "key:\r\n" + strings.ReplaceAll(pkcs1, "\n", "\r\n"), wantRSA: true},
		{name: "Ed25519 PKIX", pem: edPEM, wantEd: true},
		{name: "ECDSA rejected", pem: ecPEM, wantErr: ErrUnsupportedKey},
		{name: "certificate rejected", pem: strings.ReplaceAll(pkcs1, "RSA PUBLIC KEY", "CERTIFICATE"), wantErr: ErrUnsupportedKey},
		{name: "not PEM", pem: "hello"},
		{name: "empty", pem: ""},
		{name: "garbage body", pem: "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			k, err := ParsePublicKeyPEM(c.pem)
			switch {
			case c.wantRSA:
				if rk, ok := k.(*rsa.PublicKey); err != nil || !ok || !rk.Equal(&key.PublicKey) {
					t.Fatalf("got %T, %v; want the RSA key", k, err)
				}
			case c.wantEd:
				if _, ok := k.(ed25519.PublicKey); err != nil || !ok {
					t.Fatalf("got %T, %v; want ed25519", k, err)
				}
			default:
				if err == nil {
					t.Fatalf("got %T, want an error", k)
				}
				if c.wantErr != nil && !errors.Is(err, c.wantErr) {
					t.Fatalf("err = %v, want %v", err, c.wantErr)
				}
			}
		})
	}

	if k, err := ParsePrivateKeyPEM(pkcs1Priv); err != nil || !k.Equal(key) {
		t.Fatalf("PKCS#1 private key: %v", err)
	}
	ecPriv, _ := x509.MarshalPKCS8PrivateKey(ecKey)
	if _, err := ParsePrivateKeyPEM(string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ecPriv}))); !errors.Is(err, ErrUnsupportedKey) {
		t.Fatalf("ECDSA private key: err = %v, want ErrUnsupportedKey", err)
	}
}
