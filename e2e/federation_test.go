package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"net/url"
	"testing"
	"time"

	"github.com/pictor-social/pictor/e2e/fedipeer"
	"github.com/pictor-social/pictor/internal/testkit/tlstest"
	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/store"
)

const wait = 30 * time.Second

// testPNG makes a small distinct image.
func testPNG(t *testing.T, seed uint8) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 320, 200))
	for y := 0; y < 200; y++ {
		for x := 0; x < 320; x++ {
			img.Set(x, y, color.RGBA{uint8(x) + seed, uint8(y) * seed, 128, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A real Fedify server follows a Pictor account, receives its image post
// with signatures Fedify verifies, fetches the images, replies and likes,
// and receives the Delete; Pictor follows a Fedify account and stores its
// posts (issue 2, "Shown by tests"). The same scenario runs against a
// cluster of processes in TestClusterInterop.
func TestFedifyInterop(t *testing.T) {
	t.Parallel() // one of e2e's longest tests (e2e/README.md, Suite time)
	fedipeer.RequireDeps(t)
	ca := tlstest.New(t)
	srv := servertest.Start(t, servertest.Options{CA: ca})
	fedifyScenario(t, singleTarget(srv), fedipeer.Start(t, ca))
}

// fedifyScenario is TestFedifyInterop's journey on tg with the peer's bob
// and carol. Alice acts through the client API, as a person does.
func fedifyScenario(t *testing.T, tg *target, peer *fedipeer.Peer) {
	ctx := context.Background()
	alice := tg.signIn(t, "alice")
	me := alice.Account

	// Bob finds @alice by WebFinger and follows her; Pictor accepts.
	peer.Follow(t, "bob", "@alice@"+tg.Host)
	peer.WaitInbox(t, "bob", func(a fedipeer.Activity) bool { return a.Type == "Accept" && a.Actor == me.URI }, wait)
	bob, err := tg.DB.AccountByURI(ctx, peer.ActorURL("bob"))
	if err != nil {
		t.Fatalf("bob not stored: %v", err)
	}
	if fl, err := tg.DB.FollowBetween(ctx, bob.ID, me.ID); err != nil || !fl.Accepted {
		t.Fatalf("follow %+v, %v", fl, err)
	}

	// Alice posts two images with alt text and a content warning.
	form := url.Values{"status": {"two pictures #pictor"}, "spoiler_text": {"colours"}}
	for i, alt := range []string{"a red gradient", "a blue gradient"} {
		id, _ := alice.upload(testPNG(t, uint8(i+1)), alt)
		form.Add("media_ids[]", id)
	}
	var st struct{ ID, URI string }
	alice.call("POST", "/api/v1/statuses", form, &st)
	create := peer.WaitInbox(t, "bob", func(a fedipeer.Activity) bool { return a.Type == "Create" && a.ObjectID() == st.URI }, wait)
	var note struct {
		Object struct {
			Summary    string `json:"summary"`
			Sensitive  bool   `json:"sensitive"`
			Attachment []struct {
				Type, MediaType, URL, Name, Blurhash string
				Width, Height                        int
			} `json:"attachment"`
		} `json:"object"`
	}
	if err := json.Unmarshal(create.JSON, &note); err != nil {
		t.Fatal(err)
	}
	if note.Object.Summary != "colours" || !note.Object.Sensitive || len(note.Object.Attachment) != 2 {
		t.Fatalf("note as received: %s", create.JSON)
	}
	for i, at := range note.Object.Attachment {
		if at.Name != []string{"a red gradient", "a blue gradient"}[i] || at.Blurhash == "" || at.Width != 320 || at.Height != 200 {
			t.Errorf("attachment %d: %+v", i, at)
		}
		// Fetched the way Bluesky's CDN and Bridgy Fed do: empty UA, AS2 Accept (checklist 33).
		res := peer.Fetch(t, fedipeer.FetchRequest{URL: at.URL, Accept: "application/activity+json", UserAgent: ""})
		if res.Status != 200 || res.ContentType != at.MediaType || res.Bytes == 0 || res.Headers["x-content-type-options"] != "nosniff" {
			t.Errorf("fetch %s: %+v", at.URL, res)
		}
	}

	// Bob replies and likes; Pictor stores both and notifies alice.
	stID := statusID(t, st.ID)
	reply := peer.Post(t, "bob", fedipeer.Post{Content: "<p>lovely</p>", InReplyTo: st.URI, Mentions: []string{me.URI}})
	peer.Like(t, "bob", st.URI)
	servertest.Eventually(t, wait, "reply and like stored", func() bool {
		r, err := tg.DB.StatusByURI(ctx, reply.ID)
		if err != nil || r.InReplyToID != stID {
			return false
		}
		ns, _ := tg.DB.Notifications(ctx, me.ID, store.NotificationFilter{}, store.Page{})
		kinds := map[string]bool{}
		for _, n := range ns {
			kinds[n.Type] = true
		}
		return kinds[store.NotifyMention] && kinds[store.NotifyFavourite] && kinds[store.NotifyFollow]
	})

	// Alice deletes the post: Fedify receives the Delete, and the URL answers 410.
	alice.call("DELETE", "/api/v1/statuses/"+st.ID, nil, nil)
	peer.WaitInbox(t, "bob", func(a fedipeer.Activity) bool { return a.Type == "Delete" && a.ObjectID() == st.URI }, wait)
	res := peer.Fetch(t, fedipeer.FetchRequest{URL: st.URI, Accept: "application/activity+json"})
	if res.Status != 410 {
		t.Fatalf("deleted note answered %d", res.Status)
	}

	// Alice follows carol on the Fedify server; carol's posts are stored.
	var found struct{ Accounts []struct{ ID string } }
	alice.call("GET", "/api/v2/search?"+url.Values{"q": {"@carol@" + peer.Host}, "resolve": {"true"},
		"type": {"accounts"}}.Encode(), nil, &found)
	if len(found.Accounts) != 1 {
		t.Fatalf("carol not found: %+v", found)
	}
	var rel struct{ Following, Requested, Notifying bool }
	alice.call("POST", "/api/v1/accounts/"+found.Accounts[0].ID+"/follow", url.Values{"notify": {"true"}}, &rel)
	if rel.Following || !rel.Requested || !rel.Notifying {
		t.Fatalf("remote follow before the Accept arrived: %+v", rel)
	}
	carolID := statusID(t, found.Accounts[0].ID)
	servertest.Eventually(t, wait, "carol accepts alice", func() bool {
		f, err := tg.DB.FollowBetween(ctx, me.ID, carolID)
		return err == nil && f.Accepted
	})
	post := peer.Post(t, "carol", fedipeer.Post{Content: "<p>hello followers</p>", To: "followers"})
	var stored store.Status
	servertest.Eventually(t, wait, "carol's post stored", func() bool {
		s, err := tg.DB.StatusByURI(ctx, post.ID)
		stored = s
		return err == nil && s.AccountID == carolID && s.Visibility == store.VisibilityPrivate
	})
	// Alice asked to be notified of carol's posts (notify=true): the
	// notification is stored with the post.
	notes, err := tg.DB.Notifications(ctx, me.ID, store.NotificationFilter{Types: []string{store.NotifyStatus}}, store.Page{})
	if err != nil || len(notes) != 1 || notes[0].StatusID != stored.ID || notes[0].FromAccountID != carolID {
		t.Fatalf("status notifications %+v, %v; want one of carol's post", notes, err)
	}
}
