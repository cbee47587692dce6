package openai

import (
	"context"
	"net/http"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/pictor-social/pictor/screening"
)

// PostScreener is the screening backend over the Moderations endpoint: it
// reports every category score go-openai models, folded into
// screening.Categories, with the flagged one that scored highest. It shares
// Moderator's bounded bodies and retries; the caller's context bounds the
// whole call.
type PostScreener struct {
	m *Moderator
}

// NewPostScreener returns a PostScreener for opts, as NewModerator (it fails
// with ErrNoAPIKey without a key).
func NewPostScreener(opts Options, httpClient *http.Client) (*PostScreener, error) {
	m, err := NewModerator(opts, httpClient)
	if err != nil {
		return nil, err
	}
	return &PostScreener{m: m}, nil
}

// Screen implements screening.Screener.
func (p *PostScreener) Screen(ctx context.Context, text string) (screening.Result, error) {
	res, model, err := p.m.moderate(ctx, text)
	if err != nil {
		return screening.Result{}, err
	}
	r := screening.Result{Flagged: res.Flagged, Backend: "openai", Model: model, Scores: scoresOf(res.CategoryScores)}
	flagged := flaggedCategories(res.Categories)
	if res.Flagged && len(flagged) == 0 {
		flagged = []string{screening.Other}
		r.Scores[screening.Other] = max(r.Scores[screening.Other], 0)
	}
	r = r.Top(flagged)
	if r.Flagged {
		r.Reason = "flagged by the moderation service"
	}
	return r, nil
}

func scoresOf(s goopenai.ResultCategoryScores) map[string]float64 {
	out := map[string]float64{}
	for name, v := range map[string]float32{
		"hate": s.Hate, "hate/threatening": s.HateThreatening,
		"harassment": s.Harassment, "harassment/threatening": s.HarassmentThreatening,
		"self-harm": s.SelfHarm, "self-harm/intent": s.SelfHarmIntent, "self-harm/instructions": s.SelfHarmInstructions,
		"sexual": s.Sexual, "sexual/minors": s.SexualMinors,
		"violence": s.Violence, "violence/graphic": s.ViolenceGraphic,
	} {
		screening.Merge(out, name, float64(v))
	}
	return out
}
