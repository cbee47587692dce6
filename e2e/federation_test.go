package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/pictor-social/pictor/e2e/fedipeer"
	"github.com/pictor-social/pictor/internal/testkit/tlstest"
	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/social"
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
// posts (issue 2, "Shown by tests").
func TestFedifyInterop(t *testing.T) {
	t.Parallel() // one of e2e's longest tests (e2e/README.md, Suite time)
	fedipeer.RequireDeps(t)
	ctx := context.Background()
	ca := tlstest.New(t)
	srv := servertest.Start(t, servertest.Options{CA: ca})
	peer := fedipeer.Start(t, ca)
	alice := srv.CreateUser(t, "alice", "")
	host := strings.TrimPrefix(srv.URL, "https://")

	// Bob finds @alice by WebFinger and follows her; Pictor accepts.
	peer.Follow(t, "bob", "@alice@"+host)
	accept := peer.WaitInbox(t, "bob", fedipeer.OfType("Accept"), wait)
	if accept.Actor != alice.URI {
		t.Fatalf("Accept from %s, want %s", accept.Actor, alice.URI)
	}
	bob, err := srv.DB.AccountByURI(ctx, peer.ActorURL("bob"))
	if err != nil {
		t.Fatalf("bob not stored: %v", err)
	}
	if fl, err := srv.DB.FollowBetween(ctx, bob.ID, alice.ID); err != nil || !fl.Accepted {
		t.Fatalf("follow %+v, %v", fl, err)
	}

	// Alice posts two images with alt text and a content warning.
	var ids []int64
	for i, alt := range []string{"a red gradient", "a blue gradient"} {
		m, err := srv.Social.UploadMedia(ctx, alice.ID, bytes.NewReader(testPNG(t, uint8(i+1))), social.MediaInput{Description: alt})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.ID)
	}
	st, err := srv.Social.CreateStatus(ctx, alice.ID, social.Draft{Text: "two pictures #pictor", SpoilerText: "colours", MediaIDs: ids})
	if err != nil {
		t.Fatal(err)
	}
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
		if res.Status != 200 || res.ContentType != at.MediaType || res.Bytes == 0 {
			t.Errorf("fetch %s: %+v", at.URL, res)
		}
	}

	// Bob replies and likes; Pictor stores both and notifies alice.
	reply := peer.Post(t, "bob", fedipeer.Post{Content: "<p>lovely</p>", InReplyTo: st.URI, Mentions: []string{alice.URI}})
	peer.Like(t, "bob", st.URI)
	servertest.Eventually(t, wait, "reply and like stored", func() bool {
		r, err := srv.DB.StatusByURI(ctx, reply.ID)
		if err != nil || r.InReplyToID != st.ID {
			return false
		}
		ns, _ := srv.DB.Notifications(ctx, alice.ID, store.NotificationFilter{}, store.Page{})
		kinds := map[string]bool{}
		for _, n := range ns {
			kinds[n.Type] = true
		}
		return kinds[store.NotifyMention] && kinds[store.NotifyFavourite] && kinds[store.NotifyFollow]
	})

	// Alice deletes the post: Fedify receives the Delete, and the URL answers 410.
	if _, err := srv.Social.DeleteStatus(ctx, alice.ID, st.ID); err != nil {
		t.Fatal(err)
	}
	peer.WaitInbox(t, "bob", func(a fedipeer.Activity) bool { return a.Type == "Delete" && a.ObjectID() == st.URI }, wait)
	res := peer.Fetch(t, fedipeer.FetchRequest{URL: st.URI, Accept: "application/activity+json"})
	if res.Status != 410 {
		t.Fatalf("deleted note answered %d", res.Status)
	}

	// Alice follows carol on the Fedify server; carol's posts are stored.
	carolAcct, fl, err := srv.Social.FollowHandle(ctx, alice.ID, "@carol@"+peer.Host)
	if err != nil {
		t.Fatal(err)
	}
	if fl.Accepted {
		t.Fatal("remote follow accepted before the Accept arrived")
	}
	servertest.Eventually(t, wait, "carol accepts alice", func() bool {
		f, err := srv.DB.FollowBetween(ctx, alice.ID, carolAcct.ID)
		return err == nil && f.Accepted
	})
	post := peer.Post(t, "carol", fedipeer.Post{Content: "<p>hello followers</p>", To: "followers"})
	servertest.Eventually(t, wait, "carol's post stored", func() bool {
		s, err := srv.DB.StatusByURI(ctx, post.ID)
		return err == nil && s.AccountID == carolAcct.ID && s.Visibility == store.VisibilityPrivate
	})
}
