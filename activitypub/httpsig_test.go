package activitypub

import (
	"bytes"
	"cmp"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-fed/httpsig"
)

// Test keys are generated once per test binary: RSA-2048 generation is slow.
var (
	testKey      = sync.OnceValue(func() *rsa.PrivateKey { return mustKey() })
	testOtherKey = sync.OnceValue(func() *rsa.PrivateKey { return mustKey() })
)

func mustKey() *rsa.PrivateKey {
	k, err := GenerateKey()
	if err != nil {
		panic(err)
	}
	return k
}

const (
	testActor = "https://remote.example/users/alice"
	testKeyID = testActor + "#main-key"
)

var testTime = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

// fakeKeys is a KeyFetcher over a fixed table that counts its calls. When
// fresh is set, refresh=true calls answer from it (a rotated key).
type fakeKeys struct {
	keys  map[string]PublicKey
	fresh map[string]PublicKey
	err   error
	calls atomic.Int32
}

func (f *fakeKeys) fetch(_ context.Context, keyID string, refresh bool) (PublicKey, error) {
	f.calls.Add(1)
	if f.err != nil {
		return PublicKey{}, f.err
	}
	if refresh && f.fresh != nil {
		if k, ok := f.fresh[keyID]; ok {
			return k, nil
		}
	}
	k, ok := f.keys[keyID]
	if !ok {
		return PublicKey{}, errors.New("no such key")
	}
	return k, nil
}

func keysFor(keyID string, pub crypto.PublicKey) *fakeKeys {
	return &fakeKeys{keys: map[string]PublicKey{keyID: {ID: keyID, Owner: testActor, Key: pub}}}
}

// verifyServer starts a loopback server whose handler runs v.Verify on every
// request and hands the result to the test.
type verifyResult struct {
	got Verified
	err error
}

func verifyServer(t *testing.T, v *Verifier) (*httptest.Server, <-chan verifyResult) {
	t.Helper()
	results := make(chan verifyResult, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err != nil {
			results <- verifyResult{err: err}
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			return
		}
		got, err := v.Verify(r, body)
		results <- verifyResult{got, err}
		if err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(srv.Close)
	return srv, results
}

func send(t *testing.T, req *http.Request, results <-chan verifyResult) verifyResult {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("do: %v", err)
	}
	resp.Body.Close()
	select {
	case res := <-results:
		return res
	case <-time.After(10 * time.Second):
		t.Fatal("handler did not run within 10s")
	}
	return verifyResult{}
}

func newRequest(t *testing.T, method, url string, body []byte) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/activity+json")
	}
	return req
}

// refSign signs req with go-fed/httpsig directly, as a reference signer with an
// arbitrary header list, so the verifier is not checked against itself.
type refSign struct {
	headers   []string
	key       crypto.PrivateKey
	algo      httpsig.Algorithm
	keyID     string
	label     string // algorithm parameter to write; "-" removes it
	expiresIn int64
	date      time.Time
}

func (o refSign) apply(t *testing.T, req *http.Request, body []byte) {
	t.Helper()
	req.Header.Set("Host", req.URL.Host)
	req.Header.Set("Date", o.date.Format(http.TimeFormat))
	s, _, err := httpsig.NewSigner([]httpsig.Algorithm{o.algo}, httpsig.DigestSha256, o.headers, httpsig.Signature, o.expiresIn)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SignRequest(o.key, o.keyID, req, body); err != nil {
		t.Fatal(err)
	}
	sig := req.Header.Get("Signature")
	switch o.label {
	case "":
	case "-":
		sig = strings.Replace(sig, `algorithm="hs2019",`, "", 1)
	default:
		sig = strings.Replace(sig, `algorithm="hs2019"`, `algorithm="`+o.label+`"`, 1)
	}
	req.Header.Set("Signature", sig)
}

func defaultRef() refSign {
	return refSign{
		headers: []string{"(request-target)", "host", "date", "digest"},
		key:     testKey(), algo: httpsig.RSA_SHA256, keyID: testKeyID, label: "rsa-sha256", date: testTime,
	}
}

var followBody = []byte(`{"@context":"https://www.w3.org/ns/activitystreams","id":"https://remote.example/f/1","type":"Follow","actor":"https://remote.example/users/alice","object":"https://local.example/users/bob"}`)

func TestVerifyCases(t *testing.T) {
	edPub, edPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	type tc struct {
		name    string
		method  string
		path    string
		sign    func(t *testing.T, req *http.Request, body []byte)
		keys    func() *fakeKeys
		now     time.Time
		wantErr error // nil means success
		calls   int32 // expected fetch calls (0 = don't check)
	}
	post := func(mut func(*refSign)) func(*testing.T, *http.Request, []byte) {
		return func(t *testing.T, req *http.Request, body []byte) {
			o := defaultRef()
			if mut != nil {
				mut(&o)
			}
			o.apply(t, req, body)
		}
	}
	ours := func(t *testing.T, req *http.Request, body []byte) {
		if err := SignRequest(req, body, testKeyID, testKey(), testTime); err != nil {
			t.Fatal(err)
		}
	}
	rsaKeys := func() *fakeKeys { return keysFor(testKeyID, &testKey().PublicKey) }
	cases := []tc{
		{name: "SignRequest POST", method: "POST", sign: ours, calls: 1},
		{name: "SignRequest GET with query", method: "GET", path: "/users/bob/outbox?page=true&min_id=5", sign: ours},
		{name: "rsa-sha256", method: "POST", sign: post(nil)},
		{name: "hs2019 label", method: "POST", sign: post(func(o *refSign) { o.label = "hs2019" })},
		{name: "no algorithm", method: "POST", sign: post(func(o *refSign) { o.label = "-" })},
		{name: "Mastodon header list with content-type and accept", method: "POST", sign: post(func(o *refSign) {
			o.headers = []string{"(request-target)", "host", "date", "digest", "content-type", "accept"}
		})},
		{name: "signed without query, sent with query", method: "GET", path: "/users/bob/outbox?page=1",
			sign: func(t *testing.T, req *http.Request, body []byte) {
				q := req.URL.RawQuery
				req.URL.RawQuery = ""
				post(func(o *refSign) { o.headers = []string{"(request-target)", "host", "date"} })(t, req, body)
				req.URL.RawQuery = q
			}},
		{name: "percent-encoded path", method: "GET", path: "/users/b%C3%B6b/outbox",
			sign: post(func(o *refSign) { o.headers = []string{"(request-target)", "host", "date"} })},
		{name: "authorization header", method: "POST", sign: func(t *testing.T, req *http.Request, body []byte) {
			post(nil)(t, req, body)
			req.Header.Set("Authorization", "Signature "+req.Header.Get("Signature"))
			req.Header.Del("Signature")
		}},
		{name: "hs2019 with (created) and (expires)", method: "POST", now: time.Now(), sign: post(func(o *refSign) {
			o.headers = []string{"(request-target)", "(created)", "(expires)", "host", "digest"}
			o.label, o.expiresIn = "hs2019", 300
		})},
		{name: "ed25519 key", method: "POST", keys: func() *fakeKeys { return keysFor(testKeyID, edPub) },
			sign: post(func(o *refSign) { o.key, o.algo, o.label = edPriv, httpsig.ED25519, "hs2019" })},
		{name: "GoToSocial keyId without fragment", method: "POST",
			keys: func() *fakeKeys { return keysFor(testActor+"/main-key", &testKey().PublicKey) },
			sign: post(func(o *refSign) { o.keyID = testActor + "/main-key" })},
		{name: "stale date accepted at 64 min", method: "POST", sign: post(nil), now: testTime.Add(64 * time.Minute)},

		{name: "unsigned", method: "POST", sign: func(*testing.T, *http.Request, []byte) {}, wantErr: ErrUnsigned, calls: -1},
		{name: "malformed header", method: "POST", sign: func(t *testing.T, req *http.Request, body []byte) {
			req.Header.Set("Signature", `keyId="`+testKeyID+`,signature="abc`)
		}, wantErr: ErrSignature, calls: -1},
		{name: "no keyId", method: "POST", sign: func(t *testing.T, req *http.Request, body []byte) {
			post(nil)(t, req, body)
			req.Header.Set("Signature", regexp.MustCompile(`keyId="[^"]*",`).ReplaceAllString(req.Header.Get("Signature"), ""))
		}, wantErr: ErrSignature, calls: -1},
		{name: "tampered digest header", method: "POST", sign: func(t *testing.T, req *http.Request, body []byte) {
			post(nil)(t, req, body)
			req.Header.Set("Digest", Digest([]byte("something else")))
		}, wantErr: ErrDigest, calls: -1},
		{name: "missing digest on POST", method: "POST", sign: post(func(o *refSign) {
			o.headers = []string{"(request-target)", "host", "date"}
		}), wantErr: ErrSignature, calls: -1},
		{name: "missing host on GET", method: "GET", sign: post(func(o *refSign) {
			o.headers = []string{"(request-target)", "date"}
		}), wantErr: ErrSignature, calls: -1},
		{name: "neither date nor created", method: "POST", sign: post(func(o *refSign) {
			o.headers = []string{"(request-target)", "host", "digest"}
		}), wantErr: ErrSignature, calls: -1},
		{name: "stale date", method: "POST", sign: post(nil), now: testTime.Add(66 * time.Minute), wantErr: ErrSignatureClock, calls: -1},
		{name: "future date", method: "POST", sign: post(nil), now: testTime.Add(-61 * time.Minute), wantErr: ErrSignatureClock, calls: -1},
		{name: "unsupported algorithm", method: "POST", sign: post(func(o *refSign) { o.label = "rsa-sha512" }), wantErr: ErrSignature, calls: -1},
		{name: "(created) with rsa-sha256", method: "POST", now: time.Now(), sign: post(func(o *refSign) {
			o.headers = []string{"(request-target)", "(created)", "host", "digest"}
			o.expiresIn = 300
		}), wantErr: ErrSignature, calls: -1},
		{name: "signed header not sent", method: "POST", sign: func(t *testing.T, req *http.Request, body []byte) {
			req.Header.Set("X-Extra", "1")
			post(func(o *refSign) { o.headers = append(o.headers, "x-extra") })(t, req, body)
			req.Header.Del("X-Extra")
		}, wantErr: ErrSignature, calls: -1},
		{name: "signed by another key", method: "POST", sign: post(func(o *refSign) { o.key = testOtherKey() }),
			wantErr: ErrSignature, calls: 2},
		{name: "rotated key: refresh succeeds", method: "POST", sign: post(func(o *refSign) { o.key = testOtherKey() }),
			keys: func() *fakeKeys {
				f := rsaKeys()
				f.fresh = map[string]PublicKey{testKeyID: {ID: testKeyID, Owner: testActor, Key: &testOtherKey().PublicKey}}
				return f
			}, calls: 2},
		{name: "key fetch fails", method: "POST", sign: post(nil), wantErr: ErrKeyUnavailable, calls: 1,
			keys: func() *fakeKeys { return &fakeKeys{err: errors.New("connection refused")} }},
		{name: "tampered path", method: "POST", sign: func(t *testing.T, req *http.Request, body []byte) {
			post(nil)(t, req, body)
			req.URL.Path = "/users/mallory/inbox"
		}, wantErr: ErrSignature, calls: 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			keys := rsaKeys()
			if c.keys != nil {
				keys = c.keys()
			}
			now := c.now
			if now.IsZero() {
				now = testTime.Add(30 * time.Second)
			}
			v := &Verifier{Fetch: keys.fetch, Now: func() time.Time { return now }}
			srv, results := verifyServer(t, v)
			path := c.path
			if path == "" {
				path = "/users/bob/inbox"
			}
			var body []byte
			if c.method == "POST" {
				body = followBody
			}
			req := newRequest(t, c.method, srv.URL+path, body)
			req.Header.Set("Accept", "application/activity+json, application/ld+json")
			c.sign(t, req, body)
			res := send(t, req, results)
			checkVerify(t, res, c.wantErr)
			if c.calls > 0 && keys.calls.Load() != c.calls {
				t.Errorf("fetch called %d times, want %d", keys.calls.Load(), c.calls)
			}
			if c.calls < 0 && keys.calls.Load() != 0 {
				t.Errorf("fetch called %d times before the request was rejected, want 0", keys.calls.Load())
			}
		})
	}
}

func checkVerify(t *testing.T, res verifyResult, wantErr error) {
	t.Helper()
	if wantErr == nil {
		if res.err != nil {
			t.Fatalf("Verify: %v", res.err)
		}
		if res.got.Owner != testActor || res.got.KeyID == "" {
			t.Fatalf("Verified = %+v, want owner %s", res.got, testActor)
		}
		return
	}
	if !errors.Is(res.err, wantErr) {
		t.Fatalf("Verify error = %v, want %v", res.err, wantErr)
	}
	if !errors.Is(res.err, ErrSignature) {
		t.Fatalf("Verify error %v does not wrap ErrSignature", res.err)
	}
}

func TestVerifyTamperedBody(t *testing.T) {
	keys := keysFor(testKeyID, &testKey().PublicKey)
	v := &Verifier{Fetch: keys.fetch, Now: func() time.Time { return testTime }}
	srv, results := verifyServer(t, v)
	req := newRequest(t, "POST", srv.URL+"/inbox", followBody)
	if err := SignRequest(req, followBody, testKeyID, testKey(), testTime); err != nil {
		t.Fatal(err)
	}
	evil := bytes.Replace(followBody, []byte("Follow"), []byte("Block"), 1)
	req.Body = io.NopCloser(bytes.NewReader(evil))
	req.ContentLength = int64(len(evil))
	checkVerify(t, send(t, req, results), ErrDigest)

	// A Digest recomputed for the new body no longer matches the signature.
	req = newRequest(t, "POST", srv.URL+"/inbox", evil)
	if err := SignRequest(req, followBody, testKeyID, testKey(), testTime); err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Digest", Digest(evil))
	res := send(t, req, results)
	checkVerify(t, res, ErrSignature)
	if errors.Is(res.err, ErrDigest) {
		t.Fatalf("error %v blames the digest, want a signature mismatch", res.err)
	}
}

func TestSignRequestHeaders(t *testing.T) {
	req := newRequest(t, "POST", "https://remote.example:8443/users/bob/inbox?x=1", followBody)
	if err := SignRequest(req, followBody, testKeyID, testKey(), testTime); err != nil {
		t.Fatal(err)
	}
	if got := req.Header.Get("Host"); got != "remote.example:8443" {
		t.Errorf("Host = %q", got)
	}
	if got := req.Header.Get("Date"); got != "Sat, 14 Mar 2026 15:09:26 GMT" {
		t.Errorf("Date = %q", got)
	}
	if got := req.Header.Get("Digest"); got != Digest(followBody) {
		t.Errorf("Digest = %q", got)
	}
	sig := req.Header.Get("Signature")
	for _, want := range []string{`keyId="` + testKeyID + `"`, `algorithm="rsa-sha256"`, `headers="(request-target) host date digest"`, `signature="`} {
		if !strings.Contains(sig, want) {
			t.Errorf("Signature %q lacks %s", sig, want)
		}
	}
	// Re-signing (a retry) replaces the old headers instead of failing.
	later := testTime.Add(time.Hour)
	if err := SignRequest(req, followBody, testKeyID, testKey(), later); err != nil {
		t.Fatalf("re-sign: %v", err)
	}
	if n := len(req.Header.Values("Signature")); n != 1 {
		t.Errorf("%d Signature headers after re-signing", n)
	}
	if got := req.Header.Get("Date"); got != later.Format(http.TimeFormat) {
		t.Errorf("Date after re-sign = %q", got)
	}

	get := newRequest(t, "GET", "https://remote.example/users/bob", nil)
	if err := SignRequest(get, nil, testKeyID, testKey(), testTime); err != nil {
		t.Fatal(err)
	}
	if get.Header.Get("Digest") != "" || !strings.Contains(get.Header.Get("Signature"), `headers="(request-target) host date"`) {
		t.Errorf("GET headers: Digest=%q Signature=%q", get.Header.Get("Digest"), get.Header.Get("Signature"))
	}
}

func TestVerifyDoesNotMutateRequest(t *testing.T) {
	req := newRequest(t, "POST", "https://local.example/inbox", followBody)
	req.Header.Set("X-Padded", "  v  ")
	o := defaultRef()
	o.headers = append(o.headers, "x-padded")
	o.apply(t, req, followBody)
	before := req.Header.Clone()
	v := &Verifier{Fetch: keysFor(testKeyID, &testKey().PublicKey).fetch, Now: func() time.Time { return testTime }}
	if _, err := v.Verify(req, followBody); err != nil {
		t.Fatal(err)
	}
	for k, vals := range before {
		if got := req.Header.Values(k); strings.Join(got, "|") != strings.Join(vals, "|") {
			t.Errorf("header %s changed from %q to %q", k, vals, got)
		}
	}
}

// sign9421 is a minimal RFC 9421 signer written from the spec for these
// tests: it covers the given components, which must be among @method,
// @target-uri, @authority and content-digest.
type sign9421 struct {
	components []string
	created    int64
	keyID, alg string
	key        crypto.Signer
	extra      string // appended to Signature-Input, e.g. a second member
}

func (o sign9421) apply(t *testing.T, req *http.Request, body []byte) {
	t.Helper()
	if body != nil {
		req.Header.Set("Content-Digest", ContentDigest(body))
	}
	quoted := make([]string, len(o.components))
	var lines []string
	for i, c := range o.components {
		quoted[i] = `"` + c + `"`
		v := map[string]string{"@method": req.Method, "@target-uri": req.URL.String(), "@authority": req.URL.Host,
			"content-digest": req.Header.Get("Content-Digest")}[c]
		lines = append(lines, `"`+c+`": `+v)
	}
	params := "(" + strings.Join(quoted, " ") + ")"
	if o.created != 0 {
		params += fmt.Sprintf(";created=%d", o.created)
	}
	params += `;keyid="` + o.keyID + `"`
	if o.alg != "" {
		params += `;alg="` + o.alg + `"`
	}
	lines = append(lines, `"@signature-params": `+params)
	base := []byte(strings.Join(lines, "\n"))
	var sig []byte
	var err error
	if _, ok := o.key.(ed25519.PrivateKey); ok {
		sig, err = o.key.Sign(rand.Reader, base, crypto.Hash(0))
	} else {
		sum := sha256.Sum256(base)
		sig, err = o.key.Sign(rand.Reader, sum[:], crypto.SHA256)
	}
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Signature-Input", "sig1="+params+o.extra)
	req.Header.Set("Signature", "sig1=:"+base64.StdEncoding.EncodeToString(sig)+":")
}

func TestVerifyRFC9421(t *testing.T) {
	edPub, edPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	created := testTime.Unix()
	base := func(mut func(*sign9421)) sign9421 {
		o := sign9421{components: []string{"@method", "@target-uri", "content-digest"}, created: created,
			keyID: testKeyID, alg: "rsa-v1_5-sha256", key: testKey()}
		if mut != nil {
			mut(&o)
		}
		return o
	}
	cases := []struct {
		name    string
		method  string
		opts    sign9421
		tamper  func(*http.Request)
		keys    func() *fakeKeys
		now     time.Time
		wantErr error
		calls   int32
	}{
		{name: "POST", method: "POST", opts: base(nil), calls: 1},
		{name: "GET with query, no alg", method: "GET", opts: base(func(o *sign9421) {
			o.components, o.alg = []string{"@method", "@target-uri", "@authority"}, ""
		})},
		{name: "ed25519", method: "POST", opts: base(func(o *sign9421) { o.key, o.alg = edPriv, "ed25519" }),
			keys: func() *fakeKeys { return keysFor(testKeyID, edPub) }},
		{name: "rotated key", method: "POST", opts: base(func(o *sign9421) { o.key = testOtherKey() }), calls: 2,
			keys: func() *fakeKeys {
				f := keysFor(testKeyID, &testKey().PublicKey)
				f.fresh = map[string]PublicKey{testKeyID: {ID: testKeyID, Owner: testActor, Key: &testOtherKey().PublicKey}}
				return f
			}},
		{name: "wrong key", method: "POST", opts: base(func(o *sign9421) { o.key = testOtherKey() }), wantErr: ErrSignature, calls: 2},
		{name: "content-digest not covered on POST", method: "POST", opts: base(func(o *sign9421) {
			o.components = []string{"@method", "@target-uri"}
		}), wantErr: ErrSignature, calls: -1},
		{name: "@target-uri not covered", method: "POST", opts: base(func(o *sign9421) {
			o.components = []string{"@method", "@authority", "content-digest"}
		}), wantErr: ErrSignature, calls: -1},
		{name: "tampered body", method: "POST", opts: base(nil), tamper: func(r *http.Request) {
			r.Header.Set("Content-Digest", ContentDigest([]byte("other")))
		}, wantErr: ErrDigest, calls: -1},
		{name: "no created", method: "POST", opts: base(func(o *sign9421) { o.created = 0 }), wantErr: ErrSignature, calls: -1},
		{name: "stale created", method: "POST", opts: base(nil), now: testTime.Add(2 * time.Hour), wantErr: ErrSignatureClock, calls: -1},
		{name: "unsupported alg", method: "POST", opts: base(func(o *sign9421) { o.alg = "rsa-pss-sha512" }), wantErr: ErrSignature, calls: -1},
		{name: "two signatures", method: "POST", opts: base(func(o *sign9421) { o.extra = `, sig2=("@method");created=1;keyid="x"` }),
			wantErr: ErrSignature, calls: -1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			keys := keysFor(testKeyID, &testKey().PublicKey)
			if c.keys != nil {
				keys = c.keys()
			}
			now := cmp.Or(c.now, testTime.Add(time.Minute))
			v := &Verifier{Fetch: keys.fetch, Now: func() time.Time { return now }}
			srv, results := verifyServer(t, v)
			var body []byte
			path := "/users/bob/outbox?page=true"
			if c.method == "POST" {
				body, path = followBody, "/users/bob/inbox"
			}
			req := newRequest(t, c.method, srv.URL+path, body)
			c.opts.apply(t, req, body)
			if c.tamper != nil {
				c.tamper(req)
			}
			checkVerify(t, send(t, req, results), c.wantErr)
			if got := keys.calls.Load(); (c.calls > 0 && got != c.calls) || (c.calls < 0 && got != 0) {
				t.Errorf("fetch called %d times, want %d", got, max(c.calls, 0))
			}
		})
	}
}

func TestDigest(t *testing.T) {
	body := []byte("hello")
	// SHA-256("hello"), standard base64.
	const want = "SHA-256=LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="
	if got := Digest(body); got != want {
		t.Fatalf("Digest = %q, want %q", got, want)
	}
	sha512 := "SHA-512=m3HSJL1i83hdltRq0+o9czGb+8KJDKra4t/3JRlnPKcjI8PZm6XBHXx6zG4UuMXaDEZjR1wuXDre9G9zvN7AQw=="
	cases := []struct {
		name   string
		header string
		ok     bool
	}{
		{"exact", want, true},
		{"lower-case algorithm", "sha-256=LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=", true},
		{"several algorithms", sha512 + ", " + want, true},
		{"spaces", "  " + want + " ", true},
		{"only sha-512", sha512, false},
		{"wrong value", "SHA-256=LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCA=", false},
		{"bad base64", "SHA-256=***", false},
		{"empty", "", false},
		{"no equals", "SHA-256", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := CheckDigest(c.header, body)
			if c.ok && err != nil {
				t.Fatalf("CheckDigest: %v", err)
			}
			if !c.ok && (!errors.Is(err, ErrDigest) || !errors.Is(err, ErrSignature)) {
				t.Fatalf("CheckDigest err = %v, want ErrDigest", err)
			}
		})
	}
}

func TestContentDigest(t *testing.T) {
	body := []byte(`{"hello": "world"}`)
	// RFC 9530 appendix example for this body.
	const want = "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:"
	if got := ContentDigest(body); got != want {
		t.Fatalf("ContentDigest = %q, want %q", got, want)
	}
	for _, h := range []string{want, "sha-512=:AAAA:, " + want} {
		if err := CheckContentDigest(h, body); err != nil {
			t.Errorf("CheckContentDigest(%q): %v", h, err)
		}
	}
	for _, h := range []string{"", "sha-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=", "sha-256=:AAAA:", "sha-512=:AAAA:"} {
		if err := CheckContentDigest(h, body); !errors.Is(err, ErrDigest) {
			t.Errorf("CheckContentDigest(%q) = %v, want ErrDigest", h, err)
		}
	}
}
