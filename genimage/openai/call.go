package openai

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/pictor-social/pictor/genimage"
	"github.com/pictor-social/pictor/internal/openaihttp"
)

// caller runs API calls through go-openai with per-attempt timeouts, bounded
// bodies and retries on 429 and 5xx.
type caller struct {
	opts  Options
	http  *http.Client                                     // Timeout cleared: deadlines come from contexts
	sleep func(ctx context.Context, d time.Duration) error // replaced in tests
}

func newCaller(opts Options, hc *http.Client) caller {
	// a caller's 30-second client timeout must not cut a 3-minute generation
	return caller{opts: opts, http: openaihttp.Detached(hc), sleep: sleepCtx}
}

// attempt is what one HTTP exchange left behind for error classification.
type attempt = openaihttp.Attempt

// call runs fn through go-openai until it succeeds, fails finally, or
// retries run out. Each try gets a fresh client, a timeout of perTry and a
// response bound of limit.
func (c caller) call(ctx context.Context, perTry time.Duration, limit int64, progress func(genimage.Progress),
	fn func(ctx context.Context, cl *goopenai.Client) error) error {
	return c.retry(ctx, perTry, progress, func(ctx context.Context) (attempt, error) {
		doer := openaihttp.NewDoer(c.http, limit)
		err := fn(ctx, doer.Client(c.opts.APIKey, c.opts.BaseURL))
		return doer.Last(), err
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
		wait := c.retryWait(last.Header, n)
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
	if d, ok := openaihttp.RetryAfter(h, time.Now()); ok {
		return min(d, c.opts.MaxRetryWait)
	}
	d := time.Second << min(try, 10)
	d += time.Duration(rand.Int64N(int64(d) / 4)) // jitter spreads out clients that failed together
	return min(d, c.opts.MaxRetryWait)
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
