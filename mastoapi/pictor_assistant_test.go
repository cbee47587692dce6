package mastoapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pictor-social/pictor/assistant"
	"github.com/pictor-social/pictor/config"
	"github.com/pictor-social/pictor/internal/testkit/fakeopenai"
	"github.com/pictor-social/pictor/store"
)

var threeReplies = map[string]any{"suggestions": []string{"What a fox!", "Where was this taken?", "Love the colours."}}

// startAssistant starts a server whose assistant talks to fake.
func startAssistant(t *testing.T, fake *fakeopenai.Server, configure func(*config.Assistant)) *env {
	t.Helper()
	return startWith(t, func(c *config.File) {
		c.Assistant.Backend = "openai"
		c.Assistant.Profile = "compatible"
		c.Assistant.BaseURL = fake.BaseURL()
		c.Assistant.Model = "chat"
		c.Assistant.VisionModel = "eyes"
		if configure != nil {
			configure(&c.Assistant)
		}
	})
}

func suggestionsPath(id string) string { return "/api/v1/pictor/statuses/" + id + "/suggestions" }

func optIn(t *testing.T, e *env, tok string) {
	t.Helper()
	var p map[string]any
	e.call(t, req{method: "PATCH", path: "/api/v1/pictor/preferences", token: tok,
		json: map[string]any{"reply_suggestions": true}}, 200, &p)
	if p["reply_suggestions"] != true {
		t.Fatalf("preferences after opt-in: %v", p)
	}
}

// errorOf does rq and returns its status and JSON error message.
func errorOf(t *testing.T, e *env, rq req) (int, string) {
	t.Helper()
	resp := e.do(t, rq)
	defer resp.Body.Close()
	var body struct {
		Error string `json:"error"`
	}
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &body); err != nil || body.Error == "" {
		t.Fatalf("%s %s: %d with %q, want a JSON error", rq.method, rq.path, resp.StatusCode, b)
	}
	return resp.StatusCode, body.Error
}

// With backend "none" (the default) no assistant endpoint exists.
func TestAssistantEndpointsHiddenWhenOff(t *testing.T) {
	e := start(t)
	_, tok := e.login(t, "alice", "read write")
	st := e.post(t, tok, "hello")
	mid := e.upload(t, tok, "")
	for _, rq := range []req{
		{method: "GET", path: suggestionsPath(st["id"].(string)), token: tok},
		{method: "GET", path: "/api/v1/pictor/preferences", token: tok},
		{method: "PATCH", path: "/api/v1/pictor/preferences", token: tok, json: map[string]any{"reply_suggestions": true}},
		{method: "POST", path: "/api/v1/pictor/media/" + mid + "/describe", token: tok},
	} {
		if got := status(t, e, rq); got != http.StatusNotFound {
			t.Errorf("%s %s = %d, want 404", rq.method, rq.path, got)
		}
	}
}

func TestReplySuggestions(t *testing.T) {
	fake := fakeopenai.New(t)
	fake.HandleChat(fakeopenai.ChatJSON(threeReplies))
	e := startAssistant(t, fake, nil)
	_, aTok := e.login(t, "alice", "read write")
	bob, bTok := e.login(t, "bob", "read write")
	mid := e.upload(t, aTok, "A red fox in the snow")
	var st map[string]any
	e.call(t, req{method: "POST", path: "/api/v1/statuses", token: aTok, json: map[string]any{
		"status": "Met this one on my walk", "spoiler_text": "animals", "language": "fr", "media_ids": []string{mid}}}, 200, &st)
	id := st["id"].(string)

	// Off until the user opts in; nothing goes to the model.
	code, msg := errorOf(t, e, req{method: "GET", path: suggestionsPath(id), token: bTok})
	if code != http.StatusForbidden || !strings.Contains(msg, "reply_suggestions") {
		t.Fatalf("before opt-in: %d %q", code, msg)
	}
	var prefs map[string]any
	e.call(t, req{method: "GET", path: "/api/v1/pictor/preferences", token: bTok}, 200, &prefs)
	if prefs["reply_suggestions"] != false || prefs["image_descriptions"] != true {
		t.Fatalf("preferences %v", prefs)
	}
	optIn(t, e, bTok)

	var got struct{ Suggestions []string }
	e.call(t, req{method: "GET", path: suggestionsPath(id), token: bTok}, 200, &got)
	if strings.Join(got.Suggestions, "|") != "What a fox!|Where was this taken?|Love the colours." {
		t.Fatalf("suggestions %v", got.Suggestions)
	}
	calls := fake.RequestsTo(fakeopenai.ChatPath)
	if len(calls) != 1 {
		t.Fatalf("%d calls", len(calls))
	}
	c := calls[0].Chat()
	for _, want := range []string{"Met this one on my walk", "Content warning: animals", "A red fox in the snow", "@alice", "French"} {
		if !strings.Contains(c.AllText(), want) {
			t.Errorf("prompt lacks %q:\n%s", want, c.AllText())
		}
	}
	if c.Model != "eyes" || len(c.Images) != 1 || !strings.HasPrefix(c.Images[0], "data:image/") || !c.JSONMode {
		t.Errorf("call: model %q, %d images, JSON mode %v", c.Model, len(c.Images), c.JSONMode)
	}

	// A second read is served from the cache and not counted.
	e.call(t, req{method: "GET", path: suggestionsPath(id), token: bTok}, 200, &got)
	if n := len(fake.RequestsTo(fakeopenai.ChatPath)); n != 1 {
		t.Fatalf("cache hit made a call: %d calls", n)
	}
	if used, _ := e.Assistant.Quota.Used(context.Background(), bob.ID, assistant.FeatureSuggestions); used != 1 {
		t.Fatalf("quota used %d, want 1", used)
	}
	// An edit asks again.
	e.call(t, req{method: "PUT", path: "/api/v1/statuses/" + id, token: aTok,
		json: map[string]any{"status": "Met this fox on my walk today"}}, 200, nil)
	e.call(t, req{method: "GET", path: suggestionsPath(id), token: bTok}, 200, &got)
	calls = fake.RequestsTo(fakeopenai.ChatPath)
	if len(calls) != 2 || !strings.Contains(calls[1].Chat().AllText(), "Met this fox on my walk today") {
		t.Fatalf("after an edit: %d calls", len(calls))
	}
	// Unknown and malformed ids are 404 as GET /api/v1/statuses/:id.
	for _, p := range []string{suggestionsPath("999999"), suggestionsPath("abc")} {
		if code, _ := errorOf(t, e, req{method: "GET", path: p, token: bTok}); code != http.StatusNotFound {
			t.Errorf("%s = %d", p, code)
		}
	}
	// No token: 401.
	if got := status(t, e, req{method: "GET", path: suggestionsPath(id)}); got != http.StatusUnauthorized {
		t.Errorf("anonymous = %d", got)
	}
}

// A followers-only post is never sent for a reader who does not follow its
// author, even as context of a public reply they may see; the post itself
// is 404 for them.
func TestReplySuggestionsSendOnlyWhatTheViewerSees(t *testing.T) {
	fake := fakeopenai.New(t)
	fake.HandleChat(fakeopenai.ChatJSON(threeReplies))
	e := startAssistant(t, fake, nil)
	alice, aTok := e.login(t, "alice", "read write follow")
	_, cTok := e.login(t, "carol", "read write follow")
	_, bTok := e.login(t, "bob", "read write")
	e.call(t, req{method: "POST", path: "/api/v1/accounts/" + store.FormatID(alice.ID) + "/follow", token: cTok}, 200, nil)
	root := e.post(t, aTok, "Public root about gardens")
	var secret, reply map[string]any
	e.call(t, req{method: "POST", path: "/api/v1/statuses", token: aTok, json: map[string]any{"status": "SECRET followers-only plans",
		"visibility": "private", "in_reply_to_id": root["id"]}}, 200, &secret)
	e.call(t, req{method: "POST", path: "/api/v1/statuses", token: cTok, json: map[string]any{"status": "Public answer from carol",
		"in_reply_to_id": secret["id"]}}, 200, &reply)
	optIn(t, e, bTok)
	optIn(t, e, cTok)

	e.call(t, req{method: "GET", path: suggestionsPath(reply["id"].(string)), token: bTok}, 200, nil)
	sent := fake.RequestsTo(fakeopenai.ChatPath)[0].Chat().AllText()
	if strings.Contains(sent, "SECRET") || !strings.Contains(sent, "Public root about gardens") || !strings.Contains(sent, "Public answer from carol") {
		t.Fatalf("sent for a non-follower:\n%s", sent)
	}
	if code, _ := errorOf(t, e, req{method: "GET", path: suggestionsPath(secret["id"].(string)), token: bTok}); code != http.StatusNotFound {
		t.Fatalf("followers-only post for a non-follower = %d, want 404", code)
	}
	// A follower's request may carry it.
	e.call(t, req{method: "GET", path: suggestionsPath(reply["id"].(string)), token: cTok}, 200, nil)
	if sent := fake.RequestsTo(fakeopenai.ChatPath)[1].Chat().AllText(); !strings.Contains(sent, "SECRET") {
		t.Fatalf("sent for a follower:\n%s", sent)
	}
	for _, r := range fake.Requests() {
		if r.Path != fakeopenai.ChatPath {
			t.Errorf("unexpected request to %s", r.Path)
		}
	}
}

func TestReplySuggestionsFailures(t *testing.T) {
	cases := []struct {
		name    string
		profile string
		noJSON  bool
		reply   fakeopenai.Reply
		status  int
	}{
		{"text profile reads JSON from prose", "text", true, fakeopenai.ChatJSON(threeReplies), 200},
		{"compatible server without JSON mode", "compatible", true, fakeopenai.ChatJSON(threeReplies), 200},
		{"refusal", "openai", false, fakeopenai.ChatRefusal("I can't help with that."), 422},
		{"provider rate limit", "openai", false, fakeopenai.RateLimited("30"), 429},
		{"provider down", "openai", false, fakeopenai.ServerError(), 503},
		{"timeout", "openai", false, fakeopenai.Hang(), 503},
		{"answer without JSON", "openai", false, fakeopenai.Chat("I think you should say hi."), 503},
	}
	type server struct {
		e    *env
		fake *fakeopenai.Server
		aTok string
		bTok string
	}
	servers := map[string]*server{} // one per profile, living as long as the whole test
	parent := t
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := servers[tc.profile]
			if s == nil {
				s = &server{fake: fakeopenai.New(parent)}
				s.e = startAssistant(parent, s.fake, func(a *config.Assistant) {
					a.Profile = tc.profile
					a.APIKey = "sk-test"
					a.Timeout = config.Duration{Duration: 500 * time.Millisecond}
				})
				_, s.aTok = s.e.login(t, "alice", "read write")
				_, s.bTok = s.e.login(t, "bob", "read write")
				optIn(t, s.e, s.bTok)
				servers[tc.profile] = s
			}
			s.fake.SetJSONMode(!tc.noJSON)
			s.fake.QueueChat(tc.reply)
			st := s.e.post(t, s.aTok, "A post about "+tc.name) // a new post: no cached answer
			rq := req{method: "GET", path: suggestionsPath(st["id"].(string)), token: s.bTok}
			if tc.status == 200 {
				var got struct{ Suggestions []string }
				s.e.call(t, rq, 200, &got)
				if len(got.Suggestions) != 3 {
					t.Fatalf("suggestions %v", got.Suggestions)
				}
				return
			}
			if code, msg := errorOf(t, s.e, rq); code != tc.status {
				t.Fatalf("status %d (%q), want %d", code, msg, tc.status)
			}
		})
	}
}

// Concurrent identical requests make one call; the quota counts calls
// made, and a cached answer is served past the quota.
func TestReplySuggestionsCoalesceAndQuota(t *testing.T) {
	fake := fakeopenai.New(t)
	release := make(chan struct{})
	fake.QueueChat(func(s *fakeopenai.Server, w http.ResponseWriter, r *http.Request) {
		<-release
		fakeopenai.ChatJSON(threeReplies)(s, w, r)
	})
	fake.HandleChat(fakeopenai.ChatJSON(threeReplies))
	e := startAssistant(t, fake, func(a *config.Assistant) { a.SuggestionsPerDay = 1 })
	_, aTok := e.login(t, "alice", "read write")
	bob, bTok := e.login(t, "bob", "read write")
	st := e.post(t, aTok, "one")
	other := e.post(t, aTok, "two")
	optIn(t, e, bTok)

	const n = 5
	var wg sync.WaitGroup
	codes := make([]int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = status(t, e, req{method: "GET", path: suggestionsPath(st["id"].(string)), token: bTok})
		}()
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		h, m := e.Assistant.SuggestionCacheStats()
		if h+m == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d requests arrived", h+m)
		}
		time.Sleep(5 * time.Millisecond) // polling a condition with a deadline
	}
	close(release)
	wg.Wait()
	for i, c := range codes {
		if c != 200 {
			t.Errorf("request %d: %d", i, c)
		}
	}
	if calls := len(fake.RequestsTo(fakeopenai.ChatPath)); calls != 1 {
		t.Fatalf("%d calls for %d identical requests", calls, n)
	}
	if used, _ := e.Assistant.Quota.Used(context.Background(), bob.ID, assistant.FeatureSuggestions); used != 1 {
		t.Fatalf("quota used %d", used)
	}
	code, msg := errorOf(t, e, req{method: "GET", path: suggestionsPath(other["id"].(string)), token: bTok})
	if code != http.StatusTooManyRequests || !strings.Contains(msg, "quota") {
		t.Fatalf("over quota: %d %q", code, msg)
	}
	if got := status(t, e, req{method: "GET", path: suggestionsPath(st["id"].(string)), token: bTok}); got != 200 {
		t.Fatalf("cached answer past the quota: %d", got)
	}
	if calls := len(fake.RequestsTo(fakeopenai.ChatPath)); calls != 1 {
		t.Fatalf("%d calls", calls)
	}
}

func TestDescribeMedia(t *testing.T) {
	fake := fakeopenai.New(t)
	fake.HandleChat(fakeopenai.Chat("Alt text: \"A gradient of blue and green squares.\""))
	e := startAssistant(t, fake, nil)
	_, aTok := e.login(t, "alice", "read write")
	_, bTok := e.login(t, "bob", "read write")
	mid := e.upload(t, aTok, "")
	path := "/api/v1/pictor/media/" + mid + "/describe"

	var got map[string]string
	e.call(t, req{method: "POST", path: path, token: aTok, header: map[string]string{"Accept-Language": "de-CH,de;q=0.9,en;q=0.5"}}, 200, &got)
	if got["description"] != "A gradient of blue and green squares." {
		t.Fatalf("description %q", got["description"])
	}
	c := fake.RequestsTo(fakeopenai.ChatPath)[0].Chat()
	if c.Model != "eyes" || len(c.Images) != 1 || !strings.HasPrefix(c.Images[0], "data:image/") || !strings.Contains(c.System, "German") {
		t.Fatalf("call: model %q, %d images, system %q", c.Model, len(c.Images), c.System)
	}
	// Someone else's media, or none, is 404; nothing is sent.
	for _, p := range []string{path, "/api/v1/pictor/media/99999/describe"} {
		if code, _ := errorOf(t, e, req{method: "POST", path: p, token: bTok}); code != http.StatusNotFound {
			t.Errorf("POST %s by bob = %d", p, code)
		}
	}
	if n := len(fake.RequestsTo(fakeopenai.ChatPath)); n != 1 {
		t.Fatalf("%d calls", n)
	}
	// The posting language wins over Accept-Language.
	e.call(t, req{method: "PATCH", path: "/api/v1/accounts/update_credentials", token: aTok,
		json: map[string]any{"source": map[string]any{"language": "fr"}}}, 200, nil)
	e.call(t, req{method: "POST", path: path, token: aTok, header: map[string]string{"Accept-Language": "de"}}, 200, &got)
	if c := fake.RequestsTo(fakeopenai.ChatPath)[1].Chat(); !strings.Contains(c.System, "French") {
		t.Fatalf("system %q", c.System)
	}
}

func TestDescribeMediaWithoutVisionModel(t *testing.T) {
	fake := fakeopenai.New(t)
	e := startAssistant(t, fake, func(a *config.Assistant) { a.VisionModel = "" })
	_, tok := e.login(t, "alice", "read write")
	mid := e.upload(t, tok, "")
	code, msg := errorOf(t, e, req{method: "POST", path: "/api/v1/pictor/media/" + mid + "/describe", token: tok})
	if code != http.StatusUnprocessableEntity || !strings.Contains(msg, "image-capable model") {
		t.Fatalf("%d %q", code, msg)
	}
	var prefs map[string]any
	e.call(t, req{method: "GET", path: "/api/v1/pictor/preferences", token: tok}, 200, &prefs)
	if prefs["image_descriptions"] != false {
		t.Fatalf("preferences %v", prefs)
	}
	if n := len(fake.Requests()); n != 0 {
		t.Fatalf("%d requests sent", n)
	}
}
