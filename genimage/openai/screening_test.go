package openai

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/pictor-social/pictor/internal/testkit/fakeopenai"
	"github.com/pictor-social/pictor/screening"
)

func newPostScreener(t *testing.T, fake *fakeopenai.Server) *PostScreener {
	t.Helper()
	p, err := NewPostScreener(Options{APIKey: "sk-test", BaseURL: fake.BaseURL()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := &sleeps{}
	p.m.sleep = s.sleep
	return p
}

// Moderation results per category, through the real go-openai client,
// fold into screening's categories with the highest flagged score.
func TestPostScreenerCategories(t *testing.T) {
	cases := []struct {
		name     string
		reply    fakeopenai.Reply
		flagged  bool
		category string
		score    float64
	}{
		{"clean", fakeopenai.NotFlagged(), false, "", 0},
		{"hate", fakeopenai.ModerationScores(map[string]float64{"hate": 0.91}, "hate"), true, screening.Hate, 0.91},
		{"hate threatening folds into hate", fakeopenai.ModerationScores(map[string]float64{"hate": 0.6,
			"hate/threatening": 0.8}, "hate/threatening"), true, screening.Hate, 0.8},
		{"harassment", fakeopenai.ModerationScores(map[string]float64{"harassment": 0.88,
			"harassment/threatening": 0.4}, "harassment"), true, screening.Harassment, 0.88},
		{"graphic violence", fakeopenai.ModerationScores(map[string]float64{"violence/graphic": 0.7},
			"violence/graphic"), true, screening.Violence, 0.7},
		{"sexual", fakeopenai.Flagged("sexual"), true, screening.Sexual, 0.97},
		{"self-harm intent", fakeopenai.ModerationScores(map[string]float64{"self-harm/intent": 0.66},
			"self-harm/intent"), true, screening.SelfHarm, 0.66},
		{"highest flagged wins", fakeopenai.ModerationScores(map[string]float64{"hate": 0.55, "harassment": 0.93,
			"violence": 0.99}, "hate", "harassment"), true, screening.Harassment, 0.93},
		{"category go-openai lacks", fakeopenai.Flagged("illicit"), true, screening.Other, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fake := fakeopenai.New(t)
			fake.QueueModerations(tc.reply)
			r, err := newPostScreener(t, fake).Screen(context.Background(), "some reply")
			if err != nil {
				t.Fatal(err)
			}
			if r.Flagged != tc.flagged || r.Backend != "openai" || r.Model == "" {
				t.Fatalf("result = %+v", r)
			}
			if tc.flagged && (r.Category != tc.category || math.Abs(r.Score-tc.score) > 1e-4) {
				t.Fatalf("category %s score %v, want %s %v (%+v)", r.Category, r.Score, tc.category, tc.score, r)
			}
			body := fake.RequestsTo(fakeopenai.ModerationsPath)[0].JSON()
			if body["input"] != "some reply" {
				t.Errorf("sent %v", body)
			}
		})
	}
}

// Failures reach no verdict; the checker bounds the call and, failing
// open, reports it as unscreened.
func TestPostScreenerFailures(t *testing.T) {
	cases := []struct {
		name  string
		reply fakeopenai.Reply
	}{
		{"bad key", fakeopenai.ErrorReply(401, "invalid_request_error", "invalid_api_key", "Incorrect API key")},
		{"malformed", fakeopenai.Malformed()},
		{"hangs", fakeopenai.Hang()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fake := fakeopenai.New(t)
			fake.HandleModerations(tc.reply)
			p := newPostScreener(t, fake)
			open := screening.NewChecker(p, screening.Options{Timeout: 300 * time.Millisecond}, nil)
			start := time.Now()
			r, failed, err := open.Check(context.Background(), "text")
			if err != nil || !failed || r.Flagged {
				t.Fatalf("fail open: %+v %v %v", r, failed, err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("took %v", d)
			}
			closed := screening.NewChecker(p, screening.Options{Timeout: 300 * time.Millisecond, FailClosed: true}, nil)
			if _, _, err := closed.Check(context.Background(), "text"); !errors.Is(err, screening.ErrUnavailable) {
				t.Fatalf("fail closed: %v", err)
			}
		})
	}
}
