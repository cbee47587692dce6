// Package apperr defines error kinds that carry a message safe to show to users.
// Everything that is not an *Error is an internal failure and is shown as a
// generic message.
package apperr

import (
	"errors"
	"fmt"
	"net/http"
)

// Kind classifies a user-facing error.
type Kind int

// The kinds, each with the HTTP status Mastodon would answer.
const (
	KindInvalid      Kind = iota + 1 // 422
	KindNotFound                     // 404
	KindForbidden                    // 403
	KindUnauthorized                 // 401
	KindConflict                     // 409
	KindRateLimited                  // 429
	KindGone                         // 410
	KindTooLarge                     // 413
	KindBadRequest                   // 400
	KindUnavailable                  // 503
	KindUnsupported                  // 415
)

// Error is an error whose Message may be shown to the user.
type Error struct {
	Kind    Kind
	Message string
	Err     error // optional cause, never shown
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Status returns the HTTP status code for the error kind.
func (e *Error) Status() int {
	switch e.Kind {
	case KindInvalid:
		return http.StatusUnprocessableEntity
	case KindNotFound:
		return http.StatusNotFound
	case KindForbidden:
		return http.StatusForbidden
	case KindUnauthorized:
		return http.StatusUnauthorized
	case KindConflict:
		return http.StatusConflict
	case KindRateLimited:
		return http.StatusTooManyRequests
	case KindGone:
		return http.StatusGone
	case KindTooLarge:
		return http.StatusRequestEntityTooLarge
	case KindBadRequest:
		return http.StatusBadRequest
	case KindUnavailable:
		return http.StatusServiceUnavailable
	case KindUnsupported:
		return http.StatusUnsupportedMediaType
	}
	return http.StatusInternalServerError
}

func newf(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...)}
}

// Invalid reports input that is well-formed but unacceptable (422).
func Invalid(format string, args ...any) *Error { return newf(KindInvalid, format, args...) }

// NotFound reports a missing resource (404).
func NotFound(format string, args ...any) *Error { return newf(KindNotFound, format, args...) }

// Forbidden reports an action the caller may not take (403).
func Forbidden(format string, args ...any) *Error { return newf(KindForbidden, format, args...) }

// Unauthorized reports missing or bad credentials or signatures (401).
func Unauthorized(format string, args ...any) *Error { return newf(KindUnauthorized, format, args...) }

// Conflict reports a state conflict (409).
func Conflict(format string, args ...any) *Error { return newf(KindConflict, format, args...) }

// RateLimited reports an exceeded limit or quota (429).
func RateLimited(format string, args ...any) *Error { return newf(KindRateLimited, format, args...) }

// Gone reports a deleted resource (410).
func Gone(format string, args ...any) *Error { return newf(KindGone, format, args...) }

// TooLarge reports an oversize request body (413).
func TooLarge(format string, args ...any) *Error { return newf(KindTooLarge, format, args...) }

// BadRequest reports malformed input (400).
func BadRequest(format string, args ...any) *Error { return newf(KindBadRequest, format, args...) }

// Unavailable reports a temporary failure of a dependency (503).
func Unavailable(format string, args ...any) *Error { return newf(KindUnavailable, format, args...) }

// Unsupported reports an unsupported media type (415).
func Unsupported(format string, args ...any) *Error { return newf(KindUnsupported, format, args...) }

// Wrap attaches a cause to a user-facing error.
func Wrap(e *Error, cause error) *Error {
	e.Err = cause
	return e
}

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// StatusOf returns the HTTP status for err: the apperr status, 413 for
// http.MaxBytesError, else 500.
func StatusOf(err error) int {
	if e, ok := As(err); ok {
		return e.Status()
	}
	var mb *http.MaxBytesError
	if errors.As(err, &mb) {
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusInternalServerError
}

// MessageOf returns the user-safe message for err.
func MessageOf(err error) string {
	if e, ok := As(err); ok {
		return e.Message
	}
	var mb *http.MaxBytesError
	if errors.As(err, &mb) {
		return fmt.Sprintf("request body is larger than %d bytes", mb.Limit)
	}
	return "internal server error"
}
