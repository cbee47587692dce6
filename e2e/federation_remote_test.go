package e2e

// A scripted remote ActivityPub server for federation tests: it serves actors
// with RSA keys, WebFinger and arbitrary documents over HTTPS with the test
// CA, records every request Pictor makes to it, verifies the signatures of
// what Pictor delivers with activitypub.Verifier, and signs requests to
// Pictor with activitypub.SignRequest (or a hand-made signature when a test
// needs a particular shape).

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pictor-social/pictor/activitypub"
	"github.com/pictor-social/pictor/internal/testkit/tlstest"
	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/store"
)

// testKeys are RSA-2048 keys shared by all fake actors: generating one costs
// up to a second under -race, and which key an actor uses does not matter.
var testKeys = sync.OnceValue(func() []*rsa.PrivateKey {
	keys := make([]*rsa.PrivateKey, 3)
	for i := range keys {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		k.Precompute()
		keys[i] = k
	}
	return keys
})

// fakeActor is an actor served by a fakeRemote.
type fakeActor struct {
	ID, Path, Username, Type string
	Inbox                    string
	KeyID                    string
	Key                      *rsa.PrivateKey
	// KeyStub serves the key as a stand-alone document at ID+"/main-key"
	// whose owner is the actor (GoToSocial's shape, interop.md D.3).
	KeyStub bool
	// Doc, when set, is the whole actor document (fields other than the key
	// are served as given).
	Doc map[string]any
}

// seenRequest is one request Pictor made to the fake remote.
type seenRequest struct {
	Method, Path, RawQuery string
	Header                 http.Header
}

// received is one POST to an inbox of the fake remote.
type received struct {
	Path     string
	Header   http.Header
	Body     []byte
	Activity activitypub.Activity
	KeyID    string
	Err      error // signature verification error
	Status   int   // what the fake remote answered
}

// fakeRemote is a scripted remote server. Its methods are safe for
// concurrent use.
type fakeRemote struct {
	t      testing.TB
	URL    string // https://127.0.0.1:PORT
	Host   string
	client *http.Client

	mu       sync.Mutex
	actors   map[string]*fakeActor // by path
	keyDocs  map[string]*fakeActor // stand-alone key documents by path
	docs     map[string][]byte     // other documents by path
	requests []seenRequest
	inbox    []received
	changed  chan struct{} // closed and replaced whenever something is recorded
	// answer chooses the status for an inbox POST; nil answers 202.
	answer func(rc received, n int) int
	// hold, when set, blocks inbox POSTs until it returns.
	hold func(rc received)
	// signedGETs makes GETs require a valid signature (authorized fetch).
	signedGETs bool
	clock      func() time.Time
	// noSharedInbox leaves endpoints.sharedInbox out of actor documents.
	noSharedInbox bool
	verifier      *activitypub.Verifier
	pictorKeys    map[string]activitypub.PublicKey
}

// newRemote starts a fake remote on loopback with the CA's certificate.
func newRemote(t testing.TB, ca *tlstest.CA) *fakeRemote {
	r := &fakeRemote{t: t, client: ca.Client(), actors: map[string]*fakeActor{}, keyDocs: map[string]*fakeActor{},
		docs: map[string][]byte{}, changed: make(chan struct{}), clock: time.Now,
		pictorKeys: map[string]activitypub.PublicKey{}}
	r.verifier = &activitypub.Verifier{Fetch: r.fetchPictorKey, Now: func() time.Time { return r.now() }}
	srv := ca.NewServer(r)
	r.URL = srv.URL
	r.Host = strings.TrimPrefix(srv.URL, "https://")
	return r
}

func (r *fakeRemote) now() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.clock()
}

// setClock makes the remote sign and verify with clock.
func (r *fakeRemote) setClock(clock func() time.Time) {
	r.mu.Lock()
	r.clock = clock
	r.mu.Unlock()
}

// setAnswer sets the inbox's answer policy.
func (r *fakeRemote) setAnswer(f func(rc received, n int) int) {
	r.mu.Lock()
	r.answer = f
	r.mu.Unlock()
}

// addActor serves an actor named name at /users/name.
func (r *fakeRemote) addActor(name string) *fakeActor {
	return r.addActorAt("/users/"+name, name, nil)
}

// addActorAt serves an actor at path with preferredUsername name; doc, when
// not nil, is the document to serve (its publicKey is replaced by ours).
func (r *fakeRemote) addActorAt(path, name string, doc map[string]any) *fakeActor {
	r.mu.Lock()
	defer r.mu.Unlock()
	if a, ok := r.actors[path]; ok {
		return a
	}
	id := r.URL + path
	a := &fakeActor{ID: id, Path: path, Username: name, Type: "Person", Inbox: id + "/inbox",
		KeyID: id + "#main-key", Key: testKeys()[len(r.actors)%len(testKeys())], Doc: doc}
	r.actors[path] = a
	return a
}

// useKeyStub switches a to a fragment-less keyId served as a stand-alone key.
func (r *fakeRemote) useKeyStub(a *fakeActor) {
	r.mu.Lock()
	defer r.mu.Unlock()
	a.KeyStub = true
	a.KeyID = a.ID + "/main-key"
	r.keyDocs[strings.TrimPrefix(a.KeyID, r.URL)] = a
}

// rotateKey gives a a different key (and keeps its keyId).
func (r *fakeRemote) rotateKey(a *fakeActor) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, k := range testKeys() {
		if k != a.Key {
			a.Key = k
			return
		}
	}
}

// addDoc serves doc (marshalled to JSON) at the path of its URL.
func (r *fakeRemote) addDoc(rawURL string, doc any) {
	b, err := json.Marshal(doc)
	if err != nil {
		r.t.Fatal(err)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		r.t.Fatal(err)
	}
	r.mu.Lock()
	r.docs[u.Path] = b
	r.mu.Unlock()
}

func (r *fakeRemote) actorDoc(a *fakeActor) map[string]any {
	pemKey, err := activitypub.EncodePublicKeyPEM(&a.Key.PublicKey)
	if err != nil {
		r.t.Error(err)
	}
	doc := map[string]any{
		"@context":          []any{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"},
		"id":                a.ID,
		"type":              a.Type,
		"preferredUsername": a.Username,
		"inbox":             a.Inbox,
		"outbox":            a.ID + "/outbox",
		"followers":         a.ID + "/followers",
		"following":         a.ID + "/following",
		"endpoints":         map[string]any{"sharedInbox": r.URL + "/inbox"},
		"url":               a.ID,
	}
	if r.noSharedInbox {
		delete(doc, "endpoints")
	}
	for k, v := range a.Doc {
		doc[k] = v
	}
	doc["publicKey"] = map[string]any{"id": a.KeyID, "owner": a.ID, "publicKeyPem": pemKey}
	return doc
}

// ServeHTTP implements the fake server.
func (r *fakeRemote) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(req.Body, 4<<20))
	r.mu.Lock()
	r.requests = append(r.requests, seenRequest{Method: req.Method, Path: req.URL.Path, RawQuery: req.URL.RawQuery, Header: req.Header.Clone()})
	r.notifyLocked()
	r.mu.Unlock()
	switch {
	case req.URL.Path == "/.well-known/webfinger":
		r.serveWebFinger(w, req)
	case req.Method == http.MethodPost:
		r.serveInbox(w, req, body)
	case req.Method == http.MethodGet:
		r.serveDoc(w, req)
	default:
		http.Error(w, "method", http.StatusMethodNotAllowed)
	}
}

func (r *fakeRemote) notifyLocked() {
	close(r.changed)
	r.changed = make(chan struct{})
}

func (r *fakeRemote) serveWebFinger(w http.ResponseWriter, req *http.Request) {
	res := req.URL.Query().Get("resource")
	user, host, _ := strings.Cut(strings.TrimPrefix(res, "acct:"), "@")
	r.mu.Lock()
	var found *fakeActor
	for _, a := range r.actors {
		if strings.EqualFold(a.Username, user) && host == r.Host {
			found = a
		}
	}
	r.mu.Unlock()
	if found == nil {
		http.NotFound(w, req)
		return
	}
	w.Header().Set("Content-Type", "application/jrd+json")
	json.NewEncoder(w).Encode(map[string]any{"subject": "acct:" + found.Username + "@" + r.Host,
		"links": []any{map[string]any{"rel": "self", "type": "application/activity+json", "href": found.ID}}})
}

func (r *fakeRemote) serveDoc(w http.ResponseWriter, req *http.Request) {
	if r.signedGETsOn() {
		if _, err := r.verifier.Verify(req, nil); err != nil {
			http.Error(w, "signature required: "+err.Error(), http.StatusUnauthorized)
			return
		}
	}
	r.mu.Lock()
	var doc any
	if a, ok := r.actors[req.URL.Path]; ok {
		doc = r.actorDoc(a)
	} else if a, ok := r.keyDocs[req.URL.Path]; ok {
		pemKey, _ := activitypub.EncodePublicKeyPEM(&a.Key.PublicKey)
		doc = map[string]any{"@context": "https://w3id.org/security/v1", "id": a.KeyID, "owner": a.ID, "publicKeyPem": pemKey}
	} else if b, ok := r.docs[req.URL.Path]; ok {
		doc = json.RawMessage(b)
	}
	r.mu.Unlock()
	if doc == nil {
		http.NotFound(w, req)
		return
	}
	w.Header().Set("Content-Type", "application/activity+json")
	json.NewEncoder(w).Encode(doc)
}

func (r *fakeRemote) signedGETsOn() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.signedGETs
}

func (r *fakeRemote) serveInbox(w http.ResponseWriter, req *http.Request, body []byte) {
	rc := received{Path: req.URL.Path, Header: req.Header.Clone(), Body: body}
	v, err := r.verifier.Verify(req, body)
	rc.KeyID, rc.Err = v.KeyID, err
	if err == nil {
		rc.Activity, rc.Err = activitypub.ParseActivity(body)
	}
	r.mu.Lock()
	hold := r.hold
	r.mu.Unlock()
	if hold != nil {
		hold(rc)
	}
	r.mu.Lock()
	status := http.StatusAccepted
	if rc.Err != nil {
		status = http.StatusUnauthorized
	} else if r.answer != nil {
		status = r.answer(rc, len(r.inbox))
	}
	rc.Status = status
	r.inbox = append(r.inbox, rc)
	r.notifyLocked()
	r.mu.Unlock()
	w.WriteHeader(status)
}

// fetchPictorKey resolves Pictor's keys for the fake remote's verifier by an
// unsigned GET (checklist 8: Pictor's actors answer without a signature).
func (r *fakeRemote) fetchPictorKey(ctx context.Context, keyID string, refresh bool) (activitypub.PublicKey, error) {
	r.mu.Lock()
	k, ok := r.pictorKeys[keyID]
	r.mu.Unlock()
	if ok && !refresh {
		return k, nil
	}
	doc, _, _ := strings.Cut(keyID, "#")
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, doc, nil)
	if err != nil {
		return k, err
	}
	req.Header.Set("Accept", "application/activity+json")
	resp, err := r.client.Do(req)
	if err != nil {
		return k, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return k, err
	}
	if resp.StatusCode != http.StatusOK {
		return k, fmt.Errorf("GET %s: %d", doc, resp.StatusCode)
	}
	k, err = activitypub.KeyFromDocument(b, keyID)
	if err != nil {
		return k, err
	}
	r.mu.Lock()
	r.pictorKeys[keyID] = k
	r.mu.Unlock()
	return k, nil
}

// requestCount returns how many requests Pictor made to the remote.
func (r *fakeRemote) requestCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.requests)
}

// seen returns a copy of the requests so far.
func (r *fakeRemote) seen() []seenRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]seenRequest(nil), r.requests...)
}

// received returns a copy of the inbox POSTs so far.
func (r *fakeRemote) received() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.inbox...)
}

// waitFor waits until cond, evaluated under the remote's lock after every
// recorded request, holds; it fails the test after timeout.
func (r *fakeRemote) waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		ok := cond()
		ch := r.changed
		r.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
	}
}

// waitInbox waits for a verified inbox POST matching pred and returns it.
func (r *fakeRemote) waitInbox(t testing.TB, what string, pred func(rc received) bool) received {
	t.Helper()
	var got received
	r.waitFor(t, wait, what, func() bool {
		for _, rc := range r.inbox {
			if rc.Err == nil && pred(rc) {
				got = rc
				return true
			}
		}
		return false
	})
	return got
}

// ofType matches delivered activities by type.
func ofType(typ string) func(received) bool {
	return func(rc received) bool { return string(rc.Activity.Type) == typ }
}

// sendOpts varies how post builds and signs a request.
type sendOpts struct {
	contentType string
	date        time.Time
	// sign replaces SignRequest (nil) by a custom signature.
	sign func(req *http.Request, body []byte)
	// tamper changes the request after signing.
	tamper func(req *http.Request)
}

// post sends body to url signed as a; it returns the status and response body.
func (r *fakeRemote) post(t testing.TB, a *fakeActor, target string, body []byte, o sendOpts) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	ct := o.contentType
	if ct == "" {
		ct = "application/activity+json"
	}
	req.Header.Set("Content-Type", ct)
	date := o.date
	if date.IsZero() {
		date = r.now()
	}
	if o.sign != nil {
		req.Header.Set("Date", date.UTC().Format(http.TimeFormat))
		o.sign(req, body)
	} else if a != nil {
		if err := activitypub.SignRequest(req, body, a.KeyID, a.Key, date); err != nil {
			t.Fatal(err)
		}
	}
	if o.tamper != nil {
		o.tamper(req)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, string(b)
}

// signCavage signs req by hand: algorithm label alg ("" leaves it out),
// the given header list, (request-target) with or without the query. It
// sets Digest when the list names it. Header names are lower case.
func signCavage(t testing.TB, req *http.Request, body []byte, keyID string, key *rsa.PrivateKey, alg string, headers []string, withQuery bool) {
	t.Helper()
	if req.Header.Get("Date") == "" {
		req.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	}
	var lines []string
	for _, h := range headers {
		switch h {
		case "(request-target)":
			target := req.URL.EscapedPath()
			if withQuery && req.URL.RawQuery != "" {
				target += "?" + req.URL.RawQuery
			}
			lines = append(lines, h+": "+strings.ToLower(req.Method)+" "+target)
		case "host":
			lines = append(lines, "host: "+req.URL.Host)
		case "digest":
			sum := sha256.Sum256(body)
			req.Header.Set("Digest", "SHA-256="+base64.StdEncoding.EncodeToString(sum[:]))
			lines = append(lines, "digest: "+req.Header.Get("Digest"))
		default:
			lines = append(lines, h+": "+req.Header.Get(h))
		}
	}
	sum := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	v := fmt.Sprintf(`keyId="%s",`, keyID)
	if alg != "" {
		v += fmt.Sprintf(`algorithm="%s",`, alg)
	}
	v += fmt.Sprintf(`headers="%s",signature="%s"`, strings.Join(headers, " "), base64.StdEncoding.EncodeToString(sig))
	req.Header.Set("Signature", v)
}

// fedEnv is a Pictor test server with a local user alice and a fake remote.
type fedEnv struct {
	srv    *servertest.Server
	remote *fakeRemote
	alice  store.Account
	ca     *tlstest.CA
}

// newFedEnv starts Pictor (configured by opts) and a fake remote.
func newFedEnv(t testing.TB, opts servertest.Options) *fedEnv {
	t.Helper()
	if opts.CA == nil {
		opts.CA = tlstest.New(t)
	}
	srv := servertest.Start(t, opts)
	return &fedEnv{srv: srv, remote: newRemote(t, opts.CA), alice: srv.CreateUser(t, "alice", ""), ca: opts.CA}
}

// waitProcessed waits until the inbox item with activity id is processed and
// returns its state ("done" or "failed") and error text.
func waitProcessed(t testing.TB, db *store.DB, activityID string) (string, string) {
	t.Helper()
	var state, lastErr string
	servertest.Eventually(t, wait, "inbox item "+activityID+" processed", func() bool {
		var err error
		state, lastErr, err = db.InboxItemState(context.Background(), activityID)
		return err == nil && state != "pending"
	})
	return state, lastErr
}

// bodyID returns the id under which the inbox stores body: its "id", or a
// hash of the body when it has none.
func bodyID(body []byte) string {
	var d struct {
		ID string `json:"id"`
	}
	json.Unmarshal(body, &d)
	if d.ID != "" {
		return d.ID
	}
	sum := sha256.Sum256(body)
	return "urn:sha256:" + fmt.Sprintf("%x", sum[:])
}

// mustJSON marshals v.
func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
