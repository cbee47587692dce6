// Package testkeys hands test servers RSA-2048 keys generated ahead of time
// (servertest passes Next to activitypub.UseKeySource).
// Generating a key takes about 0.15 s under the race detector, and every test
// server makes several (the instance actor, each user, the bots), which added
// minutes to the suite. The keys in keys.pem were made for tests only and
// protect nothing; each is handed out once per process, so the actors of one
// test binary never share a key, and once they run out new ones are generated.
package testkeys

import (
	"crypto/rsa"
	"crypto/x509"
	_ "embed"
	"encoding/pem"
	"sync"
)

//go:embed keys.pem
var keysPEM []byte

var pool struct {
	sync.Mutex
	rest []byte // PEM blocks not handed out yet
	init bool
}

// Next returns the next unused key, or false when none is left.
func Next() (*rsa.PrivateKey, bool) {
	pool.Lock()
	defer pool.Unlock()
	if !pool.init {
		pool.rest, pool.init = keysPEM, true
	}
	block, rest := pem.Decode(pool.rest)
	if block == nil {
		return nil, false
	}
	pool.rest = rest
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, false
	}
	rk, ok := k.(*rsa.PrivateKey)
	return rk, ok
}
