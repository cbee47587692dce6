package openai

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/pictor-social/pictor/genimage"
	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/internal/testkit/fakeopenai"
)

// collectPartials returns a progress callback that keeps every preview.
func collectPartials(out *[]genimage.Image) func(genimage.Progress) {
	return func(p genimage.Progress) {
		if p.Partial != nil {
			*out = append(*out, *p.Partial)
		}
	}
}

func TestGenerateStream(t *testing.T) {
	fake := fakeopenai.New(t)
	b, _ := newBackend(t, fake, Options{PartialImages: 2, OutputFormat: "png", Quality: "low"})
	var partials []genimage.Image
	res, err := b.Generate(context.Background(), genimage.Request{Prompt: "a heron", User: "u1"}, collectPartials(&partials))
	if err != nil {
		t.Fatal(err)
	}
	if len(partials) != 2 || !bytes.Equal(partials[0].Data, fakeopenai.PartialPNG(0)) ||
		!bytes.Equal(partials[1].Data, fakeopenai.PartialPNG(1)) || partials[1].MediaType != "image/png" {
		t.Fatalf("partials = %d", len(partials))
	}
	if len(res.Images) != 1 || !bytes.Equal(res.Images[0].Data, fakeopenai.FinalPNG()) {
		t.Fatal("final image is not the completed event's bytes")
	}
	wantUsage := genimage.Usage{InputTokens: fakeopenai.UsageInput, OutputTokens: fakeopenai.UsageOutput, TotalTokens: fakeopenai.UsageTotal}
	if res.Usage != wantUsage || res.Provenance.Model != "gpt-image-1" {
		t.Errorf("result %+v %+v", res.Usage, res.Provenance)
	}
	reqs := fake.RequestsTo(fakeopenai.ImagesPath)
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	h, body := reqs[0].Header, reqs[0].JSON()
	if h.Get("Authorization") != "Bearer sk-test" || h.Get("Accept") != "text/event-stream" || !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
		t.Errorf("headers %v", h)
	}
	if body["stream"] != true || body["partial_images"] != 2.0 || body["prompt"] != "a heron" || body["quality"] != "low" ||
		body["model"] != "gpt-image-1" || body["user"] != "u1" {
		t.Errorf("body %v", body)
	}
}

// Streaming is only for the openai profile and one image; everything else
// takes the plain call.
func TestGenerateStreamOnlyWhenItCan(t *testing.T) {
	cases := []struct {
		name    string
		profile string
		partial int
		n       int
	}{
		{"off", ProfileOpenAI, 0, 1},
		{"two images", ProfileOpenAI, 2, 2},
		{"localai", ProfileLocalAI, 2, 1},
		{"generic", ProfileGeneric, 3, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fake := fakeopenai.New(t)
			b, _ := newBackend(t, fake, Options{APIKey: "sk-test", Profile: tc.profile, PartialImages: tc.partial})
			res, err := b.Generate(context.Background(), genimage.Request{Prompt: "p", N: tc.n}, nil)
			if err != nil || len(res.Images) != tc.n {
				t.Fatalf("err %v, %d images", err, len(res.Images))
			}
			body := fake.RequestsTo(fakeopenai.ImagesPath)[0].JSON()
			if _, ok := body["stream"]; ok {
				t.Errorf("stream sent: %v", body)
			}
			if _, ok := body["partial_images"]; ok {
				t.Errorf("partial_images sent: %v", body)
			}
		})
	}
}

func TestGenerateStreamFailures(t *testing.T) {
	cases := []struct {
		name     string
		replies  []fakeopenai.Reply
		status   int    // apperr status of the error; 0 for a refusal
		refusal  string // RefusalError text, when refused
		msg      string
		requests int
		partials int
		waits    int
	}{
		{"broken mid-way", []fakeopenai.Reply{fakeopenai.Stream(fakeopenai.StreamOptions{Partials: 1, End: fakeopenai.EndBreak})},
			503, "", "stopped answering before the image was ready", 1, 1, 0},
		{"refused at output after previews", []fakeopenai.Reply{fakeopenai.Stream(fakeopenai.StreamOptions{Partials: 2,
			End: fakeopenai.EndRefused, Stage: "output", Categories: []string{"sexual"}})},
			0, "stage: output; categories: sexual", "", 1, 2, 0},
		{"refused at input, before any stream", []fakeopenai.Reply{fakeopenai.ModerationBlocked("input", "violence")},
			0, "stage: input; categories: violence", "", 1, 0, 0},
		{"server error event before previews is retried",
			[]fakeopenai.Reply{fakeopenai.Raw(200, "text/event-stream", "event: error\ndata: {\"type\":\"error\",\"code\":\"server_error\",\"message\":\"oops\"}\n\n"),
				fakeopenai.Stream(fakeopenai.StreamOptions{Partials: 1})},
			200, "", "", 2, 1, 1},
		{"server error event after previews is final", []fakeopenai.Reply{fakeopenai.Raw(200, "text/event-stream",
			"data: {\"type\":\"image_generation.partial_image\",\"b64_json\":\""+b64(fakeopenai.PartialPNG(0))+"\"}\n\n"+
				"event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"server_error\",\"code\":null}}\n\n")},
			503, "", "having problems", 1, 1, 0},
		{"429 then stream", []fakeopenai.Reply{fakeopenai.RateLimited("2"), fakeopenai.Stream(fakeopenai.StreamOptions{Partials: -1})},
			200, "", "", 2, 2, 1},
		{"event over the size bound", []fakeopenai.Reply{fakeopenai.Stream(fakeopenai.StreamOptions{Partials: 1, End: fakeopenai.EndTooLarge})},
			503, "", "too large", 1, 1, 0},
		{"json instead of a stream", []fakeopenai.Reply{fakeopenai.ImageB64(1)}, 503, "", "malformed answer", 1, 0, 0},
		{"bad preview skipped", []fakeopenai.Reply{fakeopenai.Raw(200, "text/event-stream",
			"data: {\"type\":\"image_generation.partial_image\",\"b64_json\":\"bm90IGFuIGltYWdl\"}\n\n: comment\n\n"+
				"event: image_generation.completed\ndata: {\"type\":\"image_generation.completed\",\n"+
				"data: \"b64_json\":\""+b64(fakeopenai.FinalPNG())+"\"}\n\n")},
			200, "", "", 1, 0, 0},
		{"completed image not an image", []fakeopenai.Reply{fakeopenai.Raw(200, "text/event-stream",
			"data: {\"type\":\"image_generation.completed\",\"b64_json\":\"bm90IGFuIGltYWdl\"}\n\n")},
			503, "", "not an image", 1, 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fake := fakeopenai.New(t)
			fake.QueueImages(tc.replies...)
			b, sl := newBackend(t, fake, Options{PartialImages: 2, MaxImageBytes: 64 << 10, MaxRetries: 2})
			var partials []genimage.Image
			res, err := b.Generate(context.Background(), genimage.Request{Prompt: "p"}, collectPartials(&partials))
			var ref *genimage.RefusalError
			switch {
			case tc.refusal != "":
				if !errors.As(err, &ref) || !strings.Contains(ref.Error(), tc.refusal) {
					t.Fatalf("err = %v, want refusal %q", err, tc.refusal)
				}
			case tc.status == 200:
				if err != nil || !bytes.Equal(res.Images[0].Data, fakeopenai.FinalPNG()) {
					t.Fatalf("err = %v", err)
				}
			default:
				if apperr.StatusOf(err) != tc.status || !strings.Contains(apperr.MessageOf(err), tc.msg) {
					t.Fatalf("err = %v (%d %q)", err, apperr.StatusOf(err), apperr.MessageOf(err))
				}
			}
			if n := len(fake.RequestsTo(fakeopenai.ImagesPath)); n != tc.requests {
				t.Errorf("%d requests, want %d", n, tc.requests)
			}
			if len(partials) != tc.partials || len(sl.got()) != tc.waits {
				t.Errorf("%d partials, %d waits", len(partials), len(sl.got()))
			}
		})
	}
}

func TestPartialImagesOutOfRange(t *testing.T) {
	for _, n := range []int{-1, 4} {
		if _, err := New(Options{APIKey: "k", PartialImages: n}, http.DefaultClient); err == nil {
			t.Errorf("partial_images %d accepted", n)
		}
	}
}

func b64(data []byte) string { return base64.StdEncoding.EncodeToString(data) }
