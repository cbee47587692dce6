package assistant

import (
	"context"
	"errors"
	"image/color"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/internal/testkit/fakeopenai"
)

func newTestClient(t *testing.T, fake *fakeopenai.Server, o ClientOptions) *Client {
	t.Helper()
	o.BaseURL = fake.BaseURL()
	if o.Model == "" {
		o.Model = "chat-model"
	}
	c, err := NewClient(o, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type answer struct {
	Suggestions []string `json:"suggestions"`
}

func TestChatThroughGoOpenAI(t *testing.T) {
	want := answer{Suggestions: []string{"Lovely!", "Where is this?"}}
	cases := []struct {
		name     string
		profile  string
		jsonMode bool // the fake's
		wantJSON []bool
	}{
		{"openai, JSON mode", ProfileOpenAI, true, []bool{true, true}},
		{"compatible, JSON mode", ProfileCompatible, true, []bool{true, true}},
		{"compatible without JSON mode falls back to prose", ProfileCompatible, false, []bool{true, false, false}},
		{"text profile never asks for JSON mode", ProfileText, false, []bool{false, false}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fake := fakeopenai.New(t)
			fake.SetJSONMode(tc.jsonMode)
			fake.HandleChat(fakeopenai.ChatJSON(want))
			c := newTestClient(t, fake, ClientOptions{Profile: tc.profile, APIKey: "sk-test"})
			for range 2 { // the second call shows whether a fallback is remembered
				got, err := c.Chat(context.Background(), Request{System: "Suggest replies.", JSON: true,
					Messages: []Message{{Role: RoleUser, Text: "a photo of a fox"}}})
				if err != nil {
					t.Fatal(err)
				}
				a, err := Decode[answer](got)
				if err != nil || strings.Join(a.Suggestions, "|") != "Lovely!|Where is this?" {
					t.Fatalf("decoded %+v, %v from %q", a, err, got)
				}
			}
			reqs := fake.RequestsTo(fakeopenai.ChatPath)
			var modes []bool
			for _, r := range reqs {
				modes = append(modes, r.Chat().JSONMode)
			}
			if len(modes) != len(tc.wantJSON) {
				t.Fatalf("JSON mode per request %v, want %v", modes, tc.wantJSON)
			}
			for i := range modes {
				if modes[i] != tc.wantJSON[i] {
					t.Fatalf("JSON mode per request %v, want %v", modes, tc.wantJSON)
				}
			}
			c0 := reqs[0].Chat()
			if c0.Model != "chat-model" || !strings.Contains(strings.ToLower(c0.System), "json") || c0.MaxTokens != DefaultMaxTokens {
				t.Errorf("request %+v", c0)
			}
			if got := reqs[0].Header.Get("Authorization"); got != "Bearer sk-test" {
				t.Errorf("Authorization = %q", got)
			}
			if tc.profile == ProfileOpenAI && reqs[0].JSON()["max_completion_tokens"] == nil {
				t.Errorf("openai profile sent %s", reqs[0].Body)
			}
			if tc.profile != ProfileOpenAI && reqs[0].JSON()["max_tokens"] == nil {
				t.Errorf("%s profile sent %s", tc.profile, reqs[0].Body)
			}
		})
	}
}

func TestChatFailures(t *testing.T) {
	cases := []struct {
		name   string
		reply  fakeopenai.Reply
		kind   error
		status int
	}{
		{"refusal", fakeopenai.ChatRefusal("I can't help with that."), ErrRefused, http.StatusUnprocessableEntity},
		{"content filter", fakeopenai.ChatContentFilter(), ErrRefused, http.StatusUnprocessableEntity},
		{"content policy 400", fakeopenai.ContentPolicyViolation(), ErrRefused, http.StatusUnprocessableEntity},
		{"rate limited", fakeopenai.RateLimited("20"), ErrRateLimited, http.StatusTooManyRequests},
		{"out of credit", fakeopenai.InsufficientQuota(), ErrUnavailable, http.StatusServiceUnavailable},
		{"server error", fakeopenai.ServerError(), ErrUnavailable, http.StatusServiceUnavailable},
		{"bad key", fakeopenai.ErrorReply(401, "invalid_request_error", "invalid_api_key", "no"), ErrUnavailable, http.StatusServiceUnavailable},
		{"bad request", fakeopenai.ErrorReply(400, "invalid_request_error", "bad", "no"), ErrInvalid, http.StatusUnprocessableEntity},
		{"malformed", fakeopenai.Raw(200, "application/json", `{"choices": [`), ErrUnavailable, http.StatusServiceUnavailable},
		{"no choices", fakeopenai.Raw(200, "application/json", `{"choices": []}`), ErrUnavailable, http.StatusServiceUnavailable},
		{"empty message", fakeopenai.Chat("  "), ErrUnavailable, http.StatusServiceUnavailable},
		{"too large", fakeopenai.Chat(strings.Repeat("x", 2<<20)), ErrUnavailable, http.StatusServiceUnavailable},
		{"timeout", fakeopenai.Hang(), ErrTimeout, http.StatusServiceUnavailable},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fake := fakeopenai.New(t)
			fake.QueueChat(tc.reply)
			timeout := 10 * time.Second
			if tc.kind == ErrTimeout {
				timeout = 200 * time.Millisecond
			}
			c := newTestClient(t, fake, ClientOptions{Timeout: timeout})
			_, err := c.Chat(context.Background(), Request{Messages: []Message{{Role: RoleUser, Text: "hi"}}})
			if !errors.Is(err, tc.kind) || apperr.StatusOf(err) != tc.status {
				t.Fatalf("err = %v (status %d), want %v with %d", err, apperr.StatusOf(err), tc.kind, tc.status)
			}
			if len(fake.RequestsTo(fakeopenai.ChatPath)) != 1 {
				t.Fatalf("%d requests, want 1 (no retries)", len(fake.RequestsTo(fakeopenai.ChatPath)))
			}
		})
	}
}

func TestChatCallerCancel(t *testing.T) {
	fake := fakeopenai.New(t)
	fake.QueueChat(fakeopenai.Hang())
	c := newTestClient(t, fake, ClientOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-fake.Arrivals()
		cancel()
	}()
	_, err := c.Chat(ctx, Request{Messages: []Message{{Role: RoleUser, Text: "hi"}}})
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestChatVision(t *testing.T) {
	png := fakeopenai.PNG(8, 8, color.RGBA{R: 1, A: 255})
	t.Run("without a vision model nothing is sent", func(t *testing.T) {
		fake := fakeopenai.New(t)
		c := newTestClient(t, fake, ClientOptions{})
		_, err := c.Chat(context.Background(), Request{Images: []Image{{Data: png}}})
		if !errors.Is(err, ErrNoVision) || apperr.StatusOf(err) != http.StatusUnprocessableEntity || c.Vision() {
			t.Fatalf("err = %v", err)
		}
		if n := len(fake.Requests()); n != 0 {
			t.Fatalf("%d requests sent", n)
		}
	})
	t.Run("the image goes to the vision model", func(t *testing.T) {
		fake := fakeopenai.New(t)
		fake.QueueChat(fakeopenai.Chat("A red square."))
		c := newTestClient(t, fake, ClientOptions{VisionModel: "eyes"})
		got, err := c.Chat(context.Background(), Request{System: "Describe.",
			Messages: []Message{{Role: RoleUser, Text: "Describe this image."}}, Images: []Image{{Data: png}}})
		if err != nil || got != "A red square." {
			t.Fatalf("answer %q, %v", got, err)
		}
		call := fake.RequestsTo(fakeopenai.ChatPath)[0].Chat()
		if call.Model != "eyes" || len(call.Images) != 1 || !strings.HasPrefix(call.Images[0], "data:image/png;base64,") ||
			call.Detail[0] != "low" || call.Texts[0] != "Describe this image." {
			t.Fatalf("sent %+v", call)
		}
	})
	t.Run("bad images are refused before sending", func(t *testing.T) {
		fake := fakeopenai.New(t)
		c := newTestClient(t, fake, ClientOptions{VisionModel: "eyes", MaxImageBytes: 1000})
		for _, img := range []Image{{Data: []byte("not an image at all")}, {Data: make([]byte, 2000)}, {}} {
			if _, err := c.Chat(context.Background(), Request{Images: []Image{img}}); !errors.Is(err, ErrInvalid) {
				t.Errorf("image of %d bytes: %v", len(img.Data), err)
			}
		}
		if n := len(fake.Requests()); n != 0 {
			t.Fatalf("%d requests sent", n)
		}
	})
}

func TestNewClientValidates(t *testing.T) {
	for _, o := range []ClientOptions{{Model: "m", Profile: "localai"}, {}, {Model: "m", BaseURL: "file:///x"}} {
		if _, err := NewClient(o, nil); err == nil {
			t.Errorf("NewClient(%+v) accepted", o)
		}
	}
}
