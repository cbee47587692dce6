package push

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
)

// recordSize is the aes128gcm record size announced in the header; a push
// message is one record, so the payload must fit in it.
const recordSize = 4096

// maxPlaintext is the largest payload one record carries: the record holds
// the plaintext, the 1-byte delimiter and the 16-byte tag (RFC 8188 §2).
const maxPlaintext = recordSize - 17

// errTooLarge is returned when a payload does not fit in one record.
var errTooLarge = errors.New("push payload too large")

// encryptStandard encrypts plaintext for the user agent as RFC 8291 says:
// ECDH between the per-message key as and the user agent's key ua, the
// auth secret mixed in with HKDF, then one aes128gcm record (RFC 8188)
// whose header carries salt, record size and as's public key.
func encryptStandard(as *ecdh.PrivateKey, salt, ua, authSecret, plaintext []byte) ([]byte, error) {
	if len(plaintext) > maxPlaintext {
		return nil, errTooLarge
	}
	asPub := as.PublicKey().Bytes()
	ikm, err := webPushIKM(as, ua, authSecret, "WebPush: info\x00"+string(ua)+string(asPub))
	if err != nil {
		return nil, err
	}
	gcm, nonce, err := contentKey(ikm, salt, "Content-Encoding: aes128gcm\x00", "Content-Encoding: nonce\x00")
	if err != nil {
		return nil, err
	}
	header := make([]byte, 0, 21+len(asPub))
	header = append(header, salt...)
	header = binary.BigEndian.AppendUint32(header, recordSize)
	header = append(header, byte(len(asPub)))
	header = append(header, asPub...)
	// The last (here: only) record ends with the delimiter 0x02 (RFC 8188 §2).
	record := append(append(make([]byte, 0, len(plaintext)+1), plaintext...), 2)
	return gcm.Seal(header, nonce, record, nil), nil
}

// encryptLegacy encrypts plaintext in the "aesgcm" coding of
// draft-ietf-webpush-encryption-04, which Mastodon uses unless a client
// asks for the standard: salt and as's key travel in the Encryption and
// Crypto-Key headers, the keys are bound into the HKDF info, and the
// record starts with a 2-byte padding length (here 0).
func encryptLegacy(as *ecdh.PrivateKey, salt, ua, authSecret, plaintext []byte) ([]byte, error) {
	if len(plaintext) > maxPlaintext {
		return nil, errTooLarge
	}
	asPub := as.PublicKey().Bytes()
	ikm, err := webPushIKM(as, ua, authSecret, "Content-Encoding: auth\x00")
	if err != nil {
		return nil, err
	}
	ctx := legacyContext(ua, asPub)
	gcm, nonce, err := contentKey(ikm, salt, "Content-Encoding: aesgcm\x00"+ctx, "Content-Encoding: nonce\x00"+ctx)
	if err != nil {
		return nil, err
	}
	record := append(make([]byte, 2, len(plaintext)+2), plaintext...)
	return gcm.Seal(nil, nonce, record, nil), nil
}

// legacyContext is the draft's key context: "P-256", then each public key
// prefixed with its 2-byte length, user agent's first.
func legacyContext(ua, as []byte) string {
	b := append([]byte("P-256\x00"), 0, byte(len(ua)))
	b = append(b, ua...)
	b = append(b, 0, byte(len(as)))
	return string(append(b, as...))
}

// webPushIKM combines the ECDH secret with the auth secret (both codings).
func webPushIKM(as *ecdh.PrivateKey, ua, authSecret []byte, info string) ([]byte, error) {
	uaKey, err := ecdh.P256().NewPublicKey(ua)
	if err != nil {
		return nil, fmt.Errorf("user agent key: %w", err)
	}
	secret, err := as.ECDH(uaKey)
	if err != nil {
		return nil, fmt.Errorf("ecdh: %w", err)
	}
	return hkdf.Key(sha256.New, secret, authSecret, info, 32)
}

// contentKey derives the AES-128-GCM key and the 12-byte nonce.
func contentKey(ikm, salt []byte, keyInfo, nonceInfo string) (cipher.AEAD, []byte, error) {
	prk, err := hkdf.Extract(sha256.New, ikm, salt)
	if err != nil {
		return nil, nil, err
	}
	cek, err := hkdf.Expand(sha256.New, prk, keyInfo, 16)
	if err != nil {
		return nil, nil, err
	}
	nonce, err := hkdf.Expand(sha256.New, prk, nonceInfo, 12)
	if err != nil {
		return nil, nil, err
	}
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, nil, err
	}
	gcm, err := cipher.NewGCM(block)
	return gcm, nonce, err
}
