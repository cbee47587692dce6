package activitypub

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"net/http"
	"testing"
	"time"
)

// Run with: go test -run '^$' -bench . -benchmem ./activitypub/

func BenchmarkRSASign(b *testing.B) {
	key := testKey()
	sum := sha256.Sum256([]byte("(request-target): post /inbox\nhost: a.example\ndate: x\ndigest: y"))
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			if _, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:]); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

func benchSignedRequest(b *testing.B) *http.Request {
	req, err := http.NewRequest("POST", "https://local.example/users/bob/inbox", bytes.NewReader(followBody))
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/activity+json")
	return req
}

func BenchmarkSignRequest(b *testing.B) {
	key := testKey()
	b.Run("serial", func(b *testing.B) {
		req := benchSignedRequest(b)
		for b.Loop() {
			if err := SignRequest(req, followBody, testKeyID, key, testTime); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			req := benchSignedRequest(b)
			for pb.Next() {
				if err := SignRequest(req, followBody, testKeyID, key, testTime); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

func BenchmarkVerifyRequest(b *testing.B) {
	req := benchSignedRequest(b)
	if err := SignRequest(req, followBody, testKeyID, testKey(), testTime); err != nil {
		b.Fatal(err)
	}
	keys := keysFor(testKeyID, &testKey().PublicKey)
	v := &Verifier{Fetch: keys.fetch, Now: func() time.Time { return testTime }}
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			if _, err := v.Verify(req, followBody); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			r := req.Clone(req.Context())
			for pb.Next() {
				if _, err := v.Verify(r, followBody); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

func BenchmarkParseActivity(b *testing.B) {
	req := []byte(`{"@context":["https://www.w3.org/ns/activitystreams",{"toot":"http://joinmastodon.org/ns#"}],"id":"https://m.example/users/a/statuses/1/activity","type":"Create","actor":"https://m.example/users/a","to":["https://www.w3.org/ns/activitystreams#Public"],"cc":["https://m.example/users/a/followers"],"object":{"id":"https://m.example/users/a/statuses/1","type":"Note","attributedTo":"https://m.example/users/a","content":"<p>hello</p>","contentMap":{"en":"<p>hello</p>"},"to":["https://www.w3.org/ns/activitystreams#Public"],"cc":[],"tag":[{"type":"Hashtag","name":"#x","href":"https://m.example/tags/x"}],"attachment":[{"type":"Document","mediaType":"image/png","url":"https://m.example/1.png","name":"alt","blurhash":"LEHV6nWB2yk8pyo0adR*.7kCMdnj","focalPoint":[0.0,0.0],"width":800,"height":600}]}}`)
	for b.Loop() {
		if _, err := ParseActivity(req); err != nil {
			b.Fatal(err)
		}
	}
}
