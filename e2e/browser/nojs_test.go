package browser

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pictor-social/pictor/e2e/e2ekit"
	"github.com/pictor-social/pictor/server/servertest"
)

var (
	jobLocationRE = regexp.MustCompile(`^/compose/jobs/([A-Za-z0-9-]+)$`)
	pickRE        = regexp.MustCompile(`name="media" value="([0-9]+)"`)
	originalRE    = regexp.MustCompile(`<dt>Original</dt><dd><a href="([^"]+)">provider(?:'|&#39;)s file</a>`)
	remixRE       = regexp.MustCompile(`<a class="button primary" href="(/compose\?[^"]+)">Remix this prompt</a>`)
)

// Generation without JavaScript, on the live server with the builtin
// backend: the job page refreshes itself (a <noscript> meta refresh) until
// the image is ready, then the reviewed image is posted with the prefilled
// alt text, a content warning and the AI label, and shows up on the post
// page (with the provider's original file), in Explore and on the profile.
func TestWebGenerateWithoutJavaScript(t *testing.T) {
	srv, gated := startGated(t, nil)
	createAlice(t, srv)
	w := e2ekit.NewWebClient(t, srv)
	w.SignIn("alice", "correct horse battery")
	const prompt = "a paper boat on a green pond, morning mist"
	p := w.Get("/compose", "")
	p.MustContain(t, "compose", `action="/compose/generate"`, "<strong>50</strong> of 50 images left today")
	gated.Hold()
	res := w.Post("/compose/generate", url.Values{"csrf_token": {p.CSRF(t)}, "prompt": {prompt}})
	m := jobLocationRE.FindStringSubmatch(res.Location)
	if res.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("generate: %d %q\n%.1500s", res.Status, res.Location, res.Body)
	}
	job := w.Get(res.Location, "")
	job.MustContain(t, "running job page", `<noscript><meta http-equiv="refresh" content="3"></noscript>`,
		`<noscript><p><a class="button" href="">Refresh</a></p></noscript>`, "<progress")
	if strings.Contains(job.Body, `name="media"`) {
		t.Fatal("the job page offers images before the job ran")
	}
	gated.Release()
	servertest.Eventually(t, 30*time.Second, "the refreshed job page shows the image", func() bool {
		job = w.Get(res.Location, "")
		return strings.Contains(job.Body, `name="media"`)
	})
	alt := "AI-generated image (builtin pictor-abstract-1). Prompt: " + prompt
	job.MustContain(t, "finished job page", ">"+alt+"</textarea>", "AI-generated image (builtin pictor-abstract-1) #AIGenerated",
		"Made with builtin pictor-abstract-1.")
	if strings.Contains(job.Body, `http-equiv="refresh"`) {
		t.Fatal("the finished job page still refreshes itself")
	}
	picks := pickRE.FindAllStringSubmatch(job.Body, -1)
	if len(picks) != 1 {
		t.Fatalf("%d images to pick from, want 1", len(picks))
	}
	res = w.Post("/compose/jobs/"+m[1]+"/post", url.Values{"csrf_token": {job.CSRF(t)}, "media": {picks[0][1]},
		"alt-" + picks[0][1]: {alt}, "cw": {"bright colours"}, "text": {"Made without JavaScript"}, "visibility": {"public"}})
	if res.Status != http.StatusSeeOther || !strings.Contains(res.Location, "/@alice/") {
		t.Fatalf("post: %d %q\n%.2000s", res.Status, res.Location, res.Body)
	}
	postPath := strings.TrimPrefix(res.Location, srv.URL)
	post := w.Get(postPath, "")
	post.MustContain(t, "post page", `<span>bright colours</span>`, `<span class="chip ai">AI</span>`, "“"+prompt+"”",
		"<dt>Model</dt><dd>pictor-abstract-1</dd>", "<dt>Backend</dt><dd>builtin</dd>", `alt="`+alt+`"`,
		"Made without JavaScript", "AIGenerated</", "Remix this prompt")
	orig := originalRE.FindStringSubmatch(post.Body)
	if orig == nil {
		t.Fatalf("no link to the original file:\n%.3000s", post.Body)
	}
	if f := w.Get(strings.TrimPrefix(orig[1], srv.URL), "*/*"); f.Status != http.StatusOK || f.Type != "image/png" ||
		!strings.HasPrefix(f.Body, "\x89PNG") {
		t.Fatalf("original file: %d %s", f.Status, f.Type)
	}
	remix := remixRE.FindStringSubmatch(post.Body)
	if remix == nil {
		t.Fatal("no Remix link")
	}
	w.Get(html.UnescapeString(remix[1]), "").MustContain(t, "remix", ">"+prompt+"</textarea>", "remixing a post")
	anon := e2ekit.NewWebClient(t, srv)
	for _, page := range []string{"/", "/@alice"} {
		anon.Get(page, "").MustContain(t, page, `href="`+srv.URL+postPath+`"`, prompt, "pictor-abstract-1")
	}
	if p := w.Get("/compose", ""); !strings.Contains(p.Body, "<strong>49</strong> of 50 images left today") {
		t.Fatalf("the generation was not counted against the quota:\n%.3000s", p.Body)
	}
}

// Unknown URLs: browsers get the HTML 404 page in the site's layout, API
// and ActivityPub clients the JSON error.
func TestUnknownURLs(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	w := e2ekit.NewWebClient(t, srv)
	const browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
	for _, tc := range []struct {
		path, accept, wantType, wantBody string
	}{
		{"/no/such/page", browser, "text/html", "doesn&#39;t exist"},
		{"/@alice/12/nope", "text/html", "text/html", `href="/static/`},
		{"/no/such/page", "application/json", "application/json", `{"error":"not found"}`},
		{"/no/such/page", "application/activity+json", "application/json", `{"error":"not found"}`},
		{"/no/such/page", `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`, "application/json", `{"error":"not found"}`},
		{"/no/such/page", "*/*", "application/json", `{"error":"not found"}`},
		{"/api/v1/no_such_endpoint", browser, "application/json", `{"error":"not found"}`},
	} {
		p := w.Get(tc.path, tc.accept)
		if p.Status != http.StatusNotFound || !strings.HasPrefix(p.Type, tc.wantType) || !strings.Contains(p.Body, tc.wantBody) {
			t.Errorf("GET %s (Accept %s) = %d %s %.300q, want 404 %s with %q", tc.path, tc.accept, p.Status, p.Type, p.Body,
				tc.wantType, tc.wantBody)
		}
	}
}
