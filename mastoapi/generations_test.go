package mastoapi_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// A front end creates a generation job, polls it, streams it, and posts the
// image it made with media_ids.
func TestGenerationJobAPI(t *testing.T) {
	e := start(t)
	_, tok := e.login(t, "alice", "read write")
	_, other := e.login(t, "bob", "read write")
	var job map[string]any
	e.call(t, req{method: "POST", path: "/api/v1/pictor/generations", token: tok,
		json: map[string]any{"prompt": "a lighthouse at dusk", "seed": "42", "size": "512x512"}}, http.StatusAccepted, &job)
	id, _ := job["id"].(string)
	if id == "" || job["seed"] != "42" || job["size"] != "512x512" || job["backend"] != "builtin" {
		t.Fatalf("job %v", job)
	}

	// The stream ends with the finished generation.
	res := e.do(t, req{method: "GET", path: "/api/v1/pictor/generations/" + id + "/stream", token: tok})
	defer res.Body.Close()
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("stream: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	var final map[string]any
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	event := ""
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "event: "); ok {
			event = v
		}
		if v, ok := strings.CutPrefix(line, "data: "); ok && event == "generation" {
			if err := json.Unmarshal([]byte(v), &final); err != nil {
				t.Fatal(err)
			}
		}
	}
	if final["state"] != "done" {
		t.Fatalf("final event %v", final)
	}

	var polled map[string]any
	e.call(t, req{method: "GET", path: "/api/v1/pictor/generations/" + id, token: tok}, 200, &polled)
	media, _ := polled["media_attachments"].([]any)
	if polled["state"] != "done" || len(media) != 1 {
		t.Fatalf("polled %v", polled)
	}
	m := media[0].(map[string]any)
	if !strings.HasPrefix(m["description"].(string), "AI-generated image (builtin pictor-abstract-1). Prompt: a lighthouse") {
		t.Fatalf("media %v", m)
	}
	e.call(t, req{method: "GET", path: "/api/v1/pictor/generations/" + id, token: other}, 404, nil)

	var st map[string]any
	e.call(t, req{method: "POST", path: "/api/v1/statuses", token: tok,
		json: map[string]any{"status": "my lighthouse", "media_ids": []string{m["id"].(string)}}}, 200, &st)
	if att, _ := st["media_attachments"].([]any); len(att) != 1 {
		t.Fatalf("status %v", st)
	}
}

func TestGenerationJobAPIErrors(t *testing.T) {
	e := start(t)
	_, tok := e.login(t, "alice", "read write")
	_, readOnly := e.login(t, "bob", "read")
	cases := []struct {
		name  string
		token string
		body  map[string]any
		want  int
		msg   string
	}{
		{"refused by the word list", tok, map[string]any{"prompt": "explicit gore"}, 422, "refused by this server's content rules"},
		{"empty prompt", tok, map[string]any{"prompt": ""}, 422, "prompt is empty"},
		{"bad seed", tok, map[string]any{"prompt": "x", "seed": "-3"}, 422, "seed"},
		{"no write scope", readOnly, map[string]any{"prompt": "a cat"}, 403, ""},
		{"no token", "", map[string]any{"prompt": "a cat"}, 401, ""},
	}
	for _, tc := range cases {
		var out map[string]any
		e.call(t, req{method: "POST", path: "/api/v1/pictor/generations", token: tc.token, json: tc.body}, tc.want, &out)
		if msg, _ := out["error"].(string); !strings.Contains(msg, tc.msg) {
			t.Errorf("%s: error %q", tc.name, msg)
		}
	}
}

// /imagine through the statuses endpoint answers with the generated post.
func TestImagineThroughStatuses(t *testing.T) {
	e := start(t)
	_, tok := e.login(t, "alice", "read write")
	var st map[string]any
	e.call(t, req{method: "POST", path: "/api/v1/statuses", token: tok,
		json: map[string]any{"status": "/imagine a red fox in snow", "visibility": "unlisted"}}, 200, &st)
	att, _ := st["media_attachments"].([]any)
	content, _ := st["content"].(string)
	if len(att) != 1 || st["visibility"] != "unlisted" || !strings.Contains(content, "a red fox in snow") ||
		!strings.Contains(content, "AIGenerated") || strings.Contains(content, "/imagine") {
		t.Fatalf("status %v", st)
	}
	var out map[string]any
	e.call(t, req{method: "POST", path: "/api/v1/statuses", token: tok, json: map[string]any{"status": "/imagine nude"}}, 422, &out)
	if !strings.Contains(out["error"].(string), "refused") {
		t.Fatalf("refusal %v", out)
	}
}
