package mastoapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pictor-social/pictor/genimage"
	"github.com/pictor-social/pictor/genimage/builtin"
	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/store"
)

// imagePost posts an image with text and returns the status JSON.
func (e *env) imagePost(t *testing.T, tok, text string) map[string]any {
	t.Helper()
	var st map[string]any
	e.call(t, req{method: "POST", path: "/api/v1/statuses", token: tok,
		json: map[string]any{"status": text, "media_ids": []string{e.upload(t, tok, "a harbour")}}}, 200, &st)
	return st
}

// TestRemixAcrossServers: a user on B remixes a post of A from its image;
// the remix names its source in the API, in its Note (pictor:remixOf and a
// plain-text link) and on A, whose author gets a pictor.remix notification
// that Mastodon clients do not see unless they ask, and whose post page
// counts the remix.
func TestRemixAcrossServers(t *testing.T) {
	a := start(t)
	b := &env{servertest.Start(t, servertest.Options{CA: a.CA})}
	alice, aliceTok := a.login(t, "alice", "read write")
	_, bobTok := b.login(t, "bob", "read write")
	src := a.imagePost(t, aliceTok, "the harbour at noon")

	var found struct{ Statuses []map[string]any }
	b.call(t, req{method: "GET", path: "/api/v2/search?resolve=true&type=statuses&q=" + url.QueryEscape(src["uri"].(string)),
		token: bobTok}, 200, &found)
	if len(found.Statuses) != 1 {
		t.Fatalf("B did not resolve the source: %+v", found)
	}
	srcOnB := found.Statuses[0]["id"].(string)

	var g map[string]any
	b.call(t, req{method: "POST", path: "/api/v1/pictor/generations", token: bobTok,
		json: map[string]any{"prompt": "the same harbour at night", "source_status_id": srcOnB}}, 202, &g)
	g = b.waitGeneration(t, bobTok, g["id"].(string))
	if g["state"] != "done" || g["source_status_id"] != srcOnB || g["source_media_id"] == nil {
		t.Fatalf("remix job: %+v", g)
	}
	mediaID := g["media_attachments"].([]any)[0].(map[string]any)["id"].(string)
	var remix map[string]any
	b.call(t, req{method: "POST", path: "/api/v1/statuses", token: bobTok,
		json: map[string]any{"status": "night", "media_ids": []string{mediaID}}}, 200, &remix)

	// The API names the source.
	ro, _ := remix["pictor"].(map[string]any)["remix_of"].(map[string]any)
	if ro == nil || ro["uri"] != src["uri"] || ro["id"] != srcOnB || ro["account"].(map[string]any)["acct"] != "alice@"+a.Cfg.Host {
		t.Fatalf("pictor.remix_of = %+v", remix["pictor"])
	}
	if !strings.Contains(remix["content"].(string), `Remix of <a href="`+src["url"].(string)+`"`) {
		t.Errorf("content lacks the plain-text lineage: %s", remix["content"])
	}

	// The Note carries pictor:remixOf, defined in Pictor's context.
	note := fetchNote(t, b, remix["uri"].(string))
	if note["remixOf"] != src["uri"] || !strings.Contains(note["content"].(string), "Remix of") {
		t.Errorf("note remixOf = %v, content %v", note["remixOf"], note["content"])
	}
	if ctx, _ := json.Marshal(note["@context"]); !strings.Contains(string(ctx), `"remixOf":{"@id":"pictor:remixOf","@type":"@id"}`) {
		t.Errorf("@context does not define remixOf: %s", ctx)
	}

	// A learns of the remix: notification (only when asked for) and the post page.
	var notes []map[string]any
	servertest.Eventually(t, 30*time.Second, "alice notified of the remix", func() bool {
		a.call(t, req{method: "GET", path: "/api/v1/notifications?types[]=pictor.remix", token: aliceTok}, 200, &notes)
		return len(notes) == 1
	})
	if notes[0]["type"] != store.NotifyRemix || notes[0]["status"].(map[string]any)["uri"] != remix["uri"] {
		t.Errorf("notification %+v", notes[0])
	}
	var plain []map[string]any
	a.call(t, req{method: "GET", path: "/api/v1/notifications", token: aliceTok}, 200, &plain)
	for _, n := range plain {
		if n["type"] == store.NotifyRemix {
			t.Error("a Mastodon client that did not ask got a pictor.remix notification")
		}
	}
	page := getPage(t, a, "/@alice/"+src["id"].(string))
	if !strings.Contains(page, "Remixed 1 time") || !strings.Contains(page, "Remix by @bob@"+b.Cfg.Host) {
		t.Errorf("A's post page does not show the remix")
	}
	if n := getPage(t, a, "/@alice/"+src["id"].(string)); !strings.Contains(n, remix["url"].(string)) {
		t.Errorf("A's post page does not link the remix %s", remix["url"])
	}
	_ = alice
}

// TestRemixWithoutEdits: a backend that cannot edit answers 422 for a remix
// from the image, and a prompt-only remix still records the lineage.
func TestRemixWithoutEdits(t *testing.T) {
	e := &env{servertest.Start(t, servertest.Options{GenBackend: generateOnly{builtin.New()}})}
	_, tok := e.login(t, "carol", "read write")
	src := e.imagePost(t, tok, "a kite")
	var out map[string]any
	e.call(t, req{method: "POST", path: "/api/v1/pictor/generations", token: tok,
		json: map[string]any{"prompt": "a kite at night", "source_status_id": src["id"]}}, 422, &out)
	if !strings.Contains(out["error"].(string), "cannot edit images") {
		t.Errorf("error = %v", out["error"])
	}
	var g map[string]any
	e.call(t, req{method: "POST", path: "/api/v1/pictor/generations", token: tok,
		json: map[string]any{"prompt": "a kite at night", "source_status_id": src["id"], "prompt_only": true}}, 202, &g)
	g = e.waitGeneration(t, tok, g["id"].(string))
	mediaID := g["media_attachments"].([]any)[0].(map[string]any)["id"].(string)
	var remix map[string]any
	e.call(t, req{method: "POST", path: "/api/v1/statuses", token: tok,
		json: map[string]any{"status": "kite", "media_ids": []string{mediaID}}}, 200, &remix)
	if ro := remix["pictor"].(map[string]any)["remix_of"].(map[string]any); ro["id"] != src["id"] {
		t.Errorf("remix_of = %+v", ro)
	}
	// A mask needs an image, and a hidden post cannot be remixed.
	e.call(t, req{method: "POST", path: "/api/v1/pictor/generations", token: tok,
		json: map[string]any{"prompt": "x", "mask": "data:image/png;base64,iVBORw0KGgo="}}, 422, nil)
	_, daveTok := e.login(t, "dave", "read write")
	var private map[string]any
	e.call(t, req{method: "POST", path: "/api/v1/statuses", token: tok,
		json: map[string]any{"status": "secret", "visibility": "private", "media_ids": []string{e.upload(t, tok, "x")}}}, 200, &private)
	e.call(t, req{method: "POST", path: "/api/v1/pictor/generations", token: daveTok,
		json: map[string]any{"prompt": "mine now", "source_status_id": private["id"], "prompt_only": true}}, 404, nil)
}

// generateOnly hides a backend's Edit: an image server without edits.
type generateOnly struct{ b genimage.Backend }

func (g generateOnly) Name() string  { return g.b.Name() }
func (g generateOnly) Model() string { return g.b.Model() }
func (g generateOnly) Generate(ctx context.Context, req genimage.Request, p func(genimage.Progress)) (genimage.Result, error) {
	return g.b.Generate(ctx, req, p)
}

func fetchNote(t *testing.T, e *env, uri string) map[string]any {
	t.Helper()
	r, _ := http.NewRequest("GET", uri, nil)
	r.Header.Set("Accept", "application/activity+json")
	resp, err := e.Client.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var note map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&note); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %v", uri, resp.StatusCode, err)
	}
	return note
}

func getPage(t *testing.T, e *env, path string) string {
	t.Helper()
	r, _ := http.NewRequest("GET", e.URL+path, nil)
	r.Header.Set("Accept", "text/html")
	resp, err := e.Client.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d", path, resp.StatusCode)
	}
	return string(b)
}

// TestRemixFromImagineAndBot: "/imagine … --from URL" in an app and a
// mention of the generator bot in reply to an image post both remix that
// post, and its local author is notified.
func TestRemixFromImagineAndBot(t *testing.T) {
	e := start(t)
	_, aliceTok := e.login(t, "alice", "read write")
	_, bobTok := e.login(t, "bob", "read write")
	src := e.imagePost(t, aliceTok, "a kite over the dunes")

	var st map[string]any
	e.call(t, req{method: "POST", path: "/api/v1/statuses", token: bobTok,
		json: map[string]any{"status": "/imagine the kite at night --from " + src["url"].(string)}}, 200, &st)
	if ro, _ := st["pictor"].(map[string]any)["remix_of"].(map[string]any); ro == nil || ro["id"] != src["id"] {
		t.Fatalf("/imagine --from: pictor = %+v", st["pictor"])
	}
	e.call(t, req{method: "POST", path: "/api/v1/statuses", token: bobTok,
		json: map[string]any{"status": "/imagine x --from https://" + e.Cfg.Host + "/@alice/1"}}, 404, nil)

	var mention map[string]any
	e.call(t, req{method: "POST", path: "/api/v1/statuses", token: bobTok,
		json: map[string]any{"status": "@imagine make it stormy", "in_reply_to_id": src["id"]}}, 200, &mention)
	var reply map[string]any
	servertest.Eventually(t, 30*time.Second, "the bot replied", func() bool {
		var ctx struct{ Descendants []map[string]any }
		e.call(t, req{method: "GET", path: "/api/v1/statuses/" + mention["id"].(string) + "/context", token: bobTok}, 200, &ctx)
		if len(ctx.Descendants) > 0 {
			reply = ctx.Descendants[0]
		}
		return reply != nil
	})
	if ro, _ := reply["pictor"].(map[string]any); ro == nil || ro["remix_of"].(map[string]any)["id"] != src["id"] {
		t.Fatalf("bot reply pictor = %+v", reply["pictor"])
	}
	var notes []map[string]any
	e.call(t, req{method: "GET", path: "/api/v1/notifications?types[]=pictor.remix", token: aliceTok}, 200, &notes)
	if len(notes) != 2 {
		t.Fatalf("alice has %d remix notifications, want 2 (imagine and bot)", len(notes))
	}
}
