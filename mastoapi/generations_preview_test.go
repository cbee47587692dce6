package mastoapi_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pictor-social/pictor/config"
	"github.com/pictor-social/pictor/internal/testkit/fakeopenai"
	"github.com/pictor-social/pictor/server/servertest"
)

// sseReader reads "event:"/"data:" pairs from a server-sent event stream.
type sseReader struct{ sc *bufio.Scanner }

// next returns the next event's name and data; ok is false at the end.
func (s sseReader) next() (name string, data map[string]any, ok bool) {
	for s.sc.Scan() {
		line := s.sc.Text()
		if v, found := strings.CutPrefix(line, "event: "); found {
			name = v
		}
		if v, found := strings.CutPrefix(line, "data: "); found {
			_ = json.Unmarshal([]byte(v), &data)
			return name, data, true
		}
	}
	return "", nil, false
}

// With an OpenAI backend that streams partial images, the progress stream
// announces each preview with preview_url, and the preview is served to
// the job's owner only, while the job runs.
func TestGenerationPreview(t *testing.T) {
	fake := fakeopenai.New(t)
	hold := make(chan struct{})
	fake.QueueImages(fakeopenai.Stream(fakeopenai.StreamOptions{Partials: 2, Hold: hold}))
	e := &env{servertest.Start(t, servertest.Options{Configure: func(c *config.File) {
		c.Generation.Backend = "openai"
		c.Generation.OpenAI.BaseURL = fake.BaseURL()
		c.Generation.OpenAI.APIKey = "sk-test"
		c.Generation.OpenAI.OutputFormat = "png"
		c.Generation.OpenAI.PartialImages = 2
		c.Moderation.Backend = "wordlist"
	}})}
	_, tok := e.login(t, "alice", "read write")
	_, other := e.login(t, "bob", "read write")
	var job map[string]any
	e.call(t, req{method: "POST", path: "/api/v1/pictor/generations", token: tok, json: map[string]any{"prompt": "a paper kite"}}, 202, &job)
	id := job["id"].(string)
	base := "/api/v1/pictor/generations/" + id

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sreq, _ := http.NewRequestWithContext(ctx, http.MethodGet, e.URL+base+"/stream", nil)
	sreq.Header.Set("Authorization", "Bearer "+tok)
	res, err := e.Client.Do(sreq)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	events := sseReader{bufio.NewScanner(res.Body)}
	events.sc.Buffer(make([]byte, 1<<20), 1<<20)
	var previewURL string
	for !strings.HasSuffix(previewURL, "?n=2") {
		name, data, ok := events.next()
		if !ok {
			t.Fatalf("stream ended before the second preview (last preview_url %q)", previewURL)
		}
		if u, _ := data["preview_url"].(string); name == "progress" && u != "" {
			previewURL = u
		}
	}
	u, err := url.Parse(previewURL)
	if err != nil || u.Path != base+"/preview" || !strings.HasPrefix(previewURL, e.URL) {
		t.Fatalf("preview_url %q", previewURL)
	}

	got := e.call(t, req{method: "GET", path: u.RequestURI(), token: tok}, 200, nil)
	if got.Header.Get("Content-Type") != "image/png" || got.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("preview headers %v", got.Header)
	}
	body := e.do(t, req{method: "GET", path: base + "/preview", token: tok})
	data, _ := io.ReadAll(body.Body)
	body.Body.Close()
	if !bytes.Equal(data, fakeopenai.PartialPNG(1)) {
		t.Fatal("preview is not the newest partial image")
	}
	e.call(t, req{method: "GET", path: base + "/preview", token: other}, 404, nil)
	e.call(t, req{method: "GET", path: base + "/preview"}, 401, nil)

	close(hold)
	final := map[string]any{}
	for {
		name, data, ok := events.next()
		if !ok {
			break
		}
		if name == "generation" {
			final = data
		}
	}
	if final["state"] != "done" {
		t.Fatalf("final event %v", final)
	}
	e.call(t, req{method: "GET", path: base + "/preview", token: tok}, 404, nil)
}
