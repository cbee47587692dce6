package pushsvc

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"errors"
)

// DecryptStandard is the user agent's side of RFC 8291 ("aes128gcm", one
// record): ua is the subscriber's private key, auth its auth secret, body
// the push message as posted. It fails on a malformed header, a wrong key
// or secret, a tampered message and a missing last-record delimiter.
func DecryptStandard(ua *ecdh.PrivateKey, auth, body []byte) ([]byte, error) {
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
	ikm, err := hkdf.Key(sha256.New, secret, auth, "WebPush: info\x00"+string(ua.PublicKey().Bytes())+string(asPub.Bytes()), 32)
	if err != nil {
		return nil, err
	}
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

// DecryptLegacy is the user agent's side of draft-ietf-webpush-encryption-04
// ("aesgcm", Mastodon's default): salt comes from the Encryption header, dh
// (the sender's public key) from Crypto-Key. It fails on a wrong key or
// secret, a tampered message and bad padding.
func DecryptLegacy(ua *ecdh.PrivateKey, auth, salt, dh, body []byte) ([]byte, error) {
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
	ikm, err := hkdf.Key(sha256.New, secret, auth, "Content-Encoding: auth\x00", 32)
	if err != nil {
		return nil, err
	}
	cek, _ := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: aesgcm\x00"+ctx, 16)
	nonce, _ := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: nonce\x00"+ctx, 12)
	plain, err := openGCM(cek, nonce, body)
	if err != nil {
		return nil, err
	}
	if len(plain) < 2 {
		return nil, errors.New("short record")
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
