package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/pictor-social/pictor/e2e/fedipeer"
	"github.com/pictor-social/pictor/internal/testkit/tlstest"
	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
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

// The inbox reads pictor:remixOf: a remix of a local post is kept even
// from a stranger and notifies its author; an unusable remixOf is ignored;
// a remix of a post not yet known is linked when that post arrives.
func TestInboxRemixOf(t *testing.T) {
	env := newFedEnv(t, servertest.Options{})
	r := env.remote
	ctx := context.Background()
	src, err := env.srv.Social.CreateStatus(ctx, env.alice.ID, social.Draft{Text: "the source"})
	if err != nil {
		t.Fatal(err)
	}
	a := r.addActor("remixer")
	send := func(noteID, remixOf string, mention bool) {
		t.Helper()
		note := map[string]any{"id": noteID, "type": "Note", "attributedTo": a.ID, "content": "<p>a remix</p>",
			"to": []string{asPublic}, "remixOf": remixOf}
		if mention {
			note["cc"] = []string{env.alice.URI}
			note["tag"] = []any{map[string]any{"type": "Mention", "href": env.alice.URI, "name": "@alice"}}
		}
		id := newID(a, "creates")
		if status, msg := r.post(t, a, env.srv.URL+"/inbox", mustJSON(t, map[string]any{"id": id, "type": "Create",
			"actor": a.ID, "object": note}), sendOpts{}); status != http.StatusAccepted {
			t.Fatalf("status %d (%s)", status, msg)
		}
		if state, msg := waitProcessed(t, env.srv.DB, id); state != "done" {
			t.Fatalf("create %s: %s %s", id, state, msg)
		}
	}
	remixOf := func(noteID string) (store.Remix, error) {
		st, err := env.srv.DB.StatusByURI(ctx, noteID)
		if err != nil {
			return store.Remix{}, err
		}
		return env.srv.DB.RemixOf(ctx, st.ID)
	}

	// A stranger's remix of alice's post: stored, linked, notified.
	n1 := newID(a, "notes")
	send(n1, src.URI, false)
	if rm, err := remixOf(n1); err != nil || rm.SourceID != src.ID {
		t.Fatalf("remix of a local post: %+v %v", rm, err)
	}
	ns, _ := env.srv.DB.Notifications(ctx, env.alice.ID, store.NotificationFilter{Types: []string{store.NotifyRemix}}, store.Page{})
	if len(ns) != 1 {
		t.Fatalf("alice has %d remix notifications", len(ns))
	}

	// An unusable remixOf is ignored (the mention keeps the note).
	n2 := newID(a, "notes")
	send(n2, "javascript:alert(1)", true)
	if _, err := remixOf(n2); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("javascript: remixOf recorded (%v)", err)
	}

	// A remix of an unknown post keeps its id and is linked when it arrives.
	later := newID(a, "notes")
	n3 := newID(a, "notes")
	send(n3, later, true)
	if rm, err := remixOf(n3); err != nil || rm.SourceID != 0 || rm.SourceURI != later {
		t.Fatalf("remix of an unknown post: %+v %v", rm, err)
	}
	send(later, "", true)
	lst, _ := env.srv.DB.StatusByURI(ctx, later)
	if rm, err := remixOf(n3); err != nil || rm.SourceID != lst.ID {
		t.Fatalf("the source's arrival did not link the remix: %+v %v", rm, err)
	}
}
