// Package assistant talks to a chat model (OpenAI's chat completions or any
// compatible server: LocalAI, Ollama, llama.cpp's server, vLLM) for the
// features that put an assistant into the conversation: reply suggestions
// and image descriptions here, and the callers built on Client, Quota and
// Cache (post screening, the @ask bot). It never decides what a user may
// see: callers hand it only content the user (or the instance) may see.
package assistant

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/internal/openaihttp"
)

// Profiles say what the chat server takes.
const (
	// ProfileOpenAI is api.openai.com: JSON mode through response_format,
	// max_completion_tokens.
	ProfileOpenAI = "openai"
	// ProfileCompatible is an OpenAI-compatible server: JSON mode through
	// response_format (dropped for good if the server refuses it), max_tokens.
	ProfileCompatible = "compatible"
	// ProfileText is a server without JSON mode: no response_format is sent
	// and the JSON is read out of the answer's prose (Decode).
	ProfileText = "text"
)

// Defaults applied by NewClient for zero fields.
const (
	DefaultBaseURL        = "https://api.openai.com/v1"
	DefaultTimeout        = 30 * time.Second
	DefaultMaxAnswerBytes = 1 << 20
	DefaultMaxImageBytes  = 4 << 20
	DefaultMaxTokens      = 400
	maxImages             = 4
)

// ClientOptions configure a Client. Zero values take the defaults above.
type ClientOptions struct {
	BaseURL     string // API root including "/v1"
	APIKey      string // may be empty for self-hosted servers
	Model       string // chat model; required
	VisionModel string // model for requests with images; "" refuses them with ErrNoVision
	Profile     string // ProfileOpenAI (default), ProfileCompatible or ProfileText
	Timeout     time.Duration
	// MaxAnswerBytes bounds the response body; MaxImageBytes each image sent.
	MaxAnswerBytes int64
	MaxImageBytes  int
}

func (o ClientOptions) withDefaults() (ClientOptions, error) {
	if o.Profile == "" {
		o.Profile = ProfileOpenAI
	}
	switch o.Profile {
	case ProfileOpenAI, ProfileCompatible, ProfileText:
	default:
		return o, fmt.Errorf("unknown assistant profile %q (want openai, compatible or text)", o.Profile)
	}
	if o.Model == "" {
		return o, errors.New("assistant model is not set")
	}
	if o.BaseURL == "" {
		o.BaseURL = DefaultBaseURL
	}
	if u, err := url.Parse(o.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return o, fmt.Errorf("assistant base_url %q is not an http(s) URL", o.BaseURL)
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxAnswerBytes <= 0 {
		o.MaxAnswerBytes = DefaultMaxAnswerBytes
	}
	if o.MaxImageBytes <= 0 {
		o.MaxImageBytes = DefaultMaxImageBytes
	}
	return o, nil
}

// Role is who says a Message.
type Role string

// The roles a Request's messages may have.
const (
	RoleUser      Role = "user"
	RoleAssistant Role = "assistant"
)

// Message is one turn of the conversation sent to the model.
type Message struct {
	Role Role
	Text string
}

// Image is an image sent to a vision model, already downscaled by the
// caller (the 640-pixel thumbnails serve well).
type Image struct {
	Data      []byte
	MediaType string // "" sniffs it from Data
}

// Request is one chat call.
type Request struct {
	System   string
	Messages []Message
	// Images go with the last user message and need ClientOptions.VisionModel;
	// at most 4, each at most ClientOptions.MaxImageBytes.
	Images []Image
	// JSON asks for a JSON object (JSON mode where the server has it); read
	// the answer with Decode either way.
	JSON      bool
	MaxTokens int // 0: DefaultMaxTokens
}

// Client calls a chat model. It is safe for concurrent use.
type Client struct {
	opts ClientOptions
	http *http.Client
	// noJSON is set once a compatible server refused response_format; the
	// client then asks in words only.
	noJSON atomic.Bool
}

// NewClient returns a Client for opts. httpClient carries the calls (nil means
// http.DefaultClient); its own Timeout is ignored in favour of
// opts.Timeout. It fails on an unknown profile, a missing model or a
// malformed base URL.
func NewClient(opts ClientOptions, httpClient *http.Client) (*Client, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Client{opts: o, http: openaihttp.Detached(httpClient)}, nil
}

// Vision reports whether a vision model is configured, so requests may
// carry images.
func (c *Client) Vision() bool { return c.opts.VisionModel != "" }

// Model returns the model a request goes to: the vision model when it
// carries images.
func (c *Client) Model(withImages bool) string {
	if withImages {
		return c.opts.VisionModel
	}
	return c.opts.Model
}

// Chat sends req and returns the model's answer text. Failures are apperr
// values wrapping one of ErrRefused (422), ErrRateLimited (429), ErrTimeout
// (503), ErrUnavailable (503), ErrNoVision (422) or ErrInvalid (422), so
// callers may both show them and branch with errors.Is. Nothing is retried,
// except a JSON-mode request that a compatible server refused, which is
// sent once more without JSON mode.
func (c *Client) Chat(ctx context.Context, req Request) (string, error) {
	creq, err := c.chatRequest(req)
	if err != nil {
		return "", err
	}
	answer, err := c.send(ctx, creq)
	if errors.Is(err, errNoJSONMode) && c.opts.Profile == ProfileCompatible {
		c.noJSON.Store(true)
		creq.ResponseFormat = nil
		answer, err = c.send(ctx, creq)
	}
	if errors.Is(err, errNoJSONMode) { // OpenAI itself, or a server that refuses it without JSON mode too
		return "", fail(ErrInvalid, apperr.Invalid("the assistant rejected the request"), err)
	}
	return answer, err
}

func (c *Client) chatRequest(req Request) (goopenai.ChatCompletionRequest, error) {
	if len(req.Images) > 0 && !c.Vision() {
		return goopenai.ChatCompletionRequest{}, fail(ErrNoVision, apperr.Invalid("this server has no image-capable model configured"), nil)
	}
	if len(req.Images) > maxImages {
		return goopenai.ChatCompletionRequest{}, fail(ErrInvalid, apperr.Invalid("at most %d images may be sent at once", maxImages), nil)
	}
	system := req.System
	if req.JSON && !mentionsJSON(req) {
		system += "\nAnswer in JSON." // OpenAI's JSON mode requires the word in the messages
	}
	var msgs []goopenai.ChatCompletionMessage
	if system != "" {
		msgs = append(msgs, goopenai.ChatCompletionMessage{Role: goopenai.ChatMessageRoleSystem, Content: system})
	}
	last := -1
	for _, m := range req.Messages {
		msgs = append(msgs, goopenai.ChatCompletionMessage{Role: string(m.Role), Content: m.Text})
		if m.Role == RoleUser {
			last = len(msgs) - 1
		}
	}
	if len(req.Images) > 0 {
		if last < 0 {
			msgs = append(msgs, goopenai.ChatCompletionMessage{Role: goopenai.ChatMessageRoleUser})
			last = len(msgs) - 1
		}
		parts, err := c.imageParts(msgs[last].Content, req.Images)
		if err != nil {
			return goopenai.ChatCompletionRequest{}, err
		}
		msgs[last] = goopenai.ChatCompletionMessage{Role: goopenai.ChatMessageRoleUser, MultiContent: parts}
	}
	creq := goopenai.ChatCompletionRequest{Model: c.Model(len(req.Images) > 0), Messages: msgs}
	tokens := req.MaxTokens
	if tokens <= 0 {
		tokens = DefaultMaxTokens
	}
	if c.opts.Profile == ProfileOpenAI {
		creq.MaxCompletionTokens = tokens // newer OpenAI models refuse max_tokens
	} else {
		creq.MaxTokens = tokens
	}
	if req.JSON && c.opts.Profile != ProfileText && !c.noJSON.Load() {
		creq.ResponseFormat = &goopenai.ChatCompletionResponseFormat{Type: goopenai.ChatCompletionResponseFormatTypeJSONObject}
	}
	return creq, nil
}

func mentionsJSON(req Request) bool {
	if strings.Contains(strings.ToLower(req.System), "json") {
		return true
	}
	for _, m := range req.Messages {
		if strings.Contains(strings.ToLower(m.Text), "json") {
			return true
		}
	}
	return false
}

// imageParts turns text and images into one user message's parts, images
// as data: URLs at low detail (OpenAI bills a low-detail image as 85 tokens).
func (c *Client) imageParts(text string, images []Image) ([]goopenai.ChatMessagePart, error) {
	var parts []goopenai.ChatMessagePart
	if text != "" {
		parts = append(parts, goopenai.ChatMessagePart{Type: goopenai.ChatMessagePartTypeText, Text: text})
	}
	for _, img := range images {
		if len(img.Data) == 0 || len(img.Data) > c.opts.MaxImageBytes {
			return nil, fail(ErrInvalid, apperr.Invalid("an image sent to the assistant must be 1 to %d bytes", c.opts.MaxImageBytes), nil)
		}
		mt := img.MediaType
		if mt == "" {
			mt = http.DetectContentType(img.Data)
		}
		switch mt {
		case "image/jpeg", "image/png", "image/webp", "image/gif":
		default:
			return nil, fail(ErrInvalid, apperr.Invalid("the assistant takes JPEG, PNG, WebP or GIF images, not %s", mt), nil)
		}
		parts = append(parts, goopenai.ChatMessagePart{Type: goopenai.ChatMessagePartTypeImageURL,
			ImageURL: &goopenai.ChatMessageImageURL{
				URL:    "data:" + mt + ";base64," + base64.StdEncoding.EncodeToString(img.Data),
				Detail: goopenai.ImageURLDetailLow,
			}})
	}
	return parts, nil
}

// send makes one call within the configured timeout.
func (c *Client) send(ctx context.Context, creq goopenai.ChatCompletionRequest) (string, error) {
	tctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	doer := openaihttp.NewDoer(c.http, c.opts.MaxAnswerBytes)
	resp, err := doer.Client(c.opts.APIKey, c.opts.BaseURL).CreateChatCompletion(tctx, creq)
	if err != nil {
		if ctx.Err() != nil {
			return "", fmt.Errorf("call chat model: %w", ctx.Err()) // the caller gave up; nothing to show
		}
		return "", classify(err, doer.Last(), tctx.Err() != nil, c.opts.Timeout)
	}
	if len(resp.Choices) == 0 {
		return "", fail(ErrUnavailable, apperr.Unavailable("the assistant answered without a message"), nil)
	}
	ch := resp.Choices[0]
	if ch.Message.Refusal != "" || ch.FinishReason == goopenai.FinishReasonContentFilter {
		return "", fail(ErrRefused, apperr.Invalid("the assistant declined to answer this"), nil)
	}
	answer := strings.TrimSpace(ch.Message.Content)
	if answer == "" {
		return "", fail(ErrUnavailable, apperr.Unavailable("the assistant answered with an empty message"), nil)
	}
	return answer, nil
}
