package fakeopenai

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestChatRepliesAndRecording(t *testing.T) {
	s := New(t)
	s.QueueChat(ChatJSON(map[string]any{"a": 1}), ChatRefusal("no"), RateLimited("2"))
	body := `{"model":"m","response_format":{"type":"json_object"},"max_completion_tokens":50,
		"messages":[{"role":"system","content":"be brief"},
		{"role":"user","content":[{"type":"text","text":"what is this"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA","detail":"low"}}]}]}`
	cases := []struct {
		status int
		want   string
	}{{http.StatusOK, `"content":"{\"a\":1}"`}, {http.StatusOK, `"refusal":"no"`}, {http.StatusTooManyRequests, "rate_limit"}, {http.StatusOK, `"content":"OK"`}}
	for i, tc := range cases {
		resp, b := post(t, s.BaseURL()+"/chat/completions", body)
		if resp.StatusCode != tc.status || !strings.Contains(string(b), tc.want) {
			t.Fatalf("reply %d: %d %s, want %d with %s", i, resp.StatusCode, b, tc.status, tc.want)
		}
	}
	c := s.RequestsTo(ChatPath)[0].Chat()
	if c.Model != "m" || c.System != "be brief" || !c.JSONMode || c.MaxTokens != 50 ||
		len(c.Images) != 1 || c.Images[0] != "data:image/png;base64,AAAA" || c.Detail[0] != "low" || c.Texts[0] != "what is this" {
		t.Fatalf("decoded %+v", c)
	}
}

func TestChatWithoutJSONMode(t *testing.T) {
	s := New(t)
	s.SetJSONMode(false)
	resp, _ := post(t, s.BaseURL()+"/chat/completions", `{"model":"m","response_format":{"type":"json_object"},"messages":[]}`)
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("response_format without JSON mode: %d, want 400", resp.StatusCode)
	}
	s.QueueChat(ChatJSON([]string{"x"}))
	resp, b := post(t, s.BaseURL()+"/chat/completions", `{"model":"m","messages":[{"role":"user","content":"hi"}]}`)
	var got struct {
		Choices []struct {
			Message struct{ Content string } `json:"message"`
		} `json:"choices"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &got) != nil || len(got.Choices) != 1 ||
		!strings.Contains(got.Choices[0].Message.Content, "```json\n[\"x\"]\n```") {
		t.Fatalf("prose answer %d %s", resp.StatusCode, b)
	}
}
