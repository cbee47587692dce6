package pushsvc

import (
	"crypto/ecdh"
	"encoding/base64"
	"testing"
)

func b64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Both decrypters read published test messages, so the push package's
// round trips check its sender against the specs, not against itself.
func TestDecryptersReadKnownMessages(t *testing.T) {
	cases := []struct {
		name, key, want string
		decrypt         func(ua *ecdh.PrivateKey) ([]byte, error)
	}{
		{"RFC 8291 appendix A", "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94", "When I grow up, I want to be a watermelon",
			func(ua *ecdh.PrivateKey) ([]byte, error) {
				return DecryptStandard(ua, b64(t, "BTBZMqHH6r4Tts7J_aSIgg"), b64(t, "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"))
			}},
		{"aesgcm draft", "4h23G_KkXC9TvBSK2v0Q7ImpS2YAuRd8hQyN0rFAwBg", "Some message",
			func(ua *ecdh.PrivateKey) ([]byte, error) {
				return DecryptLegacy(ua, b64(t, "aTDc6JebzR6eScy2oLo4RQ"), b64(t, "zCU18Rw3A5aB_Xi-vfixmA"),
					b64(t, "BCHFVrflyxibGLlgztLwKelsRZp4gqX3tNfAKFaxAcBhpvYeN1yIUMrxaDKiLh4LNKPtj0BOXGdr-IQ-QP82Wjo"),
					b64(t, "Oo34w2F9VVnTMFfKtdx48AZWQ9Li9M6DauWJVgXU"))
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ua, err := ecdh.P256().NewPrivateKey(b64(t, tc.key))
			if err != nil {
				t.Fatal(err)
			}
			if got, err := tc.decrypt(ua); err != nil || string(got) != tc.want {
				t.Fatalf("got %q, %v", got, err)
			}
		})
	}
}
