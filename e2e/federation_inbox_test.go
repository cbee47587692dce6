package e2e

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pictor-social/pictor/config"
	"github.com/pictor-social/pictor/internal/testkit/fakeopenai"
	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

var activitySeq atomic.Int64

// newID returns a fresh activity id under a's id.
func newID(a *fakeActor, kind string) string {
	return fmt.Sprintf("%s/%s/%d", a.ID, kind, activitySeq.Add(1))
}

func followJSON(t testing.TB, a *fakeActor, target string) (string, []byte) {
	id := newID(a, "follows")
	return id, mustJSON(t, map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
		"id": id, "type": "Follow", "actor": a.ID, "object": target})
}

func likeJSON(t testing.TB, a *fakeActor, object string) (string, []byte) {
	id := newID(a, "likes")
	return id, mustJSON(t, map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
		"id": id, "type": "Like", "actor": a.ID, "object": object})
}

// Bad input of every kind gets the right 4xx and stores nothing
// (checklist 15, 20, 22; issue 2 "Inbox").
func TestInboxRejectsBadInput(t *testing.T) {
	env := newFedEnv(t, servertest.Options{})
	r := env.remote
	bob := r.addActor("bob")
	carol := r.addActor("carol")
	r.useKeyStub(carol) // carol signs with a different keyId and key owner
	inbox := env.srv.URL + "/inbox"
	big := strings.Repeat("x", 1<<20)

	cases := []struct {
		name string
		body func(id string) []byte
		as   *fakeActor
		opts sendOpts
		want int
	}{
		{"valid", nil, bob, sendOpts{}, http.StatusAccepted},
		{"bad json", func(string) []byte { return []byte(`{"type": "Follow", "actor": `) }, bob, sendOpts{}, http.StatusBadRequest},
		{"json array", func(string) []byte { return []byte(`[1, 2]`) }, bob, sendOpts{}, http.StatusBadRequest},
		{"no actor", func(id string) []byte {
			return mustJSON(t, map[string]any{"id": id, "type": "Follow", "object": env.alice.URI})
		}, bob, sendOpts{}, http.StatusBadRequest},
		{"unsigned", nil, nil, sendOpts{}, http.StatusUnauthorized},
		{"bad signature", nil, bob, sendOpts{tamper: func(r *http.Request) {
			r.Header.Set("Signature", strings.Replace(r.Header.Get("Signature"), `signature="`, `signature="AAAA`, 1))
		}}, http.StatusUnauthorized},
		{"digest mismatch", nil, bob, sendOpts{tamper: func(r *http.Request) {
			r.Header.Set("Digest", "SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")
		}}, http.StatusUnauthorized},
		{"digest missing", nil, bob, sendOpts{sign: func(req *http.Request, body []byte) {
			signCavage(t, req, body, bob.KeyID, bob.Key, "rsa-sha256", []string{"(request-target)", "host", "date"}, true)
		}}, http.StatusUnauthorized},
		{"digest of another algorithm", nil, bob, sendOpts{tamper: func(r *http.Request) {
			r.Header.Set("Digest", "SHA-512=z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg==")
		}}, http.StatusUnauthorized},
		{"stale date", nil, bob, sendOpts{date: time.Now().Add(-2 * time.Hour)}, http.StatusUnauthorized},
		{"future date", nil, bob, sendOpts{date: time.Now().Add(2 * time.Hour)}, http.StatusUnauthorized},
		{"oversize body", func(id string) []byte {
			return mustJSON(t, map[string]any{"id": id, "type": "Follow", "actor": bob.ID, "object": env.alice.URI, "pad": big})
		}, bob, sendOpts{}, http.StatusRequestEntityTooLarge},
		{"wrong content type", nil, bob, sendOpts{contentType: "text/plain"}, http.StatusUnsupportedMediaType},
		{"form content type", nil, bob, sendOpts{contentType: "application/x-www-form-urlencoded"}, http.StatusUnsupportedMediaType},
		{"actor is not the signer", nil, carol, sendOpts{}, http.StatusUnauthorized},
		{"id on another host", func(string) []byte {
			return mustJSON(t, map[string]any{"id": "https://elsewhere.example/follows/1", "type": "Follow", "actor": bob.ID, "object": env.alice.URI})
		}, bob, sendOpts{}, http.StatusForbidden},
		{"created object on another host", func(id string) []byte {
			return mustJSON(t, map[string]any{"id": id, "type": "Create", "actor": bob.ID, "object": map[string]any{
				"id": "https://elsewhere.example/notes/1", "type": "Note", "attributedTo": bob.ID, "content": "hi", "to": env.alice.URI}})
		}, bob, sendOpts{}, http.StatusForbidden},
		{"deleted object on another host", func(id string) []byte {
			return mustJSON(t, map[string]any{"id": id, "type": "Delete", "actor": bob.ID, "object": "https://elsewhere.example/notes/1"})
		}, bob, sendOpts{}, http.StatusForbidden},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			id := fmt.Sprintf("%s/bad/%d", bob.ID, i)
			body := mustJSON(t, map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
				"id": id, "type": "Follow", "actor": bob.ID, "object": env.alice.URI})
			if tc.body != nil {
				body = tc.body(id)
			}
			status, msg := r.post(t, tc.as, inbox, body, tc.opts)
			if status != tc.want {
				t.Fatalf("status %d (%s), want %d", status, msg, tc.want)
			}
			_, _, err := env.srv.DB.InboxItemState(context.Background(), bodyID(body))
			stored := err == nil
			if stored != (tc.want == http.StatusAccepted) {
				t.Fatalf("stored = %v (err %v) for status %d", stored, err, status)
			}
		})
	}
}

// A Delete or Update of an actor Pictor never knew is acknowledged without a
// single request to the sender's server, signed or not (checklist 21,
// interop.md D.10).
func TestInboxUnknownActorDeleteFetchesNothing(t *testing.T) {
	env := newFedEnv(t, servertest.Options{})
	r := env.remote
	ghost := r.addActor("ghost")
	for _, tc := range []struct {
		name   string
		typ    string
		object any
		signed bool
	}{
		{"delete signed", "Delete", ghost.ID, true},
		{"delete unsigned", "Delete", ghost.ID, false},
		{"delete embedded tombstone", "Delete", map[string]any{"id": ghost.ID, "type": "Tombstone"}, true},
		{"update of itself", "Update", map[string]any{"id": ghost.ID, "type": "Person"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := r.requestCount()
			body := mustJSON(t, map[string]any{"id": newID(ghost, "delete"), "type": tc.typ, "actor": ghost.ID,
				"object": tc.object, "to": "https://www.w3.org/ns/activitystreams#Public"})
			as := ghost
			if !tc.signed {
				as = nil
			}
			status, msg := r.post(t, as, env.srv.URL+"/inbox", body, sendOpts{})
			if status != http.StatusAccepted {
				t.Fatalf("status %d (%s)", status, msg)
			}
			if n := r.requestCount() - before; n != 0 {
				t.Fatalf("%d outbound requests to the sender: %+v", n, r.seen()[before:])
			}
			if _, err := env.srv.DB.AccountByURI(context.Background(), ghost.ID); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("ghost stored: %v", err)
			}
			if _, _, err := env.srv.DB.InboxItemState(context.Background(), bodyID(body)); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("activity stored: %v", err)
			}
		})
	}
	// A Delete of a known actor does take effect.
	_, like := likeJSON(t, ghost, env.alice.URI)
	if st, msg := r.post(t, ghost, env.srv.URL+"/inbox", like, sendOpts{}); st != http.StatusAccepted {
		t.Fatalf("like: %d %s", st, msg)
	}
	waitProcessed(t, env.srv.DB, bodyID(like))
	del := mustJSON(t, map[string]any{"id": ghost.ID + "#delete", "type": "Delete", "actor": ghost.ID, "object": ghost.ID})
	if st, msg := r.post(t, ghost, env.srv.URL+"/inbox", del, sendOpts{}); st != http.StatusAccepted {
		t.Fatalf("delete: %d %s", st, msg)
	}
	waitProcessed(t, env.srv.DB, bodyID(del))
	if a, err := env.srv.DB.AccountByURI(context.Background(), ghost.ID); err != nil || a.DeletedAt.IsZero() {
		t.Fatalf("known actor after Delete: %+v, %v", a, err)
	}
}

// Incoming signatures are accepted in every shape Mastodon, GoToSocial and
// Bridgy Fed send: algorithm rsa-sha256, hs2019 or absent, extra signed
// headers, (request-target) with or without the query (checklist 16).
func TestInboxSignatureShapes(t *testing.T) {
	env := newFedEnv(t, servertest.Options{})
	r := env.remote
	bob := r.addActor("bob")
	base := []string{"(request-target)", "host", "date", "digest"}
	cases := []struct {
		name      string
		alg       string
		headers   []string
		query     string
		withQuery bool
		ct        string
	}{
		{"rsa-sha256", "rsa-sha256", base, "", true, ""},
		{"hs2019", "hs2019", base, "", true, ""},
		{"no algorithm", "", base, "", true, ""},
		{"mastodon header list with content-type", "rsa-sha256", append(base[:4:4], "content-type"), "", true, ""},
		{"headers in another order", "hs2019", []string{"date", "digest", "host", "(request-target)"}, "", true, ""},
		{"digest without request-target", "rsa-sha256", []string{"host", "date", "digest"}, "", true, ""},
		{"query signed", "rsa-sha256", base, "x=1", true, ""},
		{"query not signed", "rsa-sha256", base, "x=1", false, ""},
		{"ld+json with profile", "rsa-sha256", base, "", true, `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`},
		{"activity+json with charset", "rsa-sha256", base, "", true, "application/activity+json; charset=utf-8"},
		{"bare ld+json", "rsa-sha256", base, "", true, "application/ld+json"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			id, body := likeJSON(t, bob, env.alice.URI)
			target := env.srv.URL + "/inbox"
			if tc.query != "" {
				target += "?" + tc.query
			}
			status, msg := r.post(t, bob, target, body, sendOpts{contentType: tc.ct, sign: func(req *http.Request, b []byte) {
				signCavage(t, req, b, bob.KeyID, bob.Key, tc.alg, tc.headers, tc.withQuery)
			}})
			if status != http.StatusAccepted {
				t.Fatalf("status %d (%s)", status, msg)
			}
			if _, _, err := env.srv.DB.InboxItemState(context.Background(), id); err != nil {
				t.Fatalf("not stored: %v", err)
			}
		})
	}
}

// The inbox answers 202 once the activity is stored and applies it
// afterwards (checklist 20), on the personal and the shared inbox alike:
// the reply's screening (the chat backend on the fake OpenAI server) is held
// until after the 202 arrived, so the answer cannot have waited for the
// processing.
func TestInboxAcknowledgesThenProcesses(t *testing.T) {
	fake := fakeopenai.New(t)
	var mu sync.Mutex
	release := make(chan struct{}) // closed: screening calls answer at once
	close(release)
	verdict := fakeopenai.ChatJSON(map[string]any{"flagged": false, "category": "none", "score": 0.01})
	fake.HandleChat(func(s *fakeopenai.Server, w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		gate := release
		mu.Unlock()
		select {
		case <-gate:
			verdict(s, w, r)
		case <-r.Context().Done():
		}
	})
	env := newFedEnv(t, servertest.Options{Configure: func(c *config.File) {
		c.Assistant.Backend, c.Assistant.BaseURL, c.Assistant.APIKey = "openai", fake.BaseURL(), "sk-test"
		c.Assistant.Profile, c.Assistant.Model = "compatible", "chat-model"
		c.Screening.Backend = "chat"
	}})
	r := env.remote
	bob := r.addActor("bob")
	ctx := context.Background()
	// alice's post is screened too, before the gate closes.
	st, err := env.srv.Social.CreateStatus(ctx, env.alice.ID, social.Draft{Text: "reply to me"})
	if err != nil {
		t.Fatal(err)
	}
	for len(fake.Arrivals()) > 0 {
		<-fake.Arrivals()
	}
	for _, inbox := range []string{env.alice.InboxURI, env.srv.URL + "/inbox"} {
		mu.Lock()
		release = make(chan struct{})
		mu.Unlock()
		noteID, body := directNoteJSON(t, bob, env.alice, st.URI)
		status, msg := r.post(t, bob, inbox, body, sendOpts{})
		if status != http.StatusAccepted {
			t.Fatalf("%s: status %d (%s)", inbox, status, msg)
		}
		// Acknowledged means stored: the item is there, and its processing
		// waits on the held screening call.
		if state, _, err := env.srv.DB.InboxItemState(ctx, bodyID(body)); err != nil || state == "done" {
			t.Fatalf("%s: after the 202 the item is %q (%v), want stored and not yet applied", inbox, state, err)
		}
		select {
		case <-fake.Arrivals():
		case <-time.After(wait):
			t.Fatalf("%s: the reply was never screened", inbox)
		}
		if state, _, _ := env.srv.DB.InboxItemState(ctx, bodyID(body)); state == "done" {
			t.Fatalf("%s: applied while its screening was held", inbox)
		}
		mu.Lock()
		close(release)
		mu.Unlock()
		if state, lastErr := waitProcessed(t, env.srv.DB, bodyID(body)); state != "done" {
			t.Fatalf("state %s: %s", state, lastErr)
		}
		if _, err := env.srv.DB.StatusByURI(ctx, noteID); err != nil {
			t.Fatalf("%s: reply not stored: %v", inbox, err)
		}
	}
}

// The same activity POSTed twice has one effect: one favourite, one
// notification, one Accept for a Follow (issue 2: idempotent by activity id).
func TestInboxIdempotentByActivityID(t *testing.T) {
	env := newFedEnv(t, servertest.Options{})
	r := env.remote
	bob := r.addActor("bob")
	ctx := context.Background()
	st, err := env.srv.Social.CreateStatus(ctx, env.alice.ID, social.Draft{Text: "once"})
	if err != nil {
		t.Fatal(err)
	}
	likeID, like := likeJSON(t, bob, st.URI)
	followID, follow := followJSON(t, bob, env.alice.URI)
	for i := 0; i < 2; i++ {
		for _, body := range [][]byte{like, follow} {
			if status, msg := r.post(t, bob, env.srv.URL+"/inbox", body, sendOpts{}); status != http.StatusAccepted {
				t.Fatalf("post %d: %d %s", i, status, msg)
			}
		}
		waitProcessed(t, env.srv.DB, likeID)
		waitProcessed(t, env.srv.DB, followID)
	}
	r.waitInbox(t, "Accept", ofType("Accept"))
	// Any second Accept would be queued by now: the inbox processed both POSTs.
	if err := drainDeliveries(t, env); err != nil {
		t.Fatal(err)
	}
	accepts := 0
	for _, rc := range r.received() {
		if rc.Activity.Type == "Accept" {
			accepts++
		}
	}
	bobAcct, err := env.srv.DB.AccountByURI(ctx, bob.ID)
	if err != nil {
		t.Fatal(err)
	}
	ns, err := env.srv.DB.Notifications(ctx, env.alice.ID, store.NotificationFilter{}, store.Page{})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, n := range ns {
		if n.FromAccountID == bobAcct.ID {
			kinds[n.Type]++
		}
	}
	counts, _ := env.srv.DB.StatusCountsByIDs(ctx, []int64{st.ID})
	if accepts != 1 || kinds[store.NotifyFavourite] != 1 || kinds[store.NotifyFollow] != 1 || counts[st.ID].Favourites != 1 {
		t.Fatalf("accepts %d, notifications %v, favourites %d", accepts, kinds, counts[st.ID].Favourites)
	}
}

// drainDeliveries waits until no delivery is pending.
func drainDeliveries(t testing.TB, env *fedEnv) error {
	t.Helper()
	servertest.Eventually(t, wait, "deliveries drained", func() bool {
		s, err := env.srv.DB.DeliveryStats(context.Background())
		return err == nil && s.Pending == 0
	})
	return nil
}

// Actor and object may come as ids or as embedded objects, in any
// combination (checklist 23, bridgy-fed #374).
func TestInboxEmbeddedActorAndObject(t *testing.T) {
	env := newFedEnv(t, servertest.Options{})
	r := env.remote
	ctx := context.Background()
	st, err := env.srv.Social.CreateStatus(ctx, env.alice.ID, social.Draft{Text: "embed me"})
	if err != nil {
		t.Fatal(err)
	}
	for i, tc := range []struct {
		name          string
		actor, object func(a *fakeActor) any
	}{
		{"ids", func(a *fakeActor) any { return a.ID }, func(*fakeActor) any { return st.URI }},
		{"embedded actor", func(a *fakeActor) any { return map[string]any{"id": a.ID, "type": "Person"} }, func(*fakeActor) any { return st.URI }},
		{"embedded object", func(a *fakeActor) any { return a.ID }, func(*fakeActor) any { return map[string]any{"id": st.URI, "type": "Note"} }},
		{"both embedded, in arrays", func(a *fakeActor) any { return []any{map[string]any{"id": a.ID, "type": "Person"}} },
			func(*fakeActor) any { return []any{map[string]any{"id": st.URI, "type": "Note"}} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := r.addActor(fmt.Sprintf("embed%d", i))
			id := newID(a, "likes")
			body := mustJSON(t, map[string]any{"id": id, "type": "Like", "actor": tc.actor(a), "object": tc.object(a)})
			if status, msg := r.post(t, a, env.srv.URL+"/inbox", body, sendOpts{}); status != http.StatusAccepted {
				t.Fatalf("status %d (%s)", status, msg)
			}
			if state, lastErr := waitProcessed(t, env.srv.DB, id); state != "done" {
				t.Fatalf("%s: %s", state, lastErr)
			}
			counts, _ := env.srv.DB.StatusCountsByIDs(ctx, []int64{st.ID})
			if counts[st.ID].Favourites != int64(i+1) {
				t.Fatalf("favourites %d, want %d", counts[st.ID].Favourites, i+1)
			}
		})
	}
}

// Remote HTML is cleaned when it is stored, as Mastodon does (interop.md
// A.6): apps render status content as HTML and trust the server for it.
func TestInboxCleansRemoteHTML(t *testing.T) {
	env := newFedEnv(t, servertest.Options{})
	r := env.remote
	ctx := context.Background()
	a := r.addActor("html")
	noteID := newID(a, "notes")
	content := `<p onclick="steal()">hi <span class="h-card"><a class="u-url mention" href="` + env.alice.URI +
		`">@alice</a></span><script>alert(1)</script><img src=x onerror=alert(2)><a href="javascript:alert(3)">x</a></p>`
	body := mustJSON(t, map[string]any{"id": newID(a, "creates"), "type": "Create", "actor": a.ID,
		"object": map[string]any{"id": noteID, "type": "Note", "attributedTo": a.ID, "content": content,
			"to": []string{"https://www.w3.org/ns/activitystreams#Public"}, "cc": []string{env.alice.URI},
			"tag": []any{map[string]any{"type": "Mention", "href": env.alice.URI, "name": "@alice"}}}})
	if status, msg := r.post(t, a, env.srv.URL+"/inbox", body, sendOpts{}); status != http.StatusAccepted {
		t.Fatalf("status %d (%s)", status, msg)
	}
	var st store.Status
	servertest.Eventually(t, 10*time.Second, "note stored", func() bool {
		var err error
		st, err = env.srv.DB.StatusByURI(ctx, noteID)
		return err == nil
	})
	for _, bad := range []string{"onclick", "<script", "alert(1)", "<img", "onerror", "javascript:"} {
		if strings.Contains(st.Content, bad) {
			t.Errorf("stored content keeps %q: %s", bad, st.Content)
		}
	}
	if !strings.Contains(st.Content, `class="u-url mention"`) || !strings.Contains(st.Content, `class="h-card"`) {
		t.Errorf("mention markup lost: %s", st.Content)
	}
}
