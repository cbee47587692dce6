package fedipeer_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pictor-social/pictor/e2e/fedipeer"
	"github.com/pictor-social/pictor/internal/testkit/tlstest"
)

// wait is generous because the machine is shared and tests run in parallel with -race.
const wait = 30 * time.Second

// Two Fedify peers federate over loopback TLS: WebFinger, a verified Follow,
// the Accept, then a verified Create. This proves the harness (certificates,
// NODE_EXTRA_CA_CERTS, allowPrivateAddress, signatures) without Pictor.
func TestTwoPeersFollowAndPost(t *testing.T) {
	t.Parallel()
	ca := tlstest.New(t)
	peer1 := fedipeer.Start(t, ca)
	peer2 := fedipeer.Start(t, ca)

	followID := peer1.Follow(t, "bob", peer2.Handle("carol"))

	follow := peer2.WaitInbox(t, "carol", fedipeer.OfType("Follow"), wait)
	if follow.ID != followID || follow.Actor != peer1.ActorURL("bob") || follow.ObjectID() != peer2.ActorURL("carol") {
		t.Fatalf("carol got Follow %s from %s of %s, want %s from %s of %s",
			follow.ID, follow.Actor, follow.ObjectID(), followID, peer1.ActorURL("bob"), peer2.ActorURL("carol"))
	}
	accept := peer1.WaitInbox(t, "bob", fedipeer.OfType("Accept"), wait)
	if accept.Actor != peer2.ActorURL("carol") || accept.ObjectID() != followID {
		t.Fatalf("bob got Accept from %s of %s, want from carol of %s", accept.Actor, accept.ObjectID(), followID)
	}
	if got := peer2.Followers(t, "carol"); len(got) != 1 || got[0] != peer1.ActorURL("bob") {
		t.Fatalf("carol's followers = %v, want [bob@peer1]", got)
	}
	following := peer1.Following(t, "bob")
	if len(following) != 1 || following[0].State != "accepted" {
		t.Fatalf("bob's following = %+v, want one accepted", following)
	}

	post := peer2.Post(t, "carol", fedipeer.Post{Content: "<p>hello from carol</p>"})
	create := peer1.WaitInbox(t, "bob", func(a fedipeer.Activity) bool {
		return a.Type == "Create" && a.ObjectID() == post.ID
	}, wait)
	if create.ID != post.ActivityID || create.ObjectType() != "Note" || create.Via != "shared" {
		t.Fatalf("Create = %s (%s, via %s), want %s (Note, via shared)", create.ID, create.ObjectType(), create.Via, post.ActivityID)
	}
	var note struct {
		Object struct {
			Content string
			CC      any `json:"cc"`
		}
	}
	if err := json.Unmarshal(create.JSON, &note); err != nil {
		t.Fatal(err)
	}
	if note.Object.Content != "<p>hello from carol</p>" {
		t.Fatalf("note content = %q", note.Object.Content)
	}

	// Undoing the follow removes bob from carol's followers.
	peer1.Undo(t, "bob", followID)
	peer2.WaitInbox(t, "carol", fedipeer.OfType("Undo"), wait)
	if got := peer2.Followers(t, "carol"); len(got) != 0 {
		t.Fatalf("carol's followers after Undo = %v, want none", got)
	}
}

// Lookup resolves handles over WebFinger and returns Fedify's parse.
func TestLookup(t *testing.T) {
	t.Parallel()
	ca := tlstest.New(t)
	peer1 := fedipeer.Start(t, ca)
	peer2 := fedipeer.Start(t, ca)

	obj := peer1.LookupAs(t, "bob", peer2.Handle("carol"))
	if obj.Type != "Person" || obj.ID != peer2.ActorURL("carol") {
		t.Fatalf("lookup = %s %s, want Person %s", obj.Type, obj.ID, peer2.ActorURL("carol"))
	}
	var actor struct {
		PreferredUsername string
		Inbox             string
	}
	if err := json.Unmarshal(obj.JSON, &actor); err != nil {
		t.Fatal(err)
	}
	if actor.PreferredUsername != "carol" || actor.Inbox != peer2.ActorURL("carol")+"/inbox" {
		t.Fatalf("actor = %+v", actor)
	}
	err := peer1.Do(t.Context(), "POST", "lookup", map[string]string{"handle": "@nobody@" + peer2.Host}, nil)
	var ce *fedipeer.ControlError
	if !errors.As(err, &ce) || ce.Status != http.StatusNotFound {
		t.Fatalf("lookup of unknown handle: err = %v, want 404 ControlError", err)
	}
}

func TestFetchImage(t *testing.T) {
	t.Parallel()
	ca := tlstest.New(t)
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	img.Set(3, 3, color.RGBA{R: 200, A: 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	var gotUA, gotAccept, gotSig string
	srv := ca.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotUA, gotAccept, gotSig = r.UserAgent(), r.Header.Get("Accept"), r.Header.Get("Signature")
		w.Header().Set("Content-Type", "image/png")
		w.Write(buf.Bytes())
	}))
	peer := fedipeer.Start(t, ca)

	sum := sha256.Sum256(buf.Bytes())
	cases := []struct {
		name   string
		req    fedipeer.FetchRequest
		signed bool
	}{
		{"plain", fedipeer.FetchRequest{URL: srv.URL + "/a.png", Accept: "image/*", UserAgent: "test-agent/1"}, false},
		{"signed", fedipeer.FetchRequest{URL: srv.URL + "/a.png", As: "bob"}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := peer.Fetch(t, tc.req)
			if got.Status != 200 || got.ContentType != "image/png" || got.Bytes != buf.Len() || got.SHA256 != hex.EncodeToString(sum[:]) {
				t.Fatalf("fetch = %+v, want 200 image/png %d bytes", got, buf.Len())
			}
			if tc.req.UserAgent != "" && gotUA != tc.req.UserAgent {
				t.Fatalf("User-Agent = %q, want %q", gotUA, tc.req.UserAgent)
			}
			if tc.req.Accept != "" && gotAccept != tc.req.Accept {
				t.Fatalf("Accept = %q, want %q", gotAccept, tc.req.Accept)
			}
			if signed := strings.Contains(gotSig, `keyId="`+peer.ActorURL("bob")); signed != tc.signed {
				t.Fatalf("Signature = %q, signed = %v, want %v", gotSig, signed, tc.signed)
			}
		})
	}
}

// The peer's inbox refuses unsigned deliveries, records the refusal, and
// files nothing in the actor's inbox.
func TestUnsignedDeliveryIsRefused(t *testing.T) {
	t.Parallel()
	ca := tlstest.New(t)
	peer := fedipeer.Start(t, ca)
	body := `{"@context":"https://www.w3.org/ns/activitystreams","id":"https://127.0.0.1:1/a/1",` +
		`"type":"Like","actor":"https://127.0.0.1:1/users/mallory","object":"` + peer.ActorURL("bob") + `"}`
	cases := []struct{ name, path string }{
		{"personal inbox", "/users/bob/inbox"},
		{"shared inbox", "/inbox"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := ca.Client().Post(peer.URL+tc.path, "application/activity+json", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("status = %d, want 401", resp.StatusCode)
			}
		})
	}
	ds := peer.Deliveries(t)
	if len(ds) != 2 || ds[0].Status != 401 || ds[1].Status != 401 || ds[0].Type != "Like" {
		t.Fatalf("deliveries = %+v, want two refused Likes", ds)
	}
	if got := peer.Inbox(t, "bob"); len(got) != 0 {
		t.Fatalf("bob's inbox = %+v, want empty", got)
	}
}

// Every control call a Pictor test will use, between two peers; peer1 has no
// shared inbox, so its deliveries land in personal inboxes.
func TestReactionsMentionsAndDelete(t *testing.T) {
	t.Parallel()
	ca := tlstest.New(t)
	peer1 := fedipeer.StartWith(t, ca, fedipeer.Options{NoSharedInbox: true})
	peer2 := fedipeer.Start(t, ca)
	peer1.Follow(t, "bob", peer2.Handle("carol"))
	peer1.WaitInbox(t, "bob", fedipeer.OfType("Accept"), wait)

	note := peer2.Post(t, "carol", fedipeer.Post{Content: "<p>one</p>", To: "followers"})
	create := peer1.WaitInbox(t, "bob", func(a fedipeer.Activity) bool { return a.ObjectID() == note.ID }, wait)
	if create.Via != "personal" {
		t.Fatalf("Create via %s inbox, want personal (peer1 has no shared inbox)", create.Via)
	}

	likeID := peer1.Like(t, "bob", note.ID)
	announceID := peer1.Announce(t, "bob", note.ID)
	peer1.Undo(t, "bob", likeID)
	reply := peer1.Post(t, "bob", fedipeer.Post{Content: "<p>hi</p>", InReplyTo: note.ID,
		Mentions: []string{peer2.Handle("carol")}, To: "direct"})

	byID := func(id string) func(fedipeer.Activity) bool {
		return func(a fedipeer.Activity) bool { return a.ID == id }
	}
	like := peer2.WaitInbox(t, "carol", byID(likeID), wait)
	announce := peer2.WaitInbox(t, "carol", byID(announceID), wait)
	undo := peer2.WaitInbox(t, "carol", func(a fedipeer.Activity) bool { return a.Type == "Undo" }, wait)
	mention := peer2.WaitInbox(t, "carol", byID(reply.ActivityID), wait)
	if like.ObjectID() != note.ID || announce.ObjectID() != note.ID {
		t.Fatalf("Like of %s, Announce of %s, want both of %s", like.ObjectID(), announce.ObjectID(), note.ID)
	}
	if undo.ObjectID() != likeID || undo.ObjectType() != "Like" {
		t.Fatalf("Undo of %s (%s), want the embedded Like %s", undo.ObjectID(), undo.ObjectType(), likeID)
	}
	var replyNote struct {
		Object struct {
			InReplyTo string
			Tag       json.RawMessage
		}
	}
	if err := json.Unmarshal(mention.JSON, &replyNote); err != nil {
		t.Fatal(err)
	}
	// Fedify compacts a one-element tag array to a bare object.
	var tags []struct{ Type, Href, Name string }
	if err := json.Unmarshal(replyNote.Object.Tag, &tags); err != nil {
		tags = make([]struct{ Type, Href, Name string }, 1)
		if err := json.Unmarshal(replyNote.Object.Tag, &tags[0]); err != nil {
			t.Fatalf("tag = %s: %v", replyNote.Object.Tag, err)
		}
	}
	if replyNote.Object.InReplyTo != note.ID || len(tags) != 1 || tags[0].Type != "Mention" ||
		tags[0].Href != peer2.ActorURL("carol") || tags[0].Name != "@carol@"+peer2.Host {
		t.Fatalf("reply = %+v, want inReplyTo %s and one Mention of carol", replyNote.Object, note.ID)
	}

	delID := peer2.Delete(t, "carol", note.ID)
	del := peer1.WaitInbox(t, "bob", byID(delID), wait)
	if del.Type != "Delete" || del.ObjectID() != note.ID {
		t.Fatalf("got %s of %s, want Delete of %s", del.Type, del.ObjectID(), note.ID)
	}
	if err := peer1.Do(t.Context(), "POST", "like", map[string]string{"as": "bob", "object": note.ID}, nil); err == nil {
		t.Fatalf("like of a deleted note succeeded, want an error")
	}
}
