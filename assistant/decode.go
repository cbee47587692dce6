package assistant

import (
	"encoding/json"
	"strings"

	"github.com/pictor-social/pictor/internal/apperr"
)

// Decode reads the JSON value of a model's answer into a T. It takes the
// answer as it is when it is JSON (JSON mode), else the first JSON object
// or array that decodes into a T from a ```json fence or from the prose
// around it, as models without JSON mode answer. An answer without one is
// an ErrUnavailable apperr ("could not be read").
//
// A candidate that decodes with no unknown fields is preferred, so prose
// mentioning some other object does not hide the answer after it.
func Decode[T any](answer string) (T, error) {
	cands := jsonCandidates(answer)
	for _, strict := range []bool{true, false} {
		for _, cand := range cands {
			var try T
			dec := json.NewDecoder(strings.NewReader(cand))
			if strict {
				dec.DisallowUnknownFields()
			}
			if dec.Decode(&try) == nil && !dec.More() {
				return try, nil
			}
		}
	}
	var zero T
	return zero, fail(ErrUnavailable, apperr.Unavailable("the assistant's answer could not be read"), nil)
}

// maxCandidates bounds the work on a long answer full of brackets.
const maxCandidates = 16

// jsonCandidates lists, in order of preference, the pieces of s that may be
// its JSON answer: s itself, the body of each fenced code block, then each
// balanced {...} or [...] span in the text.
func jsonCandidates(s string) []string {
	s = strings.TrimSpace(s)
	out := []string{s}
	rest := s
	for len(out) < maxCandidates {
		i := strings.Index(rest, "```")
		if i < 0 {
			break
		}
		body := rest[i+3:]
		if nl := strings.IndexByte(body, '\n'); nl >= 0 && !strings.ContainsAny(body[:nl], "{[") {
			body = body[nl+1:] // the info string: ```json
		}
		end := strings.Index(body, "```")
		if end < 0 {
			out = append(out, strings.TrimSpace(body))
			break
		}
		out = append(out, strings.TrimSpace(body[:end]))
		rest = body[end+3:]
	}
	for i := 0; i < len(s) && len(out) < maxCandidates; i++ {
		if s[i] != '{' && s[i] != '[' {
			continue
		}
		if end := balancedEnd(s, i); end > i {
			out = append(out, s[i:end])
		}
	}
	return out
}

// balancedEnd returns the index just past the bracket that closes the one
// at s[start], skipping brackets inside JSON strings; -1 when it is not
// closed.
func balancedEnd(s string, start int) int {
	var stack []byte
	inString, escaped := false, false
	for i := start; i < len(s); i++ {
		c := s[i]
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			stack = append(stack, c)
		case c == '}' || c == ']':
			if len(stack) == 0 || (c == '}') != (stack[len(stack)-1] == '{') {
				return -1
			}
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				return i + 1
			}
		}
	}
	return -1
}
