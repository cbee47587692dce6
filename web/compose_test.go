package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/mux"

	"github.com/pictor-social/pictor/genimage"
	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/web"
)

// fakeBackend draws a small PNG for every prompt.
type fakeBackend struct{ t testing.TB }

func (fakeBackend) Name() string  { return "fake" }
func (fakeBackend) Model() string { return "fake-model-1" }
func (f fakeBackend) Generate(ctx context.Context, req genimage.Request, progress func(genimage.Progress)) (genimage.Result, error) {
	genimage.Report(progress, genimage.Progress{Stage: genimage.StageRendering, Fraction: 0.5})
	return genimage.Result{Images: []genimage.Image{{Data: testPNG(f.t, int(req.Seed%50)), MediaType: "image/png", Width: 64, Height: 48},
		{Data: testPNG(f.t, 99), MediaType: "image/png", Width: 64, Height: 48}},
		Provenance: genimage.Provenance{Backend: "fake", Model: "fake-model-1"}}, nil
}

// startWebWithGenerator serves the web pages of srv's components with a
// generation service over a fake backend, on plain HTTP.
func startWebWithGenerator(t *testing.T, srv *servertest.Server) string {
	t.Helper()
	gen, err := genimage.New(genimage.Deps{DB: srv.DB, Social: srv.Social, Hub: srv.Hub, Backend: fakeBackend{t}},
		genimage.Options{ImagesPerDay: 5})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); gen.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	r := mux.NewRouter()
	hs := httptest.NewUnstartedServer(r)
	base := "http://" + hs.Listener.Addr().String()
	h, err := web.New(srv.DB, srv.Social, srv.OAuth, web.Options{BaseURL: base, InstanceTitle: "Pictor",
		ImagesPerDay: 5, Generator: gen})
	if err != nil {
		t.Fatal(err)
	}
	h.Routes(r)
	r.Handle("/@{name}/{id:[0-9]+}", h.Post())
	hs.Start()
	t.Cleanup(hs.Close)
	return base
}

var jobPathRE = regexp.MustCompile(`^/compose/jobs/([A-Za-z0-9-]+)$`)

func TestComposeGenerateReviewAndPost(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	srv.CreateUser(t, "alice", "")
	base := startWebWithGenerator(t, srv)
	b := newBrowserAt(t, base, http.DefaultClient)
	b.signIn("alice")

	p := b.get("/compose?prompt=a+red+fox+in+snow&remix=123")
	mustContain(t, p, "a red fox in snow", "remixing", "<strong>5</strong> of 5 images left today")
	p = b.post("/compose/generate", url.Values{"csrf_token": {csrf(t, p)}, "prompt": {"a red fox in snow"}})
	m := jobPathRE.FindStringSubmatch(p.Location)
	if p.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("generate: %d %q\n%.1500s", p.Status, p.Location, p.Body)
	}
	state := ""
	deadline := time.Now().Add(20 * time.Second)
	for state != "done" {
		if time.Now().After(deadline) {
			t.Fatalf("job still %q", state)
		}
		res := b.get(p.Location + ".json") // waits up to 2s for a change
		var j struct{ State, Error string }
		if err := json.Unmarshal([]byte(res.Body), &j); err != nil || j.State == "failed" {
			t.Fatalf("job JSON %q: %v %s", res.Body, err, j.Error)
		}
		state = j.State
	}
	p = b.get(p.Location)
	mustContain(t, p, `name="media"`, "AI-generated image (fake fake-model-1). Prompt: a red fox in snow", "#AIGenerated")
	picks := regexp.MustCompile(`name="media" value="([0-9]+)"`).FindAllStringSubmatch(p.Body, -1)
	if len(picks) != 2 {
		t.Fatalf("%d images to pick from", len(picks))
	}
	token := csrf(t, p)
	res := b.post("/compose/jobs/"+m[1]+"/post", url.Values{"csrf_token": {token}, "media": {picks[1][1]}, "alt-" + picks[1][1]: {""}})
	if res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("empty alt text accepted: %d", res.Status)
	}
	res = b.post("/compose/jobs/"+m[1]+"/post", url.Values{"csrf_token": {token}, "media": {picks[1][1]},
		"alt-" + picks[1][1]: {"A fox curled up in fresh snow"}, "cw": {"cute animals"}, "visibility": {"public"}})
	if res.Status != http.StatusSeeOther || !strings.Contains(res.Location, "/@alice/") {
		t.Fatalf("post: %d %q\n%.2000s", res.Status, res.Location, res.Body)
	}
	post := b.get(res.Location)
	mustContain(t, post, "A fox curled up in fresh snow", "<span>cute animals</span>", "fake-model-1", "a red fox in snow",
		"AIGenerated</", "Remix this prompt")
	if p := b.get("/compose"); !strings.Contains(p.Body, "<strong>4</strong> of 5 images left today") {
		t.Fatalf("quota not counted:\n%.3000s", p.Body)
	}
}

func TestComposeUpload(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	srv.CreateUser(t, "alice", "")
	b := newBrowser(t, srv)
	if p := b.get("/compose"); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/signin?next=") {
		t.Fatalf("anonymous compose: %d %q", p.Status, p.Location)
	}
	b.signIn("alice")
	p := b.get("/compose")
	mustContain(t, p, `action="/compose/generate"`) // the server wires the builtin generator
	token := csrf(t, p)
	upload := func(fields map[string]string, image []byte) page {
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
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/compose", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		return b.do(req)
	}
	if res := upload(map[string]string{"alt": "x"}, testPNG(t, 1)); res.Status != http.StatusForbidden {
		t.Fatalf("upload without CSRF: %d", res.Status)
	}
	if res := upload(map[string]string{"csrf_token": token, "alt": ""}, testPNG(t, 1)); res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("upload without alt text: %d", res.Status)
	}
	if res := upload(map[string]string{"csrf_token": token, "alt": "x"}, []byte("not an image")); res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("upload of garbage: %d", res.Status)
	}
	res := upload(map[string]string{"csrf_token": token, "alt": "Sunset over hills", "text": "my photo", "cw": "bright",
		"visibility": "public", "generated": "1", "model": "SDXL"}, testPNG(t, 2))
	if res.Status != http.StatusSeeOther {
		t.Fatalf("upload: %d\n%.2000s", res.Status, res.Body)
	}
	post := b.get(res.Location)
	mustContain(t, post, "Sunset over hills", "my photo", "<span>bright</span>", "SDXL")

	// A warned text keeps the uploaded image: "Post anyway" sends its id back.
	warned := upload(map[string]string{"csrf_token": token, "alt": "A harbour", "text": "kys", "visibility": "public"},
		testPNG(t, 3))
	if warned.Status != http.StatusUnprocessableEntity {
		t.Fatalf("warned upload: %d", warned.Status)
	}
	mustContain(t, warned, "<strong>harassment</strong>", "Post anyway", `name="pictor_screening_ack" value="1"`)
	mustNotContain(t, warned, `type="file" name="image"`)
	m := regexp.MustCompile(`name="media_id" value="([0-9]+)"`).FindStringSubmatch(warned.Body)
	if m == nil {
		t.Fatalf("no media_id in the warned form:\n%.2000s", warned.Body)
	}
	again := upload(map[string]string{"csrf_token": token, "alt": "A harbour", "text": "kys", "visibility": "public",
		"media_id": m[1], "pictor_screening_ack": "1"}, nil)
	if again.Status != http.StatusSeeOther {
		t.Fatalf("post anyway: %d\n%.2000s", again.Status, again.Body)
	}
	mustContain(t, b.get(again.Location), "A harbour")
	// On Explore the card shows the warning; the alt text waits behind it on the post page.
	explore := b.get("/")
	mustContain(t, explore, `href="`+res.Location+`"`, "</span>bright</span>")
	mustNotContain(t, explore, "Sunset over hills")
}
