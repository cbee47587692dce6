package openai

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/pictor-social/pictor/genimage"
	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/internal/openaihttp"
)

// failure is a classified error: err is what Generate returns, retry says
// whether another attempt may succeed.
type failure struct {
	err   error
	retry bool
}

// Error codes OpenAI uses for safety refusals (product.md 3.4).
const (
	codeModerationBlocked      = "moderation_blocked"
	codeContentPolicyViolation = "content_policy_violation"
	codeInsufficientQuota      = "insufficient_quota"
)

// classify turns a go-openai error into a failure. It branches on the HTTP
// status and the error code that go-openai exposes in *APIError and
// *RequestError (openaihttp.StatusAndCode), never on message text.
func classify(err error, last attempt, timedOut bool, perTry time.Duration) failure {
	if timedOut {
		// Not retried: the provider may still finish (and bill) the first attempt.
		return failure{err: apperr.Wrap(apperr.Unavailable("the image service did not answer within %s", perTry), err)}
	}
	if errors.Is(err, openaihttp.ErrTooLarge) || errors.Is(err, bufio.ErrTooLong) {
		return failure{err: apperr.Wrap(apperr.Unavailable("the image service sent an answer that is too large"), err)}
	}
	var streamErr *streamFailure
	switch {
	case errors.As(err, &streamErr):
		f := classifyStatus(streamErr.status, streamErr.code, streamErr.body, err)
		// Once previews have arrived the provider has done (and may bill) the work.
		f.retry = f.retry && !streamErr.midway
		return f
	case errors.Is(err, errStreamEnded):
		return failure{err: apperr.Wrap(apperr.Unavailable("the image service stopped answering before the image was ready"), err)}
	case isAppErr(err):
		return failure{err: err} // already says what went wrong, e.g. a final image that is not an image
	}
	if status, code, ok := openaihttp.StatusAndCode(err); ok {
		return classifyStatus(status, code, last.ErrBody, err)
	}
	if last.Status >= 200 && last.Status < 300 {
		return failure{err: apperr.Wrap(apperr.Unavailable("the image service sent a malformed answer"), err)}
	}
	return failure{err: apperr.Wrap(apperr.Unavailable("could not reach the image service"), err)}
}

func isAppErr(err error) bool {
	_, ok := apperr.As(err)
	return ok
}

func classifyStatus(status int, code string, body []byte, err error) failure {
	unavailable := func(msg string) failure {
		return failure{err: apperr.Wrap(apperr.Unavailable("%s", msg), err)}
	}
	switch {
	case code == codeModerationBlocked || code == codeContentPolicyViolation ||
		status == http.StatusUnavailableForLegalReasons:
		return failure{err: refusal(body)}
	case status == http.StatusTooManyRequests && code == codeInsufficientQuota:
		return unavailable("the image service account has run out of credit")
	case status == http.StatusTooManyRequests:
		return failure{err: apperr.Wrap(apperr.RateLimited("the image service is busy; try again in a few minutes"), err), retry: true}
	case status >= 500:
		return failure{err: apperr.Wrap(apperr.Unavailable("the image service is having problems; try again later"), err), retry: true}
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return unavailable("the image service refused this server's credentials or permissions")
	case status == http.StatusNotFound:
		return unavailable("the image service does not know the configured model or endpoint")
	case status == http.StatusBadRequest || status == http.StatusUnprocessableEntity:
		return failure{err: apperr.Wrap(apperr.Invalid("the image service rejected the request%s", paramHint(body)), err)}
	}
	return unavailable(fmt.Sprintf("the image service answered with status %d", status))
}

// errorEnvelope is OpenAI's error body, with the moderation_details that GPT
// image models add to refusals. The details are read both inside "error" and
// at the top level, as their placement is not documented.
type errorEnvelope struct {
	Error struct {
		ModerationDetails *moderationDetails `json:"moderation_details"`
	} `json:"error"`
	ModerationDetails *moderationDetails `json:"moderation_details"`
}

type moderationDetails struct {
	Stage      string   `json:"moderation_stage"`
	Categories []string `json:"categories"`
}

func refusal(body []byte) *genimage.RefusalError {
	var env errorEnvelope
	_ = json.Unmarshal(body, &env) // a refusal without details is still a refusal
	d := env.Error.ModerationDetails
	if d == nil {
		d = env.ModerationDetails
	}
	r := &genimage.RefusalError{}
	if d != nil {
		switch d.Stage {
		case "input":
			r.Stage = genimage.StageInput
		case "output":
			r.Stage = genimage.StageOutput
		}
		r.Categories = safeCategories(d.Categories)
	}
	return r
}

// safeCategories keeps at most 8 short category names made of the characters
// OpenAI uses, since they end up in a message shown to users.
func safeCategories(in []string) []string {
	var out []string
	for _, c := range in {
		if len(out) == 8 {
			break
		}
		ok := len(c) > 0 && len(c) <= 40
		for _, r := range c {
			ok = ok && (r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || strings.ContainsRune("-_/", r))
		}
		if ok {
			out = append(out, c)
		}
	}
	return out
}

func paramHint(body []byte) string {
	if p := openaihttp.ErrorParam(body); p != "" {
		return fmt.Sprintf(" (parameter %q)", p)
	}
	return ""
}
