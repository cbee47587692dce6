package openai

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pictor-social/pictor/genimage"
	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/internal/testkit/fakeopenai"
)

// sleeps records the waits a backend asked for instead of sleeping.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(_ context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.d = append(s.d, d)
	return nil
}

func (s *sleeps) got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

func newBackend(t *testing.T, fake *fakeopenai.Server, opts Options) (*Backend, *sleeps) {
	t.Helper()
	t.Setenv("OPENAI_API_KEY", "")
	opts.BaseURL = fake.BaseURL()
	if opts.APIKey == "" && opts.Profile == "" {
		opts.APIKey = "sk-test"
	}
	b, err := New(opts, &http.Client{Timeout: time.Second}) // the client's own short timeout must not matter
	if err != nil {
		t.Fatal(err)
	}
	s := &sleeps{}
	b.sleep = s.sleep
	return b, s
}

func TestGenerateBase64(t *testing.T) {
	fake := fakeopenai.New(t)
	b, _ := newBackend(t, fake, Options{Quality: "low", OutputFormat: "jpeg", OutputCompression: 80, Background: "opaque"})
	var stages []string
	res, err := b.Generate(context.Background(), genimage.Request{Prompt: "a fox", N: 2, Size: "1024x1536", User: "u1"},
		func(p genimage.Progress) { stages = append(stages, p.Stage) })
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Images) != 2 || res.Images[0].MediaType != "image/png" || res.Images[0].Width != fakeopenai.ImageSize {
		t.Fatalf("images = %d, first %s %dx%d", len(res.Images), res.Images[0].MediaType, res.Images[0].Width, res.Images[0].Height)
	}
	want := genimage.Result{RevisedPrompt: fakeopenai.RevisedPrompt,
		Provenance: genimage.Provenance{Backend: "openai", Model: "gpt-image-1", DigitalSourceType: genimage.SourceTrainedAlgorithmic},
		Usage:      genimage.Usage{InputTokens: fakeopenai.UsageInput, OutputTokens: fakeopenai.UsageOutput, TotalTokens: fakeopenai.UsageTotal}}
	if res.RevisedPrompt != want.RevisedPrompt || res.Provenance != want.Provenance || res.Usage != want.Usage {
		t.Errorf("result = %+v / %+v / %q", res.Provenance, res.Usage, res.RevisedPrompt)
	}
	if !slices.Equal(stages, []string{genimage.StageRequesting, genimage.StageDone}) {
		t.Errorf("stages = %v", stages)
	}
	reqs := fake.RequestsTo(fakeopenai.ImagesPath)
	if len(reqs) != 1 || reqs[0].Header.Get("Authorization") != "Bearer sk-test" {
		t.Fatalf("requests = %d, auth %q", len(reqs), reqs[0].Header.Get("Authorization"))
	}
	body := reqs[0].JSON()
	for k, v := range map[string]any{"model": "gpt-image-1", "prompt": "a fox", "n": 2.0, "size": "1024x1536", "quality": "low",
		"output_format": "jpeg", "output_compression": 80.0, "background": "opaque", "user": "u1"} {
		if body[k] != v {
			t.Errorf("sent %s = %v, want %v", k, body[k], v)
		}
	}
}

func TestGenerateURLAnswerWithoutKey(t *testing.T) {
	fake := fakeopenai.New(t)
	fake.QueueImages(fakeopenai.ImageURL(1))
	b, _ := newBackend(t, fake, Options{Profile: ProfileGeneric})
	res, err := b.Generate(context.Background(), genimage.Request{Prompt: "a fox"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Images) != 1 || res.Images[0].Width != fakeopenai.ImageSize || res.Usage != (genimage.Usage{}) {
		t.Fatalf("result = %+v", res)
	}
	if res.Provenance.Backend != "openai-compatible" || res.Provenance.Model != "openai-compatible" {
		t.Errorf("provenance = %+v", res.Provenance)
	}
	reqs := fake.Requests()
	if len(reqs) != 2 || !strings.HasPrefix(reqs[1].Path, fakeopenai.FilesPrefix) {
		t.Fatalf("requests = %+v", reqs)
	}
	for _, r := range reqs {
		if _, ok := r.Header["Authorization"]; ok {
			t.Errorf("%s sent Authorization without a key", r.Path)
		}
	}
}

func TestGenerateRelativeURL(t *testing.T) {
	fake := fakeopenai.New(t)
	fake.QueueImages(func(s *fakeopenai.Server, w http.ResponseWriter, r *http.Request) {
		abs := s.AddFile(fakeopenai.PNG(8, 8, colourRed))
		fakeopenai.Raw(http.StatusOK, "application/json", `{"data":[{"url":"`+strings.TrimPrefix(abs, s.URL)+`"}]}`)(s, w, r)
	})
	b, _ := newBackend(t, fake, Options{Profile: ProfileLocalAI})
	res, err := b.Generate(context.Background(), genimage.Request{Prompt: "p"}, nil)
	if err != nil || res.Images[0].Width != 8 {
		t.Fatalf("Generate = %+v, %v", res, err)
	}
}

func TestProfilesSendOnlyTheirParameters(t *testing.T) {
	req := genimage.Request{Prompt: "a fox", NegativePrompt: "blur", Size: "512x512", Quality: "high", User: "u1", Seed: 7}
	opts := Options{Model: "m", OutputFormat: "webp", OutputCompression: 50, Background: "transparent"}
	cases := []struct {
		profile string
		keys    []string
		prompt  string
	}{
		{ProfileOpenAI, []string{"background", "model", "n", "output_compression", "output_format", "prompt", "quality", "size", "user"}, "a fox\n\nAvoid: blur"},
		{ProfileLocalAI, []string{"model", "n", "prompt", "response_format", "size"}, "a fox|blur"},
		{ProfileGeneric, []string{"model", "n", "prompt", "size"}, "a fox"},
	}
	for _, tc := range cases {
		t.Run(tc.profile, func(t *testing.T) {
			fake := fakeopenai.New(t)
			o := opts
			o.Profile, o.APIKey = tc.profile, "sk-test"
			b, _ := newBackend(t, fake, o)
			if _, err := b.Generate(context.Background(), req, nil); err != nil {
				t.Fatal(err)
			}
			body := fake.RequestsTo(fakeopenai.ImagesPath)[0].JSON()
			var keys []string
			for k := range body {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			if !slices.Equal(keys, tc.keys) || body["prompt"] != tc.prompt {
				t.Errorf("sent keys %v prompt %q; want %v %q", keys, body["prompt"], tc.keys, tc.prompt)
			}
		})
	}
}

func TestRetries(t *testing.T) {
	date := time.Now().Add(30 * time.Second).UTC().Format(http.TimeFormat)
	cases := []struct {
		name     string
		replies  []fakeopenai.Reply
		opts     Options
		requests int
		waits    func([]time.Duration) bool
		status   int // 0 means success
	}{
		{"429 retry-after seconds", []fakeopenai.Reply{fakeopenai.RateLimited("7")}, Options{}, 2,
			func(w []time.Duration) bool { return slices.Equal(w, []time.Duration{7 * time.Second}) }, 0},
		{"429 retry-after date", []fakeopenai.Reply{fakeopenai.RateLimited(date)}, Options{}, 2,
			func(w []time.Duration) bool { return len(w) == 1 && w[0] > 25*time.Second && w[0] <= 30*time.Second }, 0},
		{"429 retry-after capped", []fakeopenai.Reply{fakeopenai.RateLimited("3600")}, Options{MaxRetryWait: 10 * time.Second}, 2,
			func(w []time.Duration) bool { return slices.Equal(w, []time.Duration{10 * time.Second}) }, 0},
		{"500 backs off", []fakeopenai.Reply{fakeopenai.ServerError(), fakeopenai.ServerError()}, Options{}, 3,
			func(w []time.Duration) bool {
				return len(w) == 2 && w[0] >= time.Second && w[0] < 2*time.Second && w[1] >= 2*time.Second && w[1] < 3*time.Second
			}, 0},
		{"500 until retries run out", []fakeopenai.Reply{fakeopenai.ServerError(), fakeopenai.ServerError(), fakeopenai.ServerError()},
			Options{MaxRetries: 2}, 3, func(w []time.Duration) bool { return len(w) == 2 }, http.StatusServiceUnavailable},
		{"429 until retries run out", []fakeopenai.Reply{fakeopenai.RateLimited("1"), fakeopenai.RateLimited("1")},
			Options{MaxRetries: -1}, 1, func(w []time.Duration) bool { return len(w) == 0 }, http.StatusTooManyRequests},
		{"insufficient quota is final", []fakeopenai.Reply{fakeopenai.InsufficientQuota()}, Options{}, 1,
			func(w []time.Duration) bool { return len(w) == 0 }, http.StatusServiceUnavailable},
		{"401 is final", []fakeopenai.Reply{fakeopenai.ErrorReply(401, "invalid_request_error", "invalid_api_key", "Incorrect API key provided: sk-t***")},
			Options{}, 1, func(w []time.Duration) bool { return len(w) == 0 }, http.StatusServiceUnavailable},
		{"400 bad parameter", []fakeopenai.Reply{fakeopenai.Raw(400, "application/json",
			`{"error":{"message":"Invalid size","type":"invalid_request_error","param":"size","code":"invalid_value"}}`)},
			Options{}, 1, func(w []time.Duration) bool { return len(w) == 0 }, http.StatusUnprocessableEntity},
		{"502 HTML body", []fakeopenai.Reply{fakeopenai.Raw(502, "text/html", "<html>bad gateway</html>")}, Options{}, 2,
			func(w []time.Duration) bool { return len(w) == 1 }, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fake := fakeopenai.New(t)
			fake.QueueImages(tc.replies...)
			b, s := newBackend(t, fake, tc.opts)
			_, err := b.Generate(context.Background(), genimage.Request{Prompt: "p"}, nil)
			if got := len(fake.RequestsTo(fakeopenai.ImagesPath)); got != tc.requests {
				t.Errorf("requests = %d, want %d", got, tc.requests)
			}
			if !tc.waits(s.got()) {
				t.Errorf("waits = %v", s.got())
			}
			if tc.status == 0 && err != nil {
				t.Fatalf("Generate = %v", err)
			}
			if tc.status != 0 && apperr.StatusOf(err) != tc.status {
				t.Fatalf("Generate = %v (status %d), want status %d", err, apperr.StatusOf(err), tc.status)
			}
			if err != nil && strings.Contains(apperr.MessageOf(err), "sk-") {
				t.Errorf("user message leaks provider text: %q", apperr.MessageOf(err))
			}
		})
	}
}

func TestRefusalsAreFinal(t *testing.T) {
	cases := []struct {
		name  string
		reply fakeopenai.Reply
		want  genimage.RefusalError
	}{
		{"moderation_blocked", fakeopenai.ModerationBlocked("output", "sexual"),
			genimage.RefusalError{Stage: genimage.StageOutput, Categories: []string{"sexual"}}},
		{"odd categories dropped", fakeopenai.ModerationBlocked("input", "violence", "<b>x</b>", ""),
			genimage.RefusalError{Stage: genimage.StageInput, Categories: []string{"violence"}}},
		{"content_policy_violation", fakeopenai.ContentPolicyViolation(), genimage.RefusalError{}},
		{"451", fakeopenai.Raw(451, "text/plain", "unavailable for legal reasons"), genimage.RefusalError{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fake := fakeopenai.New(t)
			fake.HandleImages(tc.reply)
			b, s := newBackend(t, fake, Options{})
			_, err := b.Generate(context.Background(), genimage.Request{Prompt: "p"}, nil)
			var re *genimage.RefusalError
			if !errors.As(err, &re) {
				t.Fatalf("Generate = %v, want a RefusalError", err)
			}
			if re.Stage != tc.want.Stage || !slices.Equal(re.Categories, tc.want.Categories) {
				t.Errorf("refusal = %+v, want %+v", re, tc.want)
			}
			if n := len(fake.RequestsTo(fakeopenai.ImagesPath)); n != 1 || len(s.got()) != 0 {
				t.Errorf("%d requests, waits %v: a refusal was retried", n, s.got())
			}
			if apperr.StatusOf(err) != http.StatusUnprocessableEntity {
				t.Errorf("status = %d", apperr.StatusOf(err))
			}
		})
	}
}

func TestHangPastTimeout(t *testing.T) {
	fake := fakeopenai.New(t)
	fake.HandleImages(fakeopenai.Hang())
	b, s := newBackend(t, fake, Options{Timeout: 300 * time.Millisecond})
	start := time.Now()
	_, err := b.Generate(context.Background(), genimage.Request{Prompt: "p"}, nil)
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("Generate took %v past a 300ms timeout", elapsed)
	}
	if apperr.StatusOf(err) != http.StatusServiceUnavailable || !strings.Contains(apperr.MessageOf(err), "did not answer within 300ms") {
		t.Fatalf("Generate = %v", err)
	}
	if n := len(fake.RequestsTo(fakeopenai.ImagesPath)); n != 1 || len(s.got()) != 0 {
		t.Errorf("%d requests, waits %v: a timed-out generation was retried", n, s.got())
	}
}

func TestCallerContextEnds(t *testing.T) {
	fake := fakeopenai.New(t)
	fake.HandleImages(fakeopenai.Hang())
	b, _ := newBackend(t, fake, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-fake.Arrivals()
		cancel()
	}()
	if _, err := b.Generate(ctx, genimage.Request{Prompt: "p"}, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("Generate = %v, want context.Canceled", err)
	}
}

func TestNoWaitPastDeadline(t *testing.T) {
	fake := fakeopenai.New(t)
	fake.QueueImages(fakeopenai.RateLimited("120"))
	b, s := newBackend(t, fake, Options{MaxRetryWait: 5 * time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := b.Generate(ctx, genimage.Request{Prompt: "p"}, nil)
	if apperr.StatusOf(err) != http.StatusTooManyRequests || len(s.got()) != 0 {
		t.Fatalf("Generate = %v, waits %v; want an immediate 429", err, s.got())
	}
}

func TestMalformedAnswers(t *testing.T) {
	cases := []struct {
		name  string
		reply fakeopenai.Reply
		opts  Options
		msg   string
	}{
		{"truncated json", fakeopenai.Malformed(), Options{}, "malformed answer"},
		{"not an image", fakeopenai.NotAnImage(), Options{}, "not an image"},
		{"bad base64", fakeopenai.Raw(200, "application/json", `{"data":[{"b64_json":"%%%"}]}`), Options{}, "malformed image"},
		{"no data", fakeopenai.Raw(200, "application/json", `{"data":[]}`), Options{}, "without any image"},
		{"empty entry", fakeopenai.Raw(200, "application/json", `{"data":[{}]}`), Options{}, "empty image entry"},
		{"image too large", fakeopenai.ImageB64(1), Options{MaxImageBytes: 10}, "larger than 10 bytes"},
		{"answer too large", fakeopenai.B64(1, make([]byte, 200<<10)), Options{MaxImageBytes: 10}, "answer that is too large"},
		{"too many pixels", fakeopenai.ImageB64(1), Options{MaxPixels: 100}, "32x32 pixels"},
		{"bad url", fakeopenai.Raw(200, "application/json", `{"data":[{"url":"ftp://x/y.png"}]}`), Options{}, "unusable image URL"},
		{"missing file", fakeopenai.Raw(200, "application/json", `{"data":[{"url":"/files/nope.png"}]}`), Options{}, "status 404"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fake := fakeopenai.New(t)
			fake.HandleImages(tc.reply)
			b, _ := newBackend(t, fake, tc.opts)
			_, err := b.Generate(context.Background(), genimage.Request{Prompt: "p"}, nil)
			if apperr.StatusOf(err) != http.StatusServiceUnavailable || !strings.Contains(apperr.MessageOf(err), tc.msg) {
				t.Fatalf("Generate = %v (%q), want 503 mentioning %q", err, apperr.MessageOf(err), tc.msg)
			}
		})
	}
}

func TestAPIKey(t *testing.T) {
	fake := fakeopenai.New(t)
	t.Setenv("OPENAI_API_KEY", "sk-from-env")
	b, err := New(Options{BaseURL: fake.BaseURL()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Generate(context.Background(), genimage.Request{Prompt: "p"}, nil); err != nil {
		t.Fatal(err)
	}
	if got := fake.RequestsTo(fakeopenai.ImagesPath)[0].Header.Get("Authorization"); got != "Bearer sk-from-env" {
		t.Errorf("Authorization = %q", got)
	}
	t.Setenv("OPENAI_API_KEY", "")
	if _, err := New(Options{}, nil); !errors.Is(err, ErrNoAPIKey) {
		t.Errorf("New without key = %v", err)
	}
	for _, o := range []Options{{Profile: "dalle"}, {Profile: ProfileGeneric, BaseURL: "file:///etc"}} {
		if _, err := New(o, nil); err == nil {
			t.Errorf("New(%+v) accepted a bad option", o)
		}
	}
}
