package genimage

import (
	"context"
	"fmt"
	"strings"

	"github.com/pictor-social/pictor/internal/apperr"
)

// Refusal stages.
const (
	StagePrompt = "prompt" // our own screening, before any provider sees the prompt
	StageInput  = "input"  // the provider's safety system refused the prompt
	StageOutput = "output" // the provider's safety system refused the generated image
)

// RefusalError reports that a prompt or its image was refused on safety
// grounds. It is final: retrying gives the same verdict, so callers must not
// retry it and should count it as a user error. Error returns a text meant for
// the user; errors.As with *apperr.Error finds a 422 carrying the same text.
type RefusalError struct {
	Stage      string   // StagePrompt, StageInput or StageOutput ("" when the provider did not say)
	Categories []string // e.g. "sexual", "violence"; may be empty
	Message    string   // extra user-safe detail, e.g. the matched word-list term; may be empty
}

// Error returns a user-clear sentence, for example "The image provider's safety
// system refused this request (stage: output; categories: sexual). Please
// rephrase your prompt."
func (e *RefusalError) Error() string {
	var b strings.Builder
	if e.Stage == StagePrompt {
		b.WriteString("This prompt was refused by this server's content rules")
	} else {
		b.WriteString("The image provider's safety system refused this request")
	}
	var details []string
	if e.Stage == StageInput || e.Stage == StageOutput {
		details = append(details, "stage: "+e.Stage)
	}
	if len(e.Categories) > 0 {
		details = append(details, "categories: "+strings.Join(e.Categories, ", "))
	}
	if e.Message != "" {
		details = append(details, e.Message)
	}
	if len(details) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(details, "; "))
	}
	b.WriteString(". Please rephrase your prompt.")
	return b.String()
}

// Unwrap exposes the refusal as an apperr.Invalid, so that apperr.StatusOf
// and apperr.MessageOf treat it as a user error with this text.
func (e *RefusalError) Unwrap() error {
	return apperr.Invalid("%s", e.Error())
}

// Verdict is a moderator's answer about one text. Categories and Reason are
// set only when Flagged.
type Verdict struct {
	Flagged    bool
	Categories []string
	Reason     string // user-safe, e.g. `contains "gore"`
}

// Moderator screens text. Screen returns an error only when it could not reach
// a verdict (network, quota); callers decide whether that fails closed.
// Implementations are safe for concurrent use.
type Moderator interface {
	Screen(ctx context.Context, text string) (Verdict, error)
}

// ScreenPrompt screens prompt with m and returns a *RefusalError at
// StagePrompt when it is flagged, the moderator's error (wrapped) when there
// is no verdict, and nil when the prompt may be generated.
func ScreenPrompt(ctx context.Context, m Moderator, prompt string) error {
	v, err := m.Screen(ctx, prompt)
	if err != nil {
		return fmt.Errorf("screen prompt: %w", err)
	}
	if v.Flagged {
		return &RefusalError{Stage: StagePrompt, Categories: v.Categories, Message: v.Reason}
	}
	return nil
}

// Chain returns a Moderator that asks each of ms in order and returns the
// first flagged verdict, or the first error. With no moderators nothing is
// flagged.
func Chain(ms ...Moderator) Moderator { return chain(ms) }

type chain []Moderator

func (c chain) Screen(ctx context.Context, text string) (Verdict, error) {
	for _, m := range c {
		v, err := m.Screen(ctx, text)
		if err != nil || v.Flagged {
			return v, err
		}
	}
	return Verdict{}, nil
}
