package openai

import (
	"context"
	"errors"
	"testing"

	"github.com/pictor-social/pictor/genimage"
	"github.com/pictor-social/pictor/internal/testkit/fakeopenai"
)

// Four images are one request with n=4 where the model takes n, else four
// one-image requests at once; either way four images come back with the
// usage of all calls.
func TestVariantsUseNOrParallelCalls(t *testing.T) {
	cases := []struct {
		name     string
		opts     Options
		requests int // image requests the server sees
		n        int // the n each carries (0: none sent)
	}{
		{"gpt image model takes n", Options{}, 1, 4},
		{"localai takes n", Options{Profile: ProfileLocalAI}, 1, 4},
		{"dall-e-3 takes only one", Options{Model: "dall-e-3"}, 4, 1},
		{"generic servers get one call per image", Options{Profile: ProfileGeneric}, 4, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fake := fakeopenai.New(t)
			b, _ := newBackend(t, fake, tc.opts)
			res, err := b.Generate(context.Background(), genimage.Request{Prompt: "a fox", N: 4, Size: "1024x1024"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Images) != 4 {
				t.Fatalf("%d images, want 4", len(res.Images))
			}
			reqs := fake.RequestsTo(fakeopenai.ImagesPath)
			if len(reqs) != tc.requests {
				t.Fatalf("%d image requests, want %d", len(reqs), tc.requests)
			}
			for _, r := range reqs {
				if got, _ := r.JSON()["n"].(float64); int(got) != tc.n {
					t.Fatalf("request n = %v, want %d", r.JSON()["n"], tc.n)
				}
			}
			if tc.opts.Profile != ProfileLocalAI && res.Usage.TotalTokens != tc.requests*fakeopenai.UsageTotal {
				t.Fatalf("usage %+v, want the sum over %d calls", res.Usage, tc.requests)
			}
		})
	}
}

// One refused call of four fails the whole generation with the refusal.
func TestParallelVariantsFailWithTheRefusal(t *testing.T) {
	fake := fakeopenai.New(t)
	fake.QueueImages(fakeopenai.ImageB64(0), fakeopenai.ModerationBlocked("input"))
	b, _ := newBackend(t, fake, Options{Profile: ProfileGeneric})
	_, err := b.Generate(context.Background(), genimage.Request{Prompt: "a fox", N: 3}, nil)
	var ref *genimage.RefusalError
	if !errors.As(err, &ref) {
		t.Fatalf("err = %v, want a refusal", err)
	}
}
