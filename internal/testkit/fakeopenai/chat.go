package fakeopenai

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Token usage every successful chat reply reports.
const (
	ChatPromptTokens     = 42
	ChatCompletionTokens = 17
)

// ChatCall is a recorded chat completion request, decoded.
type ChatCall struct {
	Model     string
	System    string   // the system messages' text, joined by newlines
	Texts     []string // the text of every other message (and text part), in order
	Images    []string // image_url URLs (data: URLs for inline images), in order
	Detail    []string // image_url detail of each image
	JSONMode  bool     // response_format is json_object
	MaxTokens int      // max_completion_tokens, else max_tokens
	User      string
}

// Chat decodes the body as a chat completion request. Fields it cannot
// read stay zero.
func (r Request) Chat() ChatCall {
	var body struct {
		Model    string `json:"model"`
		Messages []struct {
			Role    string          `json:"role"`
			Content json.RawMessage `json:"content"`
		} `json:"messages"`
		ResponseFormat *struct {
			Type string `json:"type"`
		} `json:"response_format"`
		MaxTokens           int    `json:"max_tokens"`
		MaxCompletionTokens int    `json:"max_completion_tokens"`
		User                string `json:"user"`
	}
	if json.Unmarshal(r.Body, &body) != nil {
		return ChatCall{}
	}
	c := ChatCall{Model: body.Model, MaxTokens: body.MaxCompletionTokens, User: body.User,
		JSONMode: body.ResponseFormat != nil && body.ResponseFormat.Type == "json_object"}
	if c.MaxTokens == 0 {
		c.MaxTokens = body.MaxTokens
	}
	var system []string
	for _, m := range body.Messages {
		var text string
		if json.Unmarshal(m.Content, &text) != nil {
			var parts []struct {
				Type     string `json:"type"`
				Text     string `json:"text"`
				ImageURL *struct {
					URL    string `json:"url"`
					Detail string `json:"detail"`
				} `json:"image_url"`
			}
			_ = json.Unmarshal(m.Content, &parts)
			var texts []string
			for _, p := range parts {
				switch {
				case p.Type == "text":
					texts = append(texts, p.Text)
				case p.Type == "image_url" && p.ImageURL != nil:
					c.Images = append(c.Images, p.ImageURL.URL)
					c.Detail = append(c.Detail, p.ImageURL.Detail)
				}
			}
			text = strings.Join(texts, "\n")
		}
		if m.Role == "system" || m.Role == "developer" {
			system = append(system, text)
		} else {
			c.Texts = append(c.Texts, text)
		}
	}
	c.System = strings.Join(system, "\n")
	return c
}

// AllText returns the system prompt and every message text, joined, for
// assertions about what was (not) sent.
func (c ChatCall) AllText() string {
	return c.System + "\n" + strings.Join(c.Texts, "\n")
}

func chatReply(model string, message map[string]any, finish string) map[string]any {
	return map[string]any{
		"id": "chatcmpl-0123", "object": "chat.completion", "created": time.Now().Unix(), "model": model,
		"choices": []map[string]any{{"index": 0, "message": message, "finish_reason": finish}},
		"usage": map[string]any{"prompt_tokens": ChatPromptTokens, "completion_tokens": ChatCompletionTokens,
			"total_tokens": ChatPromptTokens + ChatCompletionTokens},
	}
}

func requestModel(r *http.Request) string {
	var body struct {
		Model string `json:"model"`
	}
	_ = json.Unmarshal(peekBody(r), &body)
	return body.Model
}

// Chat answers 200 with content as the assistant's message, verbatim.
func Chat(content string) Reply {
	return func(_ *Server, w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, chatReply(requestModel(r),
			map[string]any{"role": "assistant", "content": content}, "stop"))
	}
}

// ChatJSON answers with v encoded as JSON: bare when the request asked for
// JSON mode and the server supports it, otherwise in prose around a ```json
// fenced block, as chat models without JSON mode tend to answer.
func ChatJSON(v any) Reply {
	return func(s *Server, w http.ResponseWriter, r *http.Request) {
		b, err := json.Marshal(v)
		if err != nil {
			panic(err) // test data that cannot be encoded is a bug in the test
		}
		content := string(b)
		if !s.jsonMode() || !(Request{Body: peekBody(r)}).Chat().JSONMode {
			content = fmt.Sprintf("Sure! Here is what you asked for:\n\n```json\n%s\n```\n\nLet me know if you want more.", b)
		}
		Chat(content)(s, w, r)
	}
}

// ChatRefusal answers 200 with a refusal and no content, as OpenAI models
// decline a request on safety grounds.
func ChatRefusal(reason string) Reply {
	return func(_ *Server, w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, chatReply(requestModel(r),
			map[string]any{"role": "assistant", "content": nil, "refusal": reason}, "stop"))
	}
}

// ChatContentFilter answers 200 with finish_reason content_filter and an
// empty message, as Azure OpenAI and some servers cut a filtered answer.
func ChatContentFilter() Reply {
	return func(_ *Server, w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, chatReply(requestModel(r),
			map[string]any{"role": "assistant", "content": ""}, "content_filter"))
	}
}

// ChatFunc answers with whatever content f returns for the decoded request,
// for replies that depend on what was asked.
func ChatFunc(f func(ChatCall) string) Reply {
	return func(s *Server, w http.ResponseWriter, r *http.Request) {
		Chat(f(Request{Body: peekBody(r)}.Chat()))(s, w, r)
	}
}
