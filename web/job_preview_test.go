package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pictor-social/pictor/config"
	"github.com/pictor-social/pictor/internal/testkit/fakeopenai"
	"github.com/pictor-social/pictor/server/servertest"
)

// While a streaming provider works, the job page's JSON names the newest
// preview, which only its owner can fetch.
func TestJobPagePreview(t *testing.T) {
	fake := fakeopenai.New(t)
	hold := make(chan struct{})
	defer close(hold)
	fake.QueueImages(fakeopenai.Stream(fakeopenai.StreamOptions{Partials: 2, Hold: hold}))
	srv := servertest.Start(t, servertest.Options{Configure: func(c *config.File) {
		c.Generation.Backend = "openai"
		c.Generation.OpenAI.BaseURL = fake.BaseURL()
		c.Generation.OpenAI.APIKey = "sk-test"
		c.Generation.OpenAI.OutputFormat = "png"
		c.Generation.OpenAI.PartialImages = 2
		c.Moderation.Backend = "wordlist"
	}})
	srv.CreateUser(t, "alice", "")
	srv.CreateUser(t, "bob", "")
	b := newBrowser(t, srv)
	b.signIn("alice")
	p := b.get("/compose")
	p = b.post("/compose/generate", url.Values{"csrf_token": {csrf(t, p)}, "prompt": {"a paper kite"}})
	job := p.Location
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(job, "/compose/jobs/") {
		t.Fatalf("generate: %d %q", p.Status, job)
	}
	mustContain(t, b.get(job), "data-job-preview")
	previewURL := ""
	deadline := time.Now().Add(20 * time.Second)
	for !strings.HasSuffix(previewURL, "?n=2") {
		if time.Now().After(deadline) {
			t.Fatalf("no second preview; last %q", previewURL)
		}
		var j struct {
			State      string `json:"state"`
			PreviewURL string `json:"preview_url"`
		}
		if err := json.Unmarshal([]byte(b.get(job+".json").Body), &j); err != nil || j.State == "failed" {
			t.Fatalf("job JSON: %v %s", err, j.State)
		}
		previewURL = j.PreviewURL
	}
	if previewURL != job+"/preview?n=2" {
		t.Fatalf("preview_url %q", previewURL)
	}
	res := b.get(previewURL)
	if res.Status != 200 || res.Header.Get("Content-Type") != "image/png" || res.Header.Get("Cache-Control") != "no-store" ||
		res.Body != string(fakeopenai.PartialPNG(1)) {
		t.Fatalf("preview: %d %v", res.Status, res.Header)
	}
	other := newBrowser(t, srv)
	other.signIn("bob")
	if res := other.get(previewURL); res.Status != http.StatusNotFound {
		t.Fatalf("another user's preview: %d", res.Status)
	}
}
