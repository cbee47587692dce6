package openai

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/pictor-social/pictor/genimage"
	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/internal/openaihttp"
)

// The Images API streams a GPT image generation as server-sent events when
// asked with "stream": true: up to partial_images events of type
// image_generation.partial_image, then one image_generation.completed
// carrying the final image and the usage, or an "error" event. go-openai
// v1.43.0 cannot ask for this, so this file is a small client for that one
// call; it shares the retry loop and the error classification with the
// go-openai path.

// Stream event types (product.md 3.2).
const (
	eventPartial   = "image_generation.partial_image"
	eventCompleted = "image_generation.completed"
	eventError     = "error"
)

// errStreamEnded reports a stream that closed before its completed event.
var errStreamEnded = errors.New("image stream ended before the completed event")

// streamFailure is a failure status answered to a streaming request, or an
// error event inside the stream, with the body that explains it.
type streamFailure struct {
	status int    // the HTTP status, or one implied by an error event's code and type
	code   string // OpenAI's error code, such as moderation_blocked
	body   []byte // OpenAI's error envelope or the error event, for refusal details
	midway bool   // partial images had arrived before the error
}

func (e *streamFailure) Error() string {
	return fmt.Sprintf("image stream failed: status %d, code %q", e.status, e.code)
}

// streamRequest is the body of a streaming generation: the go-openai
// request's fields plus the two it lacks.
type streamRequest struct {
	goopenai.ImageRequest
	Stream        bool `json:"stream"`
	PartialImages int  `json:"partial_images"`
}

// streamEvent holds the fields Pictor reads from any stream event. Error
// events come nested ({"type":"error","error":{...}}) or flat (code and
// message at the top level); both are read.
type streamEvent struct {
	Type              string `json:"type"`
	B64JSON           string `json:"b64_json"`
	PartialImageIndex int    `json:"partial_image_index"`
	Usage             struct {
		InputTokens  int `json:"input_tokens"`
		OutputTokens int `json:"output_tokens"`
		TotalTokens  int `json:"total_tokens"`
	} `json:"usage"`
	Code  any `json:"code"`
	Error *struct {
		Type string `json:"type"`
		Code any    `json:"code"`
	} `json:"error"`
}

// streams reports whether a request goes through the streaming call: only
// GPT image models on OpenAI stream, and only one image per request, since
// stream events carry no image index.
func (b *Backend) streams(req genimage.Request) bool {
	return b.opts.PartialImages > 0 && b.opts.Profile == ProfileOpenAI && req.Count() == 1
}

// maxEventBytes bounds one event: a base64 image of MaxImageBytes plus its
// JSON fields.
func (b *Backend) maxEventBytes() int64 { return b.opts.MaxImageBytes*4/3 + 64<<10 }

// generateStream asks for one image with PartialImages previews, reporting
// each preview as Progress.Partial, and returns the completed event's image
// byte for byte.
func (b *Backend) generateStream(ctx context.Context, req genimage.Request, progress func(genimage.Progress)) (genimage.Result, error) {
	payload, err := json.Marshal(streamRequest{ImageRequest: b.imageRequest(req), Stream: true, PartialImages: b.opts.PartialImages})
	if err != nil {
		return genimage.Result{}, fmt.Errorf("encode image request: %w", err)
	}
	var res genimage.Result
	genimage.Report(progress, genimage.Progress{Stage: genimage.StageRequesting})
	err = b.retry(ctx, b.opts.Timeout, progress, func(ctx context.Context) (attempt, error) {
		var last attempt
		var err error
		res, last, err = b.streamOnce(ctx, payload, progress)
		return last, err
	})
	if err != nil {
		return genimage.Result{}, err
	}
	return res, nil
}

// streamOnce makes one streaming request and reads its answer.
func (b *Backend) streamOnce(ctx context.Context, payload []byte, progress func(genimage.Progress)) (genimage.Result, attempt, error) {
	hreq, err := b.newPost(ctx, "/images/generations", payload, "application/json")
	if err != nil {
		return genimage.Result{}, attempt{}, fmt.Errorf("build image request: %w", err)
	}
	hreq.Header.Set("Accept", "text/event-stream")
	resp, err := b.http.Do(hreq)
	if err != nil {
		return genimage.Result{}, attempt{}, fmt.Errorf("post image request: %w", err)
	}
	defer resp.Body.Close()
	last := attempt{Status: resp.StatusCode, Header: resp.Header}
	if resp.StatusCode >= http.StatusBadRequest {
		last.ErrBody, _ = io.ReadAll(io.LimitReader(resp.Body, openaihttp.MaxErrBody))
		return genimage.Result{}, last, &streamFailure{status: resp.StatusCode, code: errorCode(last.ErrBody), body: last.ErrBody}
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if resp.StatusCode != http.StatusOK || mt != "text/event-stream" {
		return genimage.Result{}, last, fmt.Errorf("image stream answered %d %q", resp.StatusCode, mt)
	}
	// Every event but unknown ones is a preview or the final image: bound the total accordingly.
	limit := int64(b.opts.PartialImages+1)*b.maxEventBytes() + 64<<10
	res, err := b.readStream(openaihttp.LimitBody(resp.Body, limit), progress)
	return res, last, err
}

// newPost builds a POST of body to the API path (after BaseURL), with the
// API key when one is configured; for the calls go-openai cannot make.
func (b *Backend) newPost(ctx context.Context, path string, body []byte, contentType string) (*http.Request, error) {
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, b.opts.BaseURL+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	hreq.Header.Set("Content-Type", contentType)
	if b.opts.APIKey != "" {
		hreq.Header.Set("Authorization", "Bearer "+b.opts.APIKey)
	}
	return hreq, nil
}

// readStream parses server-sent events (lines of "field: value", an event
// ending at a blank line) until the completed or an error event.
func (b *Backend) readStream(r io.Reader, progress func(genimage.Progress)) (genimage.Result, error) {
	maxEvent := b.maxEventBytes()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), int(maxEvent))
	st := streamState{progress: progress}
	var name string
	var data []byte
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 {
			if len(data) > 0 {
				if res, done, err := b.handleEvent(&st, name, data); done || err != nil {
					return res, err
				}
			}
			name, data = "", data[:0]
			continue
		}
		field, value, _ := bytes.Cut(line, []byte(":"))
		value = bytes.TrimPrefix(value, []byte(" "))
		switch string(field) {
		case "event":
			name = string(value)
		case "data":
			if int64(len(data)+len(value)+1) > maxEvent {
				return genimage.Result{}, openaihttp.ErrTooLarge
			}
			if len(data) > 0 {
				data = append(data, '\n')
			}
			data = append(data, value...)
		} // comments (":") and id/retry fields mean nothing here
	}
	if err := sc.Err(); err != nil {
		return genimage.Result{}, fmt.Errorf("read image stream: %w", err)
	}
	return genimage.Result{}, errStreamEnded
}

// streamState is what readStream remembers between events.
type streamState struct {
	progress func(genimage.Progress)
	partials int // previews reported so far
}

// handleEvent acts on one event; done is true once the final image is in.
func (b *Backend) handleEvent(st *streamState, name string, data []byte) (genimage.Result, bool, error) {
	var ev streamEvent
	if err := json.Unmarshal(data, &ev); err != nil {
		return genimage.Result{}, false, fmt.Errorf("decode image stream event: %w", err)
	}
	typ := ev.Type
	if typ == "" {
		typ = name
	}
	switch typ {
	case eventPartial:
		img, err := b.decodeImage(ev.B64JSON)
		if err != nil {
			return genimage.Result{}, false, nil // a preview is only a preview: skip a bad one
		}
		st.partials++
		genimage.Report(st.progress, genimage.Progress{Stage: genimage.StageRequesting, Partial: &img,
			Fraction: float64(min(ev.PartialImageIndex+1, b.opts.PartialImages)) / float64(b.opts.PartialImages+1)})
	case eventCompleted:
		img, err := b.decodeImage(ev.B64JSON)
		if err != nil {
			return genimage.Result{}, false, err
		}
		genimage.Report(st.progress, genimage.Progress{Stage: genimage.StageDone, Fraction: 1})
		return b.result([]genimage.Image{img}, "", genimage.Usage{InputTokens: ev.Usage.InputTokens,
			OutputTokens: ev.Usage.OutputTokens, TotalTokens: ev.Usage.TotalTokens}), true, nil
	case eventError:
		return genimage.Result{}, false, eventFailure(ev, bytes.Clone(data), st.partials > 0)
	}
	return genimage.Result{}, false, nil // other event types may come; they carry nothing Pictor uses
}

// decodeImage decodes a base64 image and checks it like any other.
func (b *Backend) decodeImage(b64 string) (genimage.Image, error) {
	if b64 == "" {
		return genimage.Image{}, apperr.Unavailable("the image service sent an empty image entry")
	}
	data, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return genimage.Image{}, apperr.Wrap(apperr.Unavailable("the image service sent a malformed image"), err)
	}
	return b.check(data)
}

// eventFailure turns an error event into a streamFailure with the status a
// non-streaming call would have answered, so that classify treats both alike.
func eventFailure(ev streamEvent, data []byte, midway bool) *streamFailure {
	typ, code := "", codeOf(ev.Code)
	if ev.Error != nil {
		typ = ev.Error.Type
		if c := codeOf(ev.Error.Code); c != "" {
			code = c
		}
	}
	status := http.StatusInternalServerError
	switch {
	case code == codeModerationBlocked || code == codeContentPolicyViolation ||
		typ == "image_generation_user_error" || typ == "invalid_request_error":
		status = http.StatusBadRequest
	case code == codeInsufficientQuota || code == "rate_limit_exceeded":
		status = http.StatusTooManyRequests
	}
	return &streamFailure{status: status, code: code, body: data, midway: midway}
}

// errorCode reads error.code from an error envelope.
func errorCode(body []byte) string {
	var env struct {
		Error struct {
			Code any `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(body, &env) // a body without a code still has a status
	return codeOf(env.Error.Code)
}

func codeOf(v any) string {
	s, _ := v.(string)
	return strings.TrimSpace(s)
}
