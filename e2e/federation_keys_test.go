package e2e

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"github.com/pictor-social/pictor/activitypub"
	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/social"
)

// getsOf counts the GETs of path among requests.
func getsOf(reqs []seenRequest, path string) int {
	n := 0
	for _, r := range reqs {
		if r.Method == http.MethodGet && r.Path == path {
			n++
		}
	}
	return n
}

// Key ids with a fragment, without one (a stand-alone key whose owner is the
// actor, as GoToSocial serves) and as acct: URIs all verify; keys are cached,
// and a failed check refetches the key once, which follows a rotation
// (checklist 18, interop.md A.3, D.3, D.9).
func TestInboxKeyIDForms(t *testing.T) {
	env := newFedEnv(t, servertest.Options{})
	r := env.remote
	ctx := context.Background()
	st, err := env.srv.Social.CreateStatus(ctx, env.alice.ID, social.Draft{Text: "keys"})
	if err != nil {
		t.Fatal(err)
	}
	like := func(t *testing.T, a *fakeActor, keyID string) int {
		t.Helper()
		_, body := likeJSON(t, a, st.URI)
		status, msg := r.post(t, nil, env.srv.URL+"/inbox", body, sendOpts{sign: func(req *http.Request, b []byte) {
			if err := activitypub.SignRequest(req, b, keyID, a.Key, r.now()); err != nil {
				t.Fatal(err)
			}
		}})
		if status != http.StatusAccepted && status != http.StatusUnauthorized {
			t.Fatalf("status %d (%s)", status, msg)
		}
		return status
	}

	t.Run("fragment", func(t *testing.T) {
		bob := r.addActor("bob")
		if got := like(t, bob, bob.KeyID); got != http.StatusAccepted {
			t.Fatalf("status %d", got)
		}
	})
	t.Run("stand-alone key with owner", func(t *testing.T) {
		gts := r.addActor("gts")
		r.useKeyStub(gts)
		if got := like(t, gts, gts.KeyID); got != http.StatusAccepted {
			t.Fatalf("status %d", got)
		}
		if n := getsOf(r.seen(), "/users/gts/main-key"); n != 1 {
			t.Fatalf("key document fetched %d times", n)
		}
	})
	t.Run("acct URI", func(t *testing.T) {
		mona := r.addActor("mona")
		if got := like(t, mona, "acct:mona@"+r.Host); got != http.StatusAccepted {
			t.Fatalf("status %d", got)
		}
	})
	t.Run("cached, refetched once on rotation", func(t *testing.T) {
		rot := r.addActor("rot")
		if got := like(t, rot, rot.KeyID); got != http.StatusAccepted {
			t.Fatalf("status %d", got)
		}
		before := getsOf(r.seen(), rot.Path)
		if got := like(t, rot, rot.KeyID); got != http.StatusAccepted {
			t.Fatalf("status %d", got)
		}
		if n := getsOf(r.seen(), rot.Path) - before; n != 0 {
			t.Fatalf("cached key fetched again %d times", n)
		}
		r.rotateKey(rot)
		if got := like(t, rot, rot.KeyID); got != http.StatusAccepted {
			t.Fatalf("after rotation: status %d", got)
		}
		if n := getsOf(r.seen(), rot.Path) - before; n != 1 {
			t.Fatalf("rotation refetched the actor %d times, want 1", n)
		}
	})
	t.Run("wrong key refetched once then refused", func(t *testing.T) {
		eve := r.addActor("eve")
		if got := like(t, eve, eve.KeyID); got != http.StatusAccepted {
			t.Fatalf("status %d", got)
		}
		before := getsOf(r.seen(), eve.Path)
		impostor := *eve
		for _, k := range testKeys() {
			if k != eve.Key {
				impostor.Key = k
			}
		}
		if got := like(t, &impostor, eve.KeyID); got != http.StatusUnauthorized {
			t.Fatalf("status %d, want 401", got)
		}
		if n := getsOf(r.seen(), eve.Path) - before; n != 1 {
			t.Fatalf("refetched %d times, want 1", n)
		}
	})
}

// verifyStrict checks a request's draft-cavage signature against key with
// (request-target) built from the full path and query, as Mastodon's first
// try and GoToSocial do.
func verifyStrict(t testing.TB, req seenRequest, host string, key *rsa.PublicKey) {
	t.Helper()
	params := map[string]string{}
	for _, part := range strings.Split(req.Header.Get("Signature"), ",") {
		k, v, _ := strings.Cut(part, "=")
		params[strings.TrimSpace(k)] = strings.Trim(v, `"`)
	}
	var lines []string
	for _, h := range strings.Fields(params["headers"]) {
		switch h {
		case "(request-target)":
			target := req.Path
			if req.RawQuery != "" {
				target += "?" + req.RawQuery
			}
			lines = append(lines, h+": "+strings.ToLower(req.Method)+" "+target)
		case "host":
			lines = append(lines, "host: "+host)
		default:
			lines = append(lines, h+": "+req.Header.Get(h))
		}
	}
	sig, err := base64.StdEncoding.DecodeString(params["signature"])
	if err != nil {
		t.Fatalf("signature: %v", err)
	}
	sum := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	if err := rsa.VerifyPKCS1v15(key, crypto.SHA256, sum[:], sig); err != nil {
		t.Fatalf("signature of %s %s?%s does not verify over %q: %v", req.Method, req.Path, req.RawQuery, lines, err)
	}
}

// Outbound GETs are signed by the instance actor, an Application with a key,
// over (request-target) with the query, host and date, so a server in
// authorized-fetch mode answers (checklist 11, 13).
func TestOutboundGetsSignedByInstanceActor(t *testing.T) {
	env := newFedEnv(t, servertest.Options{})
	r := env.remote
	r.mu.Lock()
	r.signedGETs = true
	r.mu.Unlock()
	ctx := context.Background()
	dave := r.addActor("dave")
	noteURL := dave.ID + "/notes/1?kind=full"
	r.addDoc(noteURL, map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": noteURL,
		"type": "Note", "attributedTo": dave.ID, "content": "<p>signed fetch</p>",
		"to": "https://www.w3.org/ns/activitystreams#Public"})

	acct, err := env.srv.Fed.ResolveHandle(ctx, "dave", r.Host)
	if err != nil {
		t.Fatalf("resolve in authorized-fetch mode: %v", err)
	}
	if acct.URI != dave.ID {
		t.Fatalf("resolved %s", acct.URI)
	}
	if _, err := env.srv.Fed.FetchNote(ctx, noteURL); err != nil {
		t.Fatalf("fetch note: %v", err)
	}
	inst, err := env.srv.Fed.InstanceActor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if inst.ActorType != "Application" || inst.URI != env.srv.URL+"/actor" {
		t.Fatalf("instance actor %s of type %s", inst.URI, inst.ActorType)
	}
	pub, err := activitypub.ParsePublicKeyPEM(inst.PublicKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	gets := 0
	for _, req := range r.seen() {
		if req.Method != http.MethodGet || req.Path == "/.well-known/webfinger" {
			continue
		}
		gets++
		sig := req.Header.Get("Signature")
		if !strings.Contains(sig, `keyId="`+inst.PublicKeyID+`"`) || !strings.Contains(sig, `algorithm="rsa-sha256"`) ||
			!strings.Contains(sig, `headers="(request-target) host date"`) {
			t.Errorf("GET %s signature %q", req.Path, sig)
		}
		verifyStrict(t, req, r.Host, pub.(*rsa.PublicKey))
	}
	if gets < 2 || getsOf(r.seen(), "/users/dave/notes/1") != 1 {
		t.Fatalf("%d signed GETs: %+v", gets, r.seen())
	}
}
