package openai

import (
	"context"
	"net/http"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/pictor-social/pictor/genimage"
	"github.com/pictor-social/pictor/internal/apperr"
)

// Moderator screens text through the Moderations endpoint (model
// omni-moderation-latest by default). It is safe for concurrent use.
type Moderator struct {
	caller
}

// NewModerator returns a Moderator for opts (only APIKey, BaseURL,
// ModerationModel, ModerationTimeout and the retry settings matter). It fails
// with ErrNoAPIKey without a key, so the caller can fall back to a word list.
func NewModerator(opts Options, httpClient *http.Client) (*Moderator, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if o.APIKey == "" {
		return nil, ErrNoAPIKey
	}
	return &Moderator{caller: newCaller(o, httpClient)}, nil
}

const maxModerationBody = 1 << 20

// Screen asks the Moderations endpoint about text. A flagged verdict lists
// the flagged categories; categories that go-openai v1.43.0 does not model
// (such as "illicit") show up as "other". It retries 429 and 5xx like
// Generate; an error means no verdict was reached.
func (m *Moderator) Screen(ctx context.Context, text string) (genimage.Verdict, error) {
	r, _, err := m.moderate(ctx, text)
	if err != nil || !r.Flagged {
		return genimage.Verdict{}, err
	}
	cats := flaggedCategories(r.Categories)
	if len(cats) == 0 {
		cats = []string{"other"}
	}
	return genimage.Verdict{Flagged: true, Categories: cats, Reason: "flagged by the moderation service"}, nil
}

// moderate is the one call to the Moderations endpoint that prompt
// moderation (Screen) and post screening (PostScreener) share: it returns
// the result for text and the model that answered (the configured one when
// the answer names none). An answer without a result is an
// apperr.Unavailable error.
func (m *Moderator) moderate(ctx context.Context, text string) (goopenai.Result, string, error) {
	var resp goopenai.ModerationResponse
	err := m.call(ctx, m.opts.ModerationTimeout, maxModerationBody, nil, func(ctx context.Context, cl *goopenai.Client) error {
		var err error
		resp, err = cl.Moderations(ctx, goopenai.ModerationRequest{Input: text, Model: m.opts.ModerationModel})
		return err
	})
	if err != nil {
		return goopenai.Result{}, "", err
	}
	if len(resp.Results) == 0 {
		return goopenai.Result{}, "", apperr.Unavailable("the moderation service answered without a result")
	}
	model := resp.Model
	if model == "" {
		model = m.opts.ModerationModel
	}
	return resp.Results[0], model, nil
}

func flaggedCategories(c goopenai.ResultCategories) []string {
	all := []struct {
		name string
		set  bool
	}{
		{"harassment", c.Harassment}, {"harassment/threatening", c.HarassmentThreatening},
		{"hate", c.Hate}, {"hate/threatening", c.HateThreatening},
		{"self-harm", c.SelfHarm}, {"self-harm/intent", c.SelfHarmIntent},
		{"self-harm/instructions", c.SelfHarmInstructions},
		{"sexual", c.Sexual}, {"sexual/minors", c.SexualMinors},
		{"violence", c.Violence}, {"violence/graphic", c.ViolenceGraphic},
	}
	var out []string
	for _, a := range all {
		if a.set {
			out = append(out, a.name)
		}
	}
	return out
}
