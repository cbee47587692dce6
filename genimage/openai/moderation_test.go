package openai

import (
	"context"
	"errors"
	"image/color"
	"net/http"
	"slices"
	"testing"

	"github.com/pictor-social/pictor/genimage"
	"github.com/pictor-social/pictor/internal/testkit/fakeopenai"
)

var colourRed = color.RGBA{R: 255, A: 255}

func newModerator(t *testing.T, fake *fakeopenai.Server) (*Moderator, *sleeps) {
	t.Helper()
	m, err := NewModerator(Options{APIKey: "sk-test", BaseURL: fake.BaseURL()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := &sleeps{}
	m.sleep = s.sleep
	return m, s
}

func TestModeratorScreen(t *testing.T) {
	cases := []struct {
		name  string
		reply []fakeopenai.Reply
		want  genimage.Verdict
	}{
		{"clean", []fakeopenai.Reply{fakeopenai.NotFlagged()}, genimage.Verdict{}},
		{"flagged", []fakeopenai.Reply{fakeopenai.Flagged("sexual", "violence")},
			genimage.Verdict{Flagged: true, Categories: []string{"sexual", "violence"}, Reason: "flagged by the moderation service"}},
		{"category go-openai lacks", []fakeopenai.Reply{fakeopenai.Flagged("illicit")},
			genimage.Verdict{Flagged: true, Categories: []string{"other"}, Reason: "flagged by the moderation service"}},
		{"retried after 500", []fakeopenai.Reply{fakeopenai.ServerError(), fakeopenai.Flagged("hate")},
			genimage.Verdict{Flagged: true, Categories: []string{"hate"}, Reason: "flagged by the moderation service"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fake := fakeopenai.New(t)
			fake.QueueModerations(tc.reply...)
			m, _ := newModerator(t, fake)
			v, err := m.Screen(context.Background(), "some prompt")
			if err != nil {
				t.Fatal(err)
			}
			if v.Flagged != tc.want.Flagged || v.Reason != tc.want.Reason || !slices.Equal(v.Categories, tc.want.Categories) {
				t.Errorf("verdict = %+v, want %+v", v, tc.want)
			}
			body := fake.RequestsTo(fakeopenai.ModerationsPath)[0].JSON()
			if body["model"] != DefaultModerationModel || body["input"] != "some prompt" {
				t.Errorf("sent %v", body)
			}
		})
	}
}

func TestModeratorThroughScreenPrompt(t *testing.T) {
	fake := fakeopenai.New(t)
	fake.HandleModerations(fakeopenai.Flagged("sexual/minors"))
	m, _ := newModerator(t, fake)
	err := genimage.ScreenPrompt(context.Background(), m, "bad prompt")
	var re *genimage.RefusalError
	if !errors.As(err, &re) || re.Stage != genimage.StagePrompt || !slices.Equal(re.Categories, []string{"sexual/minors"}) {
		t.Fatalf("ScreenPrompt = %v", err)
	}
}

func TestModeratorFailures(t *testing.T) {
	fake := fakeopenai.New(t)
	fake.HandleModerations(fakeopenai.ErrorReply(http.StatusUnauthorized, "invalid_request_error", "invalid_api_key", "bad key"))
	m, _ := newModerator(t, fake)
	if _, err := m.Screen(context.Background(), "p"); err == nil {
		t.Fatal("Screen succeeded against a 401")
	}
	t.Setenv("OPENAI_API_KEY", "")
	if _, err := NewModerator(Options{BaseURL: fake.BaseURL()}, nil); !errors.Is(err, ErrNoAPIKey) {
		t.Fatalf("NewModerator without key = %v", err)
	}
}
