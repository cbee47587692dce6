package assistant

import (
	"bufio"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/internal/openaihttp"
)

// The kinds of failure Chat and the features return, for errors.Is. Each
// comes wrapped in an apperr value whose status and message the API shows.
var (
	// ErrRefused: the model (or the provider's filter) declined (422).
	ErrRefused = errors.New("assistant refused")
	// ErrRateLimited: the provider answered 429 (429).
	ErrRateLimited = errors.New("assistant rate limited")
	// ErrTimeout: no answer within ClientOptions.Timeout (503).
	ErrTimeout = errors.New("assistant timed out")
	// ErrUnavailable: unreachable, failing, misconfigured, out of credit, or
	// an answer that could not be read (503).
	ErrUnavailable = errors.New("assistant unavailable")
	// ErrNoVision: images were asked for but no vision model is configured (422).
	ErrNoVision = errors.New("assistant has no vision model")
	// ErrInvalid: the provider or the client refused the request as malformed (422).
	ErrInvalid = errors.New("assistant request invalid")
	// ErrQuota: the user's daily quota for the feature is used up (429).
	ErrQuota = errors.New("assistant quota exceeded")
)

// errNoJSONMode is a 400 about response_format: the server lacks JSON mode.
var errNoJSONMode = errors.New("server has no JSON mode")

// fail returns shown carrying kind (and cause) for errors.Is.
func fail(kind error, shown *apperr.Error, cause error) error {
	if cause != nil {
		return apperr.Wrap(shown, fmt.Errorf("%w: %w", kind, cause))
	}
	return apperr.Wrap(shown, kind)
}

// OpenAI's error codes for refusals and an account out of credit.
const (
	codeContentPolicy     = "content_policy_violation"
	codeContentFilter     = "content_filter"
	codeInsufficientQuota = "insufficient_quota"
)

// classify maps a go-openai error to a kind, by HTTP status and OpenAI
// error code, never by message text.
func classify(err error, last openaihttp.Attempt, timedOut bool, timeout time.Duration) error {
	if timedOut {
		return fail(ErrTimeout, apperr.Unavailable("the assistant did not answer within %s", timeout), err)
	}
	if errors.Is(err, openaihttp.ErrTooLarge) || errors.Is(err, bufio.ErrTooLong) {
		return fail(ErrUnavailable, apperr.Unavailable("the assistant sent an answer that is too large"), err)
	}
	status, code, ok := openaihttp.StatusAndCode(err)
	switch {
	case !ok && last.Status >= 200 && last.Status < 300:
		return fail(ErrUnavailable, apperr.Unavailable("the assistant sent a malformed answer"), err)
	case !ok:
		return fail(ErrUnavailable, apperr.Unavailable("could not reach the assistant"), err)
	case code == codeContentPolicy || code == codeContentFilter || status == http.StatusUnavailableForLegalReasons:
		return fail(ErrRefused, apperr.Invalid("the assistant declined to answer this"), err)
	case status == http.StatusTooManyRequests && code == codeInsufficientQuota:
		return fail(ErrUnavailable, apperr.Unavailable("the assistant's account has run out of credit"), err)
	case status == http.StatusTooManyRequests:
		return fail(ErrRateLimited, apperr.RateLimited("the assistant is busy; try again in a minute"), err)
	case status >= 500:
		return fail(ErrUnavailable, apperr.Unavailable("the assistant is having problems; try again later"), err)
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return fail(ErrUnavailable, apperr.Unavailable("the assistant refused this server's credentials"), err)
	case status == http.StatusNotFound:
		return fail(ErrUnavailable, apperr.Unavailable("the assistant does not know the configured model"), err)
	case status == http.StatusBadRequest && openaihttp.ErrorParam(last.ErrBody) == "response_format":
		return fmt.Errorf("%w: %w", errNoJSONMode, err)
	case status == http.StatusBadRequest || status == http.StatusUnprocessableEntity:
		return fail(ErrInvalid, apperr.Invalid("the assistant rejected the request"), err)
	}
	return fail(ErrUnavailable, apperr.Unavailable("the assistant answered with status %d", status), err)
}
