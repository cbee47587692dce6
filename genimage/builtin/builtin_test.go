package builtin

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"math"
	"net/http"
	"testing"

	"github.com/pictor-social/pictor/genimage"
	"github.com/pictor-social/pictor/internal/apperr"
)

func generate(t testing.TB, req genimage.Request) genimage.Result {
	t.Helper()
	res, err := New().Generate(context.Background(), req, nil)
	if err != nil {
		t.Fatalf("Generate(%+v): %v", req, err)
	}
	return res
}

func TestGenerateIsDeterministic(t *testing.T) {
	req := genimage.Request{Prompt: "a lighthouse in a storm", Seed: 42, Size: "256x192"}
	a, b := generate(t, req), generate(t, req)
	if !bytes.Equal(a.Images[0].Data, b.Images[0].Data) {
		t.Fatal("equal requests gave different bytes")
	}
	req.Seed = 43
	if c := generate(t, req); bytes.Equal(a.Images[0].Data, c.Images[0].Data) {
		t.Fatal("a different seed gave the same bytes")
	}
}

func TestGenerateResult(t *testing.T) {
	var stages []string
	res, err := New().Generate(context.Background(), genimage.Request{Prompt: "red fox", Size: "320x200", N: 2},
		func(p genimage.Progress) { stages = append(stages, p.Stage) })
	if err != nil {
		t.Fatal(err)
	}
	want := genimage.Provenance{Backend: "builtin", Model: "pictor-abstract-1", DigitalSourceType: genimage.SourceAlgorithmic}
	if res.Provenance != want || len(res.Images) != 2 {
		t.Fatalf("provenance %+v, %d images", res.Provenance, len(res.Images))
	}
	if bytes.Equal(res.Images[0].Data, res.Images[1].Data) {
		t.Error("the two images of one request are identical")
	}
	for _, im := range res.Images {
		cfg, format, err := image.DecodeConfig(bytes.NewReader(im.Data))
		if err != nil || format != "png" || cfg.Width != 320 || cfg.Height != 200 || im.Width != 320 || im.Height != 200 || im.MediaType != "image/png" {
			t.Fatalf("image %dx%d %s (%v), declared %dx%d %s", cfg.Width, cfg.Height, format, err, im.Width, im.Height, im.MediaType)
		}
		if !bytes.Contains(im.Data, []byte("tEXtSoftware\x00Pictor pictor-abstract-1")) {
			t.Error("PNG lacks the Software label")
		}
		if _, err := png.Decode(bytes.NewReader(im.Data)); err != nil { // also checks the inserted chunks' CRCs
			t.Fatalf("decode: %v", err)
		}
	}
	if len(stages) == 0 || stages[len(stages)-1] != genimage.StageDone {
		t.Errorf("stages = %v, want to end with done", stages)
	}
}

func TestGenerateRejects(t *testing.T) {
	cases := []genimage.Request{
		{Prompt: "x", Size: "10x10"},
		{Prompt: "x", Size: "4096x4096"},
		{Prompt: "x", Size: "big"},
		{Prompt: "x", N: MaxImages + 1},
	}
	for _, req := range cases {
		_, err := New().Generate(context.Background(), req, nil)
		if apperr.StatusOf(err) != http.StatusUnprocessableEntity {
			t.Errorf("Generate(%+v) = %v, want a 422", req, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := New().Generate(ctx, genimage.Request{Prompt: "x"}, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled Generate = %v", err)
	}
}

// TestDifferentPromptsLookDifferent compares every pair of a set of prompts:
// most pixels must differ clearly, and so must the mean colours or the
// colour spread, so the images are not just shifted copies of one another.
func TestDifferentPromptsLookDifferent(t *testing.T) {
	prompts := []string{"a cat", "a dog", "a cat ", "sunset over the desert", "blue ocean waves", "forest", "hello world", "A cat"}
	imgs := make([]*image.RGBA, len(prompts))
	for i, p := range prompts {
		imgs[i] = Render(p, 0, 128, 128)
	}
	for i := range imgs {
		for j := i + 1; j < len(imgs); j++ {
			if prompts[i] == "a cat" && prompts[j] == "a cat " {
				if !bytes.Equal(imgs[i].Pix, imgs[j].Pix) {
					t.Error("surrounding spaces changed the image")
				}
				continue
			}
			ratio := diffRatio(imgs[i], imgs[j], 40)
			if ratio < 0.5 {
				t.Errorf("%q vs %q: only %.0f%% of pixels differ clearly", prompts[i], prompts[j], 100*ratio)
			}
		}
	}
}

// diffRatio returns the share of pixels whose RGB distance exceeds min.
func diffRatio(a, b *image.RGBA, min float64) float64 {
	n, differ := 0, 0
	for i := 0; i < len(a.Pix); i += 4 {
		d := 0.0
		for c := range 3 {
			v := float64(a.Pix[i+c]) - float64(b.Pix[i+c])
			d += v * v
		}
		n++
		if math.Sqrt(d) > min {
			differ++
		}
	}
	return float64(differ) / float64(n)
}

func TestColourWordsSteerThePalette(t *testing.T) {
	for _, tc := range []struct {
		prompt string
		hue    float64
	}{{"deep green forest", 142}, {"forest at dawn", 145}, {"red", 29}, {"BLUE sky", 255}} {
		hue, ok, _ := promptMood(tc.prompt)
		if !ok || hue != tc.hue {
			t.Errorf("promptMood(%q) = %v, %v; want %v", tc.prompt, hue, ok, tc.hue)
		}
	}
	if _, ok, _ := promptMood("a cat"); ok {
		t.Error("a prompt without colour words named a hue")
	}
}

// BenchmarkGenerate1024 measures one 1024x1024 image, PNG encoding included.
func BenchmarkGenerate1024(b *testing.B) {
	g := New()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := g.Generate(context.Background(), genimage.Request{Prompt: "a blue lagoon at night", Seed: int64(i)}, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRender1024 measures drawing alone, without PNG encoding.
func BenchmarkRender1024(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		Render("a blue lagoon at night", int64(i), 1024, 1024)
	}
}
