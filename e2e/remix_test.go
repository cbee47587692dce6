package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/pictor-social/pictor/e2e/fedipeer"
	"github.com/pictor-social/pictor/internal/testkit/tlstest"
	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/social"
)

// A real Fedify server following a Pictor account accepts its remix Note
// (pictor:remixOf defined in Pictor's context, which Fedify's JSON-LD
// processing must take) and gets the plain-text "Remix of" link that
// servers without the extension show (issue 12).
func TestFedifyAcceptsRemixNote(t *testing.T) {
	fedipeer.RequireDeps(t)
	ctx := context.Background()
	ca := tlstest.New(t)
	srv := servertest.Start(t, servertest.Options{CA: ca})
	peer := fedipeer.Start(t, ca)
	alice := srv.CreateUser(t, "alice", "")
	carol := srv.CreateUser(t, "carol", "")
	host := strings.TrimPrefix(srv.URL, "https://")
	peer.Follow(t, "bob", "@alice@"+host)
	peer.WaitInbox(t, "bob", fedipeer.OfType("Accept"), wait)

	upload := func(who int64, seed uint8) int64 {
		m, err := srv.Social.UploadMedia(ctx, who, bytes.NewReader(testPNG(t, seed)), social.MediaInput{Description: "a gradient"})
		if err != nil {
			t.Fatal(err)
		}
		return m.ID
	}
	src, err := srv.Social.CreateStatus(ctx, carol.ID, social.Draft{Text: "the original", MediaIDs: []int64{upload(carol.ID, 3)}})
	if err != nil {
		t.Fatal(err)
	}
	remix, err := srv.Social.CreateStatus(ctx, alice.ID, social.Draft{Text: "my remix", MediaIDs: []int64{upload(alice.ID, 4)},
		RemixOfID: src.ID})
	if err != nil {
		t.Fatal(err)
	}
	create := peer.WaitInbox(t, "bob", func(a fedipeer.Activity) bool { return a.Type == "Create" && a.ObjectID() == remix.URI }, wait)
	var doc struct {
		Context json.RawMessage `json:"@context"`
		Object  struct {
			Content string `json:"content"`
			RemixOf string `json:"remixOf"`
		} `json:"object"`
	}
	if err := json.Unmarshal(create.JSON, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Object.RemixOf != src.URI {
		t.Errorf("remixOf = %q, want %q", doc.Object.RemixOf, src.URI)
	}
	if want := `Remix of <a href="` + src.URL + `" class="pictor-remix-of">@carol@` + host + `</a>`; !strings.Contains(doc.Object.Content, want) {
		t.Errorf("content %q lacks %q", doc.Object.Content, want)
	}
	if !strings.Contains(string(doc.Context), `"pictor:remixOf"`) {
		t.Errorf("@context does not define remixOf: %s", doc.Context)
	}
	for _, d := range peer.Deliveries(t) {
		if d.ID == create.ID && d.Status >= 300 {
			t.Errorf("Fedify answered %d to the remix: %s", d.Status, d.Error)
		}
	}
}
