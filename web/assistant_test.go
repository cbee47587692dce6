package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pictor-social/pictor/config"
	"github.com/pictor-social/pictor/genimage"
	"github.com/pictor-social/pictor/internal/testkit/fakeopenai"
	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

func startAssistantWeb(t *testing.T, fake *fakeopenai.Server, vision string) *servertest.Server {
	t.Helper()
	return servertest.Start(t, servertest.Options{Configure: func(c *config.File) {
		c.Assistant.Backend = "openai"
		c.Assistant.Profile = "compatible"
		c.Assistant.BaseURL = fake.BaseURL()
		c.Assistant.VisionModel = vision
	}})
}

// alicePost publishes a public post by a new user alice and returns its page path.
func alicePost(t *testing.T, srv *servertest.Server) string {
	t.Helper()
	alice := srv.CreateUser(t, "alice", "")
	st, err := srv.Social.CreateStatus(context.Background(), alice.ID, social.Draft{Text: "Sunrise over the bay", Visibility: "public"})
	if err != nil {
		t.Fatal(err)
	}
	return "/@alice/" + store.FormatID(st.ID)
}

func decodeJSON(t *testing.T, p page) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(p.Body), &m); err != nil {
		t.Fatalf("not JSON (status %d): %.500s", p.Status, p.Body)
	}
	return m
}

// With the assistant off, pages show no trace of it.
func TestAssistantPagesHiddenWhenOff(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	path := alicePost(t, srv)
	srv.CreateUser(t, "bob", "")
	b := newBrowser(t, srv)
	b.signIn("bob")
	p := b.get(path)
	token := csrf(t, p)
	mustNotContain(t, p, "data-suggestions", "Suggested replies")
	mustNotContain(t, b.get("/settings/profile"), "/settings/assistant")
	mustNotContain(t, b.get("/compose"), "Suggest description", "data-describe")
	if got := b.get("/settings/assistant").Status; got != http.StatusNotFound {
		t.Errorf("GET /settings/assistant = %d", got)
	}
	for _, u := range []string{path + "/suggestions", "/settings/assistant", "/compose/describe"} {
		if got := b.post(u, url.Values{"csrf_token": {token}}).Status; got != http.StatusNotFound && got != http.StatusMethodNotAllowed {
			t.Errorf("POST %s = %d", u, got)
		}
	}
}

func TestPostPageReplySuggestions(t *testing.T) {
	fake := fakeopenai.New(t)
	fake.HandleChat(fakeopenai.ChatJSON(map[string]any{"suggestions": []string{"Gorgeous light!", "Where is this?"}}))
	srv := startAssistantWeb(t, fake, "")
	path := alicePost(t, srv)
	srv.CreateUser(t, "bob", "")
	b := newBrowser(t, srv)
	b.signIn("bob")

	// Off until bob turns it on in settings.
	mustNotContain(t, b.get(path), "data-suggestions")
	s := b.get("/settings/assistant")
	mustContain(t, s, `href="/settings/assistant" aria-current="page"`, `name="reply_suggestions"`)
	mustNotContain(t, s, " checked> Suggest replies")
	if res := b.post("/settings/assistant", url.Values{"csrf_token": {csrf(t, s)}, "reply_suggestions": {"1"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("save: %d", res.Status)
	}
	mustContain(t, b.get("/settings/assistant?done=assistant"), " checked> Suggest replies", "settings were saved")

	p := b.get(path)
	mustContain(t, p, `data-suggestions="`+path+`/suggestions"`, `data-prefill="@alice "`)
	if len(fake.Requests()) != 0 {
		t.Fatal("rendering the page called the model")
	}
	// Without the page's CSRF token: refused, as JSON.
	res := b.post(path+"/suggestions", url.Values{})
	if res.Status != http.StatusForbidden || decodeJSON(t, res)["error"] == nil {
		t.Fatalf("without CSRF: %d %s", res.Status, res.Body)
	}
	res = b.post(path+"/suggestions", url.Values{"csrf_token": {csrf(t, p)}})
	got := decodeJSON(t, res)
	if res.Status != http.StatusOK || len(got["suggestions"].([]any)) != 2 {
		t.Fatalf("suggestions: %d %s", res.Status, res.Body)
	}
	if sent := fake.RequestsTo(fakeopenai.ChatPath)[0].Chat().AllText(); !strings.Contains(sent, "Sunrise over the bay") {
		t.Fatalf("sent %q", sent)
	}
	// The author gets no suggestions on their own post.
	a := newBrowser(t, srv)
	a.signIn("alice")
	mustNotContain(t, a.get(path), "data-suggestions")
}

func TestComposeSuggestDescription(t *testing.T) {
	fake := fakeopenai.New(t)
	fake.HandleChat(fakeopenai.Chat("A small square of coloured noise."))
	srv := startAssistantWeb(t, fake, "eyes")
	srv.CreateUser(t, "alice", "")
	b := newBrowser(t, srv)
	b.signIn("alice")
	p := b.get("/compose")
	mustContain(t, p, "Suggest description", `data-describe="/compose/describe"`, `name="media_id"`)
	token := csrf(t, p)
	multipartPost := func(path string, fields map[string]string, image []byte) page {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		for k, v := range fields {
			mw.WriteField(k, v)
		}
		if image != nil {
			fw, _ := mw.CreateFormFile("image", "pic.png")
			fw.Write(image)
		}
		mw.Close()
		req, _ := http.NewRequest(http.MethodPost, srv.URL+path, &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		return b.do(req)
	}
	res := multipartPost("/compose/describe", map[string]string{"csrf_token": token}, testPNG(t, 3))
	got := decodeJSON(t, res)
	if res.Status != http.StatusOK || got["description"] != "A small square of coloured noise." || got["media_id"] == "" {
		t.Fatalf("describe: %d %s", res.Status, res.Body)
	}
	if c := fake.RequestsTo(fakeopenai.ChatPath)[0].Chat(); c.Model != "eyes" || len(c.Images) != 1 {
		t.Fatalf("call %+v", c)
	}
	// The form then posts the uploaded media by id, with the edited text.
	res = multipartPost("/compose", map[string]string{"csrf_token": token, "media_id": got["media_id"].(string),
		"alt": "A square of coloured noise, edited", "text": "described", "visibility": "public"}, nil)
	if res.Status != http.StatusSeeOther {
		t.Fatalf("post: %d %.1500s", res.Status, res.Body)
	}
	mustContain(t, b.get(res.Location), "A square of coloured noise, edited", "described")
	// Someone else's media id is not taken.
	srv.CreateUser(t, "bob", "")
	bb := newBrowser(t, srv)
	bb.signIn("bob")
	bp := bb.get("/compose")
	res = bb.post("/compose/media/"+got["media_id"].(string)+"/describe", url.Values{"csrf_token": {csrf(t, bp)}})
	if res.Status != http.StatusNotFound || decodeJSON(t, res)["error"] == nil {
		t.Fatalf("describe another's media: %d %s", res.Status, res.Body)
	}
}

func TestDescribeButtonNeedsVisionModel(t *testing.T) {
	fake := fakeopenai.New(t)
	srv := startAssistantWeb(t, fake, "")
	srv.CreateUser(t, "alice", "")
	b := newBrowser(t, srv)
	b.signIn("alice")
	mustNotContain(t, b.get("/compose"), "Suggest description")
	mustContain(t, b.get("/settings/assistant"), "Suggest replies")
}

// The generation result page offers "Suggest description" for the picked
// image; the call carries the image and names the prompt as context.
func TestJobPageSuggestDescription(t *testing.T) {
	fake := fakeopenai.New(t)
	fake.HandleChat(fakeopenai.Chat("Orange shapes on a dark background."))
	srv := startAssistantWeb(t, fake, "eyes")
	alice := srv.CreateUser(t, "alice", "")
	ctx := context.Background()
	j, err := srv.Gen.Submit(ctx, genimage.SubmitRequest{AccountID: alice.ID, Kind: store.JobDraft,
		Prompt: "an orange lantern at night", Size: "512x512", Source: genimage.SourceAPI})
	if err != nil {
		t.Fatal(err)
	}
	if j, err = srv.Gen.Wait(ctx, j.ID, time.Minute, nil); err != nil || j.State != store.JobDone {
		t.Fatalf("job %s %q %v", j.State, j.Error, err)
	}
	b := newBrowser(t, srv)
	b.signIn("alice")
	p := b.get("/compose/jobs/" + j.ID)
	m := regexp.MustCompile(`name="media" value="([0-9]+)"`).FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no image to pick:\n%.2000s", p.Body)
	}
	// Each candidate has its own button, filling its own alt text.
	mustContain(t, p, `data-describe="/compose/media/`+m[1]+`/describe" data-target="#alt-text-`+m[1]+`"`,
		`name="alt-`+m[1]+`" id="alt-text-`+m[1]+`"`)
	res := b.post("/compose/media/"+m[1]+"/describe", url.Values{"csrf_token": {csrf(t, p)}})
	if got := decodeJSON(t, res); res.Status != http.StatusOK || got["description"] != "Orange shapes on a dark background." {
		t.Fatalf("describe: %d %s", res.Status, res.Body)
	}
	c := fake.RequestsTo(fakeopenai.ChatPath)[0].Chat()
	if len(c.Images) != 1 || !strings.Contains(c.AllText(), "an orange lantern at night") {
		t.Fatalf("call %d images, text %q", len(c.Images), c.AllText())
	}
}
