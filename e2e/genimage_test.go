package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/pictor-social/pictor/config"
	"github.com/pictor-social/pictor/e2e/fedipeer"
	"github.com/pictor-social/pictor/internal/testkit/fakeopenai"
	"github.com/pictor-social/pictor/internal/testkit/tlstest"
	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/store"
)

// generatedNote is the part of a received Create{Note} the labelling tests read.
type generatedNote struct {
	Object struct {
		ID                string `json:"id"`
		Content           string `json:"content"`
		InReplyTo         string `json:"inReplyTo"`
		DigitalSourceType string `json:"digitalSourceType"`
		Generator         struct {
			Type, Name string
		} `json:"generator"`
		Tag []struct {
			Type, Name, Href string
		} `json:"tag"`
		Attachment []struct {
			Type, MediaType, URL, Name, DigitalSourceType string
			OriginalURL                                   string `json:"originalUrl"`
			Width, Height                                 int
		} `json:"attachment"`
	} `json:"object"`
}

// checkGeneratedNote checks the labels of a generated post as a peer
// received it and fetches its image the way Mastodon and Bridgy Fed do.
func checkGeneratedNote(t *testing.T, peer *fedipeer.Peer, raw json.RawMessage, prompt string) generatedNote {
	t.Helper()
	var n generatedNote
	if err := json.Unmarshal(raw, &n); err != nil {
		t.Fatal(err)
	}
	o := n.Object
	if o.Generator.Name != "builtin pictor-abstract-1" || o.DigitalSourceType == "" || len(o.Attachment) != 1 {
		t.Fatalf("note lacks generator labels: %s", raw)
	}
	if !strings.Contains(o.Content, "AI-generated image (builtin pictor-abstract-1)") || !strings.Contains(o.Content, "AIGenerated") {
		t.Errorf("visible label missing: %s", o.Content)
	}
	hashtag := false
	for _, tg := range o.Tag {
		hashtag = hashtag || (tg.Type == "Hashtag" && strings.EqualFold(tg.Name, "#AIGenerated"))
	}
	if !hashtag {
		t.Errorf("no #AIGenerated tag: %+v", o.Tag)
	}
	at := o.Attachment[0]
	if !strings.HasPrefix(at.Name, "AI-generated image (builtin pictor-abstract-1). Prompt: "+prompt) ||
		!strings.HasSuffix(at.DigitalSourceType, "trainedAlgorithmicMedia") {
		t.Errorf("attachment %+v", at)
	}
	res := peer.Fetch(t, fedipeer.FetchRequest{URL: at.URL, Accept: "application/activity+json"})
	if res.Status != 200 || res.ContentType != at.MediaType || res.Bytes == 0 || res.Bytes > 1_000_000 {
		t.Errorf("fetch %s: %+v", at.URL, res)
	}
	// The provider's untouched file is linked too (issue 4: C2PA survives there).
	orig := peer.Fetch(t, fedipeer.FetchRequest{URL: at.OriginalURL})
	if at.OriginalURL == "" || orig.Status != 200 || orig.ContentType != "image/png" {
		t.Errorf("original %q: %+v", at.OriginalURL, orig)
	}
	return n
}

// A builtin image generated through the runner becomes a federated post that
// a Fedify follower receives, labelled, and whose image it fetches.
func TestGeneratedPostFederates(t *testing.T) {
	fedipeer.RequireDeps(t)
	ctx := context.Background()
	ca := tlstest.New(t)
	srv := servertest.Start(t, servertest.Options{CA: ca})
	peer := fedipeer.Start(t, ca)
	alice := srv.CreateUser(t, "alice", "")
	host := strings.TrimPrefix(srv.URL, "https://")
	peer.Follow(t, "bob", "@alice@"+host)
	peer.WaitInbox(t, "bob", fedipeer.OfType("Accept"), wait)

	st, err := srv.Gen.Imagine(ctx, alice.ID, "a lighthouse at dusk", store.PostDraft{})
	if err != nil {
		t.Fatal(err)
	}
	create := peer.WaitInbox(t, "bob", func(a fedipeer.Activity) bool { return a.Type == "Create" && a.ObjectID() == st.URI }, wait)
	checkGeneratedNote(t, peer, create.JSON, "a lighthouse at dusk")
}

// A Fedify account mentions the generator bot and receives the image reply.
func TestFedifyAccountAsksTheBot(t *testing.T) {
	fedipeer.RequireDeps(t)
	ca := tlstest.New(t)
	srv := servertest.Start(t, servertest.Options{CA: ca})
	peer := fedipeer.Start(t, ca)
	host := strings.TrimPrefix(srv.URL, "https://")
	botURI := srv.URL + "/users/imagine"

	post := peer.Post(t, "carol", fedipeer.Post{Content: `<p><a href="` + srv.URL + `/@imagine" class="u-url mention">@imagine</a> a paper boat on a pond</p>`,
		Mentions: []string{"@imagine@" + host}})
	reply := peer.WaitInbox(t, "carol", func(a fedipeer.Activity) bool {
		return a.Type == "Create" && a.Actor == botURI && strings.Contains(string(a.Object), post.ID)
	}, wait)
	n := checkGeneratedNote(t, peer, reply.JSON, "a paper boat on a pond")
	if n.Object.InReplyTo != post.ID || !strings.Contains(n.Object.Content, "carol") {
		t.Fatalf("reply %s", reply.JSON)
	}
	mentioned := false
	for _, tg := range n.Object.Tag {
		mentioned = mentioned || (tg.Type == "Mention" && tg.Href == peer.ActorURL("carol"))
	}
	if !mentioned {
		t.Fatalf("reply does not mention carol: %+v", n.Object.Tag)
	}
}

// /imagine sent by masto.js ends in a federated post whose image the Fedify
// follower fetches; a refused prompt and an exceeded quota reach the app as
// errors (e2e/clients/imagine.mjs).
func TestImagineThroughMastoJS(t *testing.T) {
	t.Parallel() // one of e2e's longest tests (e2e/README.md, Suite time)
	node, dir := requireClientDeps(t)
	ctx := context.Background()
	ca := tlstest.New(t)
	srv := servertest.Start(t, servertest.Options{CA: ca, Configure: func(c *config.File) { c.Generation.ImagesPerDay = 2 }})
	peer := fedipeer.Start(t, ca)
	alice := srv.CreateUser(t, "alice", "")
	peer.Follow(t, "bob", "@alice@"+strings.TrimPrefix(srv.URL, "https://"))
	peer.WaitInbox(t, "bob", fedipeer.OfType("Accept"), wait)

	d := &clientDriver{t: t, tgt: singleTarget(srv), peer: peer, user: "alice", browser: newBrowser(t, srv.Client)}
	d.run(node, dir, "imagine.mjs", "", ca.PEMFile())

	list, err := srv.DB.AccountStatuses(ctx, alice.ID, nil, store.Page{})
	if err != nil || len(list) != 2 {
		t.Fatalf("alice has %d statuses (%v), want 2", len(list), err)
	}
	first := list[1] // newest first
	create := peer.WaitInbox(t, "bob", func(a fedipeer.Activity) bool { return a.Type == "Create" && a.ObjectID() == first.URI }, wait)
	checkGeneratedNote(t, peer, create.JSON, "a paper lantern over still water")
	if log, _ := srv.DB.ModerationLog(ctx, 10); len(log) != 1 || log[0].Prompt != "explicit gore" {
		t.Fatalf("moderation log %+v", log)
	}
}

// The server wires the OpenAI backend and moderation from the configuration
// ([generation] backend = "openai" with a key): prompts are screened by the
// moderation endpoint and images come from the Images API (here a fake).
func TestOpenAIConfiguration(t *testing.T) {
	fake := fakeopenai.New(t)
	srv := servertest.Start(t, servertest.Options{Configure: func(c *config.File) {
		c.Generation.Backend = "openai"
		c.Generation.OpenAI.APIKey = "sk-test"
		c.Generation.OpenAI.BaseURL = fake.BaseURL()
		c.Moderation.Words = []string{"kraken"}
	}})
	alice := srv.CreateUser(t, "alice", "")
	ctx := context.Background()
	st, err := srv.Gen.Imagine(ctx, alice.ID, "a paper lantern", store.PostDraft{})
	if err != nil {
		t.Fatal(err)
	}
	media, _ := srv.DB.MediaForStatuses(ctx, []int64{st.ID})
	if m := media[st.ID]; len(m) != 1 || m[0].GeneratorBackend != "openai" || m[0].GeneratorModel != "gpt-image-1" {
		t.Fatalf("media %+v", m)
	}
	img := fake.RequestsTo(fakeopenai.ImagesPath)
	if len(img) != 1 || img[0].JSON()["model"] != "gpt-image-1" || img[0].Header.Get("Authorization") != "Bearer sk-test" {
		t.Fatalf("image requests %+v", img)
	}
	fake.QueueModerations(fakeopenai.Flagged("hate"))
	if _, err := srv.Gen.Imagine(ctx, alice.ID, "something hateful", store.PostDraft{}); !strings.Contains(fmt.Sprint(err), "categories: hate") {
		t.Fatalf("flagged prompt: %v", err)
	}
	if _, err := srv.Gen.Imagine(ctx, alice.ID, "a kraken", store.PostDraft{}); !strings.Contains(fmt.Sprint(err), `contains "kraken"`) {
		t.Fatalf("admin word: %v", err)
	}
	if n := len(fake.RequestsTo(fakeopenai.ModerationsPath)); n != 2 {
		t.Fatalf("%d moderation requests, want 2 (the admin's word list answers first)", n)
	}
}
