// Package openaihttp holds the HTTP plumbing shared by the callers of
// OpenAI-compatible APIs through go-openai (genimage/openai for images and
// moderation, assistant for chat completions): a go-openai client on a
// caller-supplied HTTP client, response bodies bounded in size, the status,
// headers and error body of the last exchange (which go-openai's error types
// do not carry), the error envelope's param, and Retry-After parsing.
package openaihttp

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	goopenai "github.com/sashabaranov/go-openai"
)

// MaxErrBody bounds the body of a failure status that is kept for
// classification.
const MaxErrBody = 64 << 10

// ErrTooLarge reports a response body over the bound given to NewDoer.
var ErrTooLarge = errors.New("response body too large")

// Attempt is what one HTTP exchange left behind for error classification.
type Attempt struct {
	Status  int
	Header  http.Header
	ErrBody []byte // the body of a failure status, at most MaxErrBody bytes
}

// Doer is a go-openai HTTPDoer that bounds successful bodies and remembers
// the last exchange. One Doer serves one call; it is not safe for concurrent
// use.
type Doer struct {
	c     *http.Client
	limit int64
	last  Attempt
}

// NewDoer returns a Doer over c whose successful response bodies fail with
// ErrTooLarge past limit bytes.
func NewDoer(c *http.Client, limit int64) *Doer { return &Doer{c: c, limit: limit} }

// Last returns the status, headers and failure body of the last exchange.
func (d *Doer) Last() Attempt { return d.last }

// Do sends req and records the answer.
func (d *Doer) Do(req *http.Request) (*http.Response, error) {
	resp, err := d.c.Do(req)
	if err != nil {
		return nil, err
	}
	d.last = Attempt{Status: resp.StatusCode, Header: resp.Header}
	if resp.StatusCode >= http.StatusBadRequest {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, MaxErrBody))
		resp.Body.Close()
		d.last.ErrBody = body
		resp.Body = io.NopCloser(bytes.NewReader(body))
		return resp, nil
	}
	resp.Body = LimitBody(resp.Body, d.limit)
	return resp, nil
}

// Client returns a go-openai client for the API at baseURL (including
// "/v1") that sends through d. An empty apiKey sends no Authorization.
func (d *Doer) Client(apiKey, baseURL string) *goopenai.Client {
	cfg := goopenai.DefaultConfig(apiKey)
	cfg.BaseURL = baseURL
	cfg.HTTPClient = d
	return goopenai.NewClientWithConfig(cfg)
}

// Detached returns a copy of hc (http.DefaultClient when nil) without its
// overall Timeout: deadlines of provider calls come from contexts, so that
// a client's 30-second timeout cannot cut a longer call short.
func Detached(hc *http.Client) *http.Client {
	if hc == nil {
		hc = http.DefaultClient
	}
	c := *hc
	c.Timeout = 0
	return &c
}

// LimitBody wraps rc so that reading more than limit bytes fails with
// ErrTooLarge.
func LimitBody(rc io.ReadCloser, limit int64) io.ReadCloser {
	return &limitedBody{ReadCloser: rc, left: limit}
}

type limitedBody struct {
	io.ReadCloser
	left int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1] // one byte more than allowed reveals an overflow
	}
	n, err := b.ReadCloser.Read(p)
	if int64(n) > b.left {
		n, b.left = int(b.left), 0
		return n, ErrTooLarge
	}
	b.left -= int64(n)
	return n, err
}

// StatusAndCode returns the HTTP status and OpenAI error code carried by a
// go-openai error (*APIError or *RequestError); ok is false for other
// errors (transport failures, malformed answers).
func StatusAndCode(err error) (status int, code string, ok bool) {
	var apiErr *goopenai.APIError
	var reqErr *goopenai.RequestError
	switch {
	case errors.As(err, &apiErr):
		code, _ = apiErr.Code.(string)
		return apiErr.HTTPStatusCode, code, true
	case errors.As(err, &reqErr):
		return reqErr.HTTPStatusCode, "", true
	}
	return 0, "", false
}

// ErrorParam returns the "param" of OpenAI's error envelope in body (the
// request field a 400 is about), or "" when there is none.
func ErrorParam(body []byte) string {
	var env struct {
		Error struct {
			Param *string `json:"param"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &env) == nil && env.Error.Param != nil {
		return *env.Error.Param
	}
	return ""
}

// RetryAfter reads retry-after-ms (milliseconds) or Retry-After (seconds or
// an HTTP date). ok is false when neither is present and valid.
func RetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	if h == nil {
		return 0, false
	}
	if ms, err := strconv.ParseFloat(strings.TrimSpace(h.Get("Retry-After-Ms")), 64); err == nil && ms >= 0 {
		return time.Duration(ms * float64(time.Millisecond)), true
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		return time.Duration(max(s, 0) * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}
