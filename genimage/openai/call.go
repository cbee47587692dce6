package openai

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/pictor-social/pictor/genimage"
)

// caller runs API calls through go-openai with per-attempt timeouts, bounded
// bodies and retries on 429 and 5xx.
type caller struct {
	opts  Options
	http  *http.Client                                     // Timeout cleared: deadlines come from contexts
	sleep func(ctx context.Context, d time.Duration) error // replaced in tests
}

func newCaller(opts Options, hc *http.Client) caller {
	if hc == nil {
		hc = http.DefaultClient
	}
	c := *hc // a caller's 30-second client timeout must not cut a 3-minute generation
	c.Timeout = 0
	return caller{opts: opts, http: &c, sleep: sleepCtx}
}

// attempt is what one HTTP exchange left behind for error classification.
type attempt struct {
	status  int
	header  http.Header
	errBody []byte // the body of a failure status, at most maxErrBody bytes
}

const maxErrBody = 64 << 10

// errTooLarge reports a response body over the configured bound.
var errTooLarge = errors.New("response body too large")

// recordingDoer hands go-openai bounded bodies and remembers status, headers
// and failure bodies, which go-openai's error types do not carry
// (moderation_details, Retry-After).
type recordingDoer struct {
	c     *http.Client
	limit int64
	last  attempt
}

func (d *recordingDoer) Do(req *http.Request) (*http.Response, error) {
	resp, err := d.c.Do(req)
	if err != nil {
		return nil, err
	}
	d.last = attempt{status: resp.StatusCode, header: resp.Header}
	if resp.StatusCode >= http.StatusBadRequest {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrBody))
		resp.Body.Close()
		d.last.errBody = body
		resp.Body = io.NopCloser(bytes.NewReader(body))
		return resp, nil
	}
	resp.Body = &limitedBody{ReadCloser: resp.Body, left: d.limit}
	return resp, nil
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
		return n, errTooLarge
	}
	b.left -= int64(n)
	return n, err
}

// call runs fn through go-openai until it succeeds, fails finally, or
// retries run out. Each try gets a fresh client, a timeout of perTry and a
// response bound of limit.
func (c caller) call(ctx context.Context, perTry time.Duration, limit int64, progress func(genimage.Progress),
	fn func(ctx context.Context, cl *goopenai.Client) error) error {
	return c.retry(ctx, perTry, progress, func(ctx context.Context) (attempt, error) {
		doer := &recordingDoer{c: c.http, limit: limit}
		cfg := goopenai.DefaultConfig(c.opts.APIKey) // go-openai sends no Authorization with an empty key
		cfg.BaseURL = c.opts.BaseURL
		cfg.HTTPClient = doer
		err := fn(ctx, goopenai.NewClientWithConfig(cfg))
		return doer.last, err
	})
}

// retry runs try, each time within a timeout of perTry, until it succeeds,
// classify says its failure is final, or retries run out; it waits between
// tries as retryWait says and reports StageWaiting meanwhile.
func (c caller) retry(ctx context.Context, perTry time.Duration, progress func(genimage.Progress),
	try func(ctx context.Context) (attempt, error)) error {
	for n := 0; ; n++ {
		tctx, cancel := context.WithTimeout(ctx, perTry)
		last, err := try(tctx)
		timedOut := tctx.Err() != nil
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("call image service: %w", ctx.Err())
		}
		failure := classify(err, last, timedOut, perTry)
		if !failure.retry || n >= c.opts.MaxRetries {
			return failure.err
		}
		wait := c.retryWait(last.header, n)
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			return failure.err // sleeping would outlive the caller; fail now
		}
		genimage.Report(progress, genimage.Progress{Stage: genimage.StageWaiting})
		if err := c.sleep(ctx, wait); err != nil {
			return fmt.Errorf("wait to retry image service: %w", err)
		}
		genimage.Report(progress, genimage.Progress{Stage: genimage.StageRequesting})
	}
}

// retryWait honours Retry-After (and OpenAI's retry-after-ms) and otherwise
// backs off exponentially from one second with jitter; both capped.
func (c caller) retryWait(h http.Header, try int) time.Duration {
	if d, ok := retryAfter(h, time.Now()); ok {
		return min(d, c.opts.MaxRetryWait)
	}
	d := time.Second << min(try, 10)
	d += time.Duration(rand.Int64N(int64(d) / 4)) // jitter spreads out clients that failed together
	return min(d, c.opts.MaxRetryWait)
}

// retryAfter reads retry-after-ms (milliseconds) or Retry-After (seconds or
// an HTTP date). ok is false when neither is present and valid.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
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

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
