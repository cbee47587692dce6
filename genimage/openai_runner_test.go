package genimage_test

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pictor-social/pictor/genimage"
	"github.com/pictor-social/pictor/genimage/openai"
	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/internal/testkit/fakeopenai"
	"github.com/pictor-social/pictor/store"
)

// openaiEnv runs the service with the real OpenAI backend (go-openai inside)
// against a fake OpenAI server on loopback.
func openaiEnv(t *testing.T, profile string, opts genimage.Options) (*env, *fakeopenai.Server) {
	t.Helper()
	fake := fakeopenai.New(t)
	b, err := openai.New(openai.Options{APIKey: "sk-test", BaseURL: fake.BaseURL(), Model: "gpt-image-1", Profile: profile,
		MaxRetries: 2, MaxRetryWait: 2 * time.Second, OutputFormat: "png"}, http.DefaultClient)
	if err != nil {
		t.Fatal(err)
	}
	return newEnv(t, b, nil, opts), fake
}

func TestRunnerWithOpenAIBackend(t *testing.T) {
	cases := []struct {
		name     string
		profile  string
		replies  []fakeopenai.Reply
		state    string
		kind     string
		contains string
		requests int
	}{
		{"base64 answer", openai.ProfileOpenAI, []fakeopenai.Reply{fakeopenai.ImageB64(1)}, store.JobDone, "", "", 1},
		{"url answer", openai.ProfileLocalAI, []fakeopenai.Reply{fakeopenai.ImageURL(1)}, store.JobDone, "", "", 1},
		{"429 with Retry-After, then success", openai.ProfileOpenAI,
			[]fakeopenai.Reply{fakeopenai.RateLimited("1"), fakeopenai.ImageB64(1)}, store.JobDone, "", "", 2},
		{"500s until retries run out", openai.ProfileOpenAI,
			[]fakeopenai.Reply{fakeopenai.ServerError(), fakeopenai.ServerError(), fakeopenai.ServerError()},
			store.JobFailed, store.JobError, "", 3},
		{"content policy refusal is final", openai.ProfileOpenAI,
			[]fakeopenai.Reply{fakeopenai.ModerationBlocked("output", "sexual"), fakeopenai.ImageB64(1)},
			store.JobFailed, store.JobRefused, "refused this request (stage: output; categories: sexual)", 1},
		{"malformed output", openai.ProfileOpenAI, []fakeopenai.Reply{fakeopenai.Malformed()}, store.JobFailed, store.JobError, "", 1},
		{"not an image", openai.ProfileOpenAI, []fakeopenai.Reply{fakeopenai.NotAnImage()}, store.JobFailed, store.JobError, "", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, fake := openaiEnv(t, tc.profile, genimage.Options{})
			fake.QueueImages(tc.replies...)
			alice := e.user(t, "alice")
			e.start(t, false)
			j, err := e.svc.Submit(context.Background(), genimage.SubmitRequest{AccountID: alice.ID, Kind: store.JobPost, Prompt: "a lantern"})
			if err != nil {
				t.Fatal(err)
			}
			j = e.wait(t, j.ID)
			if j.State != tc.state || j.ErrorKind != tc.kind || !strings.Contains(j.Error, tc.contains) {
				t.Fatalf("job %s/%s %q", j.State, j.ErrorKind, j.Error)
			}
			if n := len(fake.RequestsTo(fakeopenai.ImagesPath)); n != tc.requests {
				t.Fatalf("%d image requests, want %d", n, tc.requests)
			}
			if j.State == store.JobFailed {
				if j.Error == "" || strings.Contains(j.Error, "sk-test") || strings.Contains(j.Error, "127.0.0.1") {
					t.Fatalf("failure message %q", j.Error)
				}
				checkFailureDM(t, e, alice, j)
				return
			}
			checkOpenAIOriginal(t, e, j, tc.profile)
		})
	}
}

// checkOpenAIOriginal checks that the provider's bytes were kept verbatim
// and its usage and model recorded.
func checkOpenAIOriginal(t *testing.T, e *env, j store.Job, profile string) {
	t.Helper()
	m, err := e.db.MediaByID(context.Background(), j.MediaIDs[0])
	if err != nil {
		t.Fatal(err)
	}
	orig, err := os.ReadFile(filepath.Join(e.dir, "media", m.OriginalName))
	if err != nil || !bytes.HasPrefix(orig, []byte("\x89PNG")) {
		t.Fatalf("original: %v", err)
	}
	if m.GeneratorModel != "gpt-image-1" || j.Model != "gpt-image-1" || j.StatusID == 0 {
		t.Fatalf("media %+v job %+v", m, j)
	}
	if profile == openai.ProfileOpenAI && (j.TotalTokens == 0 || j.RevisedPrompt == "") {
		t.Fatalf("usage not recorded: %+v", j)
	}
}

func TestRunnerProviderHangPastTimeout(t *testing.T) {
	e, fake := openaiEnv(t, openai.ProfileOpenAI, genimage.Options{Timeout: 300 * time.Millisecond})
	fake.HandleImages(fakeopenai.Hang())
	alice := e.user(t, "alice")
	e.start(t, false)
	j, err := e.svc.Submit(context.Background(), genimage.SubmitRequest{AccountID: alice.ID, Kind: store.JobDraft, Prompt: "a slow one"})
	if err != nil {
		t.Fatal(err)
	}
	j = e.wait(t, j.ID)
	if j.State != store.JobFailed || j.ErrorKind != store.JobTimeout || !strings.Contains(j.Error, "did not answer within 300ms") {
		t.Fatalf("job %s/%s %q", j.State, j.ErrorKind, j.Error)
	}
}

// Prompts go through the fake moderation endpoint before any image request.
func TestModerationThroughOpenAIEndpoint(t *testing.T) {
	fake := fakeopenai.New(t)
	mod, err := openai.NewModerator(openai.Options{APIKey: "sk-test", BaseURL: fake.BaseURL(), MaxRetries: -1}, http.DefaultClient)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, okBackend(), mod, genimage.Options{})
	alice := e.user(t, "alice")
	ctx := context.Background()
	fake.QueueModerations(fakeopenai.Flagged("violence"), fakeopenai.ServerError(), fakeopenai.NotFlagged())
	submit := func() error {
		_, err := e.svc.Submit(ctx, genimage.SubmitRequest{AccountID: alice.ID, Kind: store.JobDraft, Prompt: "a duel at dawn", Source: genimage.SourceAPI})
		return err
	}
	err = submit()
	if apperr.StatusOf(err) != 422 || !strings.Contains(apperr.MessageOf(err), "categories: violence") {
		t.Fatalf("flagged: %d %q", apperr.StatusOf(err), apperr.MessageOf(err))
	}
	if err := submit(); apperr.StatusOf(err) != 503 {
		t.Fatalf("moderation down: %v (%d), want 503", err, apperr.StatusOf(err))
	}
	if err := submit(); err != nil {
		t.Fatalf("clean prompt: %v", err)
	}
	reqs := fake.RequestsTo(fakeopenai.ModerationsPath)
	if len(reqs) != 3 || !strings.Contains(string(reqs[0].Body), "a duel at dawn") {
		t.Fatalf("moderation requests %+v", reqs)
	}
	log, _ := e.db.ModerationLog(ctx, 10)
	if len(log) != 1 || log[0].Categories[0] != "violence" || log[0].Source != genimage.SourceAPI {
		t.Fatalf("moderation log %+v", log)
	}
}

// A streaming provider's previews are held, newest only, while the job runs
// and announced in its progress events; the posted original is the final
// image, not a preview.
func TestRunnerKeepsNewestPreviewWhileStreaming(t *testing.T) {
	fake := fakeopenai.New(t)
	b, err := openai.New(openai.Options{APIKey: "sk-test", BaseURL: fake.BaseURL(), PartialImages: 2, OutputFormat: "png"}, http.DefaultClient)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, b, nil, genimage.Options{})
	hold := make(chan struct{})
	fake.QueueImages(fakeopenai.Stream(fakeopenai.StreamOptions{Partials: 2, Hold: hold}))
	alice := e.user(t, "alice")
	ctx := context.Background()
	j, err := e.svc.Submit(ctx, genimage.SubmitRequest{AccountID: alice.ID, Kind: store.JobDraft, Prompt: "a kite"})
	if err != nil {
		t.Fatal(err)
	}
	sub := e.svc.Subscribe(j.ID) // before any worker runs, so no event is missed
	defer sub.Close()
	e.start(t, false)
	var seqs []int
	timeout := time.After(20 * time.Second)
	for len(seqs) < 2 {
		select {
		case ev := <-sub.C:
			if pe, ok := ev.Payload.(genimage.Event); ok && pe.PreviewSeq > 0 {
				if !pe.HasPartial || pe.State != store.JobRunning {
					t.Fatalf("event %+v", pe)
				}
				seqs = append(seqs, pe.PreviewSeq)
			}
		case <-timeout:
			t.Fatalf("previews seen: %v", seqs)
		}
	}
	p, ok := e.svc.Preview(j.ID)
	if !ok || seqs[0] != 1 || seqs[1] != 2 || p.Seq != 2 || p.MediaType != "image/png" || !bytes.Equal(p.Data, fakeopenai.PartialPNG(1)) {
		t.Fatalf("preview ok=%v seq=%d %s; events %v", ok, p.Seq, p.MediaType, seqs)
	}
	if _, ok := e.svc.Preview("another-job"); ok {
		t.Fatal("preview for an unknown job")
	}
	close(hold)
	j = e.wait(t, j.ID)
	if j.State != store.JobDone {
		t.Fatalf("job %s %q", j.State, j.Error)
	}
	if _, ok := e.svc.Preview(j.ID); ok {
		t.Fatal("preview kept after the job ended")
	}
	m, err := e.db.MediaByID(ctx, j.MediaIDs[0])
	if err != nil {
		t.Fatal(err)
	}
	orig, err := os.ReadFile(filepath.Join(e.dir, "media", m.OriginalName))
	if err != nil || !bytes.Equal(orig, fakeopenai.FinalPNG()) {
		t.Fatalf("original is not the completed image byte for byte: %v", err)
	}
}
