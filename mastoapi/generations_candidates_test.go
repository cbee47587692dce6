package mastoapi_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// waitGeneration follows the job's event stream to its end and returns the
// job as polled afterwards.
func (e *env) waitGeneration(t *testing.T, tok, id string) map[string]any {
	t.Helper()
	res := e.do(t, req{method: "GET", path: "/api/v1/pictor/generations/" + id + "/stream", token: tok})
	io.Copy(io.Discard, res.Body) // the stream ends when the job has finished
	res.Body.Close()
	var job map[string]any
	e.call(t, req{method: "GET", path: "/api/v1/pictor/generations/" + id, token: tok}, 200, &job)
	if job["state"] != "done" {
		t.Fatalf("job %v", job)
	}
	return job
}

// A job of four images lists four candidates; two of them, picked with
// their own alt texts, become one status with two labelled attachments.
func TestGenerationCandidatesPostTwoOfFour(t *testing.T) {
	e := start(t)
	_, tok := e.login(t, "alice", "read write")
	_, other := e.login(t, "bob", "read write")
	_, readOnly := e.login(t, "carol", "read")
	var job map[string]any
	e.call(t, req{method: "POST", path: "/api/v1/pictor/generations", token: tok,
		json: map[string]any{"prompt": "four kites", "size": "256x256", "n": 4}}, http.StatusAccepted, &job)
	if job["n"] != float64(4) {
		t.Fatalf("job %v", job)
	}
	id := job["id"].(string)
	job = e.waitGeneration(t, tok, id)
	cands, _ := job["candidates"].([]any)
	if len(cands) != 4 || len(job["media_attachments"].([]any)) != 4 {
		t.Fatalf("candidates %v", job["candidates"])
	}
	ids := make([]string, 4)
	for i, c := range cands {
		m := c.(map[string]any)
		ids[i], _ = m["id"].(string)
		meta, _ := m["meta"].(map[string]any)
		if m["position"] != float64(i) || m["status_id"] != nil || m["expires_at"] == nil || m["url"] == nil ||
			m["preview_url"] == nil || meta["original"] == nil || ids[i] == "" {
			t.Fatalf("candidate %d: %v", i, m)
		}
	}
	postPath := "/api/v1/pictor/generations/" + id + "/post"
	e.call(t, req{method: "POST", path: postPath, token: other, json: map[string]any{"candidate_ids": ids[:1]}}, 404, nil)
	e.call(t, req{method: "POST", path: postPath, token: readOnly, json: map[string]any{"candidate_ids": ids[:1]}}, 403, nil)
	e.call(t, req{method: "POST", path: postPath, token: tok, json: map[string]any{}}, 422, nil)

	var st map[string]any
	e.call(t, req{method: "POST", path: postPath, token: tok, json: map[string]any{
		"candidate_ids": []string{ids[3], ids[1]}, "descriptions": []string{"The fourth kite", "The second kite"},
		"status": "Two kites", "visibility": "unlisted"}}, 200, &st)
	att, _ := st["media_attachments"].([]any)
	if len(att) != 2 || st["visibility"] != "unlisted" {
		t.Fatalf("status %v", st)
	}
	for i, want := range []struct{ id, alt string }{{ids[3], "The fourth kite"}, {ids[1], "The second kite"}} {
		m := att[i].(map[string]any)
		if m["id"] != want.id || m["description"] != want.alt {
			t.Fatalf("attachment %d: %v", i, m)
		}
	}
	if content := st["content"].(string); !strings.Contains(content, "Two kites") || !strings.Contains(content, "AIGenerated") ||
		!strings.Contains(content, "builtin pictor-abstract-1") {
		t.Fatalf("content %q lacks the text or the AI label", content)
	}
	e.call(t, req{method: "GET", path: "/api/v1/pictor/generations/" + id, token: tok}, 200, &job)
	for i, c := range job["candidates"].([]any) {
		m := c.(map[string]any)
		if picked := i == 1 || i == 3; (m["status_id"] == st["id"]) != picked || (m["expires_at"] == nil) != picked {
			t.Fatalf("candidate %d after posting: %v", i, m)
		}
	}
	e.call(t, req{method: "POST", path: postPath, token: tok, json: map[string]any{"candidate_ids": []string{ids[1]}}}, 422, nil)

	// Forms name an alt text by candidate id; a missing one keeps the prefilled text.
	e.call(t, req{method: "POST", path: postPath, token: tok, form: url.Values{"candidate_ids[]": {ids[0], ids[2]},
		"descriptions[" + ids[2] + "]": {"The third kite"}}}, 200, &st)
	att = st["media_attachments"].([]any)
	if len(att) != 2 || !strings.HasPrefix(att[0].(map[string]any)["description"].(string), "AI-generated image (builtin") ||
		att[1].(map[string]any)["description"] != "The third kite" {
		t.Fatalf("form post %v", att)
	}
}

func TestGenerationCountValidation(t *testing.T) {
	e := start(t)
	_, tok := e.login(t, "alice", "read write")
	for _, n := range []any{0, 5, "two"} {
		e.call(t, req{method: "POST", path: "/api/v1/pictor/generations", token: tok,
			json: map[string]any{"prompt": "a kite", "n": n}}, 422, nil)
	}
}

// "/imagine … --n 4" from an app posts one status with all four images.
func TestImagineWithNPostsAllImages(t *testing.T) {
	e := start(t)
	_, tok := e.login(t, "alice", "read write")
	var st map[string]any
	e.call(t, req{method: "POST", path: "/api/v1/statuses", token: tok,
		json: map[string]any{"status": "/imagine a red fox in snow --n 4 --size 256x256"}}, 200, &st)
	att, _ := st["media_attachments"].([]any)
	if len(att) != 4 || !strings.Contains(st["content"].(string), "AIGenerated") {
		t.Fatalf("status with %d attachments: %v", len(att), st["content"])
	}
	seen := map[any]bool{}
	for _, a := range att {
		seen[a.(map[string]any)["url"]] = true
	}
	if len(seen) != 4 {
		t.Fatalf("%d distinct image URLs, want 4", len(seen))
	}
}
