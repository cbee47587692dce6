package genimage_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pictor-social/pictor/genimage"
	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

func TestPostJobPublishesLabelledStatusWithOriginalBytes(t *testing.T) {
	b := okBackend()
	e := newEnv(t, b, nil, genimage.Options{})
	alice := e.user(t, "alice")
	e.start(t, false)
	ctx := context.Background()
	j, err := e.svc.Submit(ctx, genimage.SubmitRequest{AccountID: alice.ID, Kind: store.JobPost, Prompt: "a red fox in snow",
		Seed: 42, Draft: store.PostDraft{Visibility: store.VisibilityUnlisted, Language: "en"}, Source: genimage.SourceAPI})
	if err != nil {
		t.Fatal(err)
	}
	j = e.wait(t, j.ID)
	if j.State != store.JobDone || j.StatusID == 0 || len(j.MediaIDs) != 1 {
		t.Fatalf("job %+v", j)
	}
	if j.TotalTokens != 282 || j.CostUnits != 1 || j.RevisedPrompt != "revised" || j.Model != "fake-model-1" || j.FinishedAt.IsZero() {
		t.Fatalf("usage/provenance not recorded: %+v", j)
	}
	st, err := e.db.StatusByID(ctx, j.StatusID)
	if err != nil {
		t.Fatal(err)
	}
	wantLine := "AI-generated image (fake fake-model-1) #AIGenerated"
	if !strings.HasPrefix(st.Text, "a red fox in snow\n\n") || !strings.HasSuffix(st.Text, wantLine) {
		t.Errorf("status text %q", st.Text)
	}
	if !st.Generated || st.Visibility != store.VisibilityUnlisted || st.Language != "en" {
		t.Errorf("status %+v", st)
	}
	m, err := e.db.MediaByID(ctx, j.MediaIDs[0])
	if err != nil {
		t.Fatal(err)
	}
	if m.StatusID != st.ID || m.GeneratorBackend != "fake" || m.GeneratorModel != "fake-model-1" || m.Prompt != "a red fox in snow" {
		t.Errorf("media %+v", m)
	}
	if m.Description != "AI-generated image (fake fake-model-1). Prompt: a red fox in snow" {
		t.Errorf("alt text %q", m.Description)
	}
	orig, err := os.ReadFile(filepath.Join(e.dir, "media", m.OriginalName))
	if err != nil || !bytes.Equal(orig, pngBytes(42)) {
		t.Errorf("original not kept verbatim (%v)", err)
	}
	if m.FileSize > 1_000_000 {
		t.Errorf("federated derivative is %d bytes", m.FileSize)
	}
	if b.Calls() != 1 {
		t.Errorf("backend called %d times", b.Calls())
	}
}

func TestDraftJobMakesUnattachedMediaThatAStatusAccepts(t *testing.T) {
	e := newEnv(t, okBackend(), nil, genimage.Options{})
	alice := e.user(t, "alice")
	e.start(t, false)
	ctx := context.Background()
	j, err := e.svc.Submit(ctx, genimage.SubmitRequest{AccountID: alice.ID, Kind: store.JobDraft, Prompt: "a teapot", Size: "512x512"})
	if err != nil {
		t.Fatal(err)
	}
	var stages []string
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	j, err = e.svc.Wait(wctx, j.ID, 0, func(ev genimage.Event) { stages = append(stages, ev.State+"/"+ev.Stage) })
	if err != nil || j.State != store.JobDone || j.StatusID != 0 || j.Size != "512x512" {
		t.Fatalf("job %+v, %v", j, err)
	}
	m, _ := e.db.MediaByID(ctx, j.MediaIDs[0])
	if m.StatusID != 0 {
		t.Fatalf("draft media attached to %d", m.StatusID)
	}
	st, err := e.soc.CreateStatus(ctx, alice.ID, social.Draft{Text: "my teapot", MediaIDs: j.MediaIDs})
	if err != nil || !st.Generated {
		t.Fatalf("post with draft media: %+v, %v", st, err)
	}
	if len(stages) == 0 {
		t.Log("no progress event seen (the job may have finished before Wait subscribed)")
	}
}

func TestProviderFailuresBecomeClearJobErrors(t *testing.T) {
	cases := []struct {
		name     string
		gen      func(ctx context.Context, req genimage.Request) (genimage.Result, error)
		kind     string
		contains string
	}{
		{"refusal", func(context.Context, genimage.Request) (genimage.Result, error) {
			return genimage.Result{}, &genimage.RefusalError{Stage: genimage.StageOutput, Categories: []string{"violence"}}
		}, store.JobRefused, "safety system refused this request (stage: output; categories: violence)"},
		{"hang past timeout", func(ctx context.Context, _ genimage.Request) (genimage.Result, error) {
			<-ctx.Done()
			return genimage.Result{}, ctx.Err()
		}, store.JobTimeout, "did not answer within 200ms"},
		{"malformed image", func(context.Context, genimage.Request) (genimage.Result, error) {
			return imageResult([]byte("this is not an image")), nil
		}, store.JobError, "returned an image this server cannot use"},
		{"no image", func(context.Context, genimage.Request) (genimage.Result, error) {
			return genimage.Result{}, nil
		}, store.JobError, "returned no image"},
		{"provider busy", func(context.Context, genimage.Request) (genimage.Result, error) {
			return genimage.Result{}, apperr.Unavailable("the image provider is busy; please try again later")
		}, store.JobError, "the image provider is busy"},
		{"internal", func(context.Context, genimage.Request) (genimage.Result, error) {
			return genimage.Result{}, errors.New("dial tcp: secret internals")
		}, store.JobError, "because of a server error"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := &fakeBackend{gen: tc.gen}
			e := newEnv(t, b, nil, genimage.Options{Timeout: 200 * time.Millisecond})
			alice := e.user(t, "alice")
			e.start(t, false)
			ctx := context.Background()
			j, err := e.svc.Submit(ctx, genimage.SubmitRequest{AccountID: alice.ID, Kind: store.JobPost, Prompt: "a storm at sea"})
			if err != nil {
				t.Fatal(err)
			}
			j = e.wait(t, j.ID)
			if j.State != store.JobFailed || j.ErrorKind != tc.kind || !strings.Contains(j.Error, tc.contains) || j.StatusID != 0 {
				t.Fatalf("job state %s kind %s error %q", j.State, j.ErrorKind, j.Error)
			}
			if strings.Contains(j.Error, "secret") {
				t.Fatalf("internal detail leaked: %q", j.Error)
			}
			if b.Calls() != 1 {
				t.Fatalf("backend called %d times; failures are final", b.Calls())
			}
			checkFailureDM(t, e, alice, j)
			log, _ := e.db.ModerationLog(ctx, 10)
			if (tc.kind == store.JobRefused) != (len(log) == 1) {
				t.Fatalf("moderation log %+v", log)
			}
		})
	}
}

// checkFailureDM checks that the bot told the author, with the prompt.
func checkFailureDM(t *testing.T, e *env, author store.Account, j store.Job) {
	t.Helper()
	ctx := context.Background()
	ns, err := e.db.Notifications(ctx, author.ID, store.NotificationFilter{Types: []string{store.NotifyMention}}, store.Page{Limit: 5})
	if err != nil || len(ns) != 1 {
		t.Fatalf("author notifications %+v, %v", ns, err)
	}
	dm, _ := e.db.StatusByID(ctx, ns[0].StatusID)
	if dm.Visibility != store.VisibilityDirect || !strings.Contains(dm.Text, j.Error) || !strings.Contains(dm.Text, "Your prompt: "+j.Prompt) {
		t.Fatalf("failure message %+v", dm)
	}
}

func TestQuotas(t *testing.T) {
	e := newEnv(t, okBackend(), nil, genimage.Options{ImagesPerDay: 2, MaxConcurrentJobs: 1})
	alice := e.user(t, "alice")
	ctx := context.Background()
	submit := func() error {
		_, err := e.svc.Submit(ctx, genimage.SubmitRequest{AccountID: alice.ID, Kind: store.JobDraft, Prompt: "a boat"})
		return err
	}
	if err := submit(); err != nil {
		t.Fatal(err)
	}
	// No worker runs yet: the first job is still queued.
	err := submit()
	if apperr.StatusOf(err) != http.StatusTooManyRequests || !strings.Contains(apperr.MessageOf(err), "at most 1 images may be in progress") {
		t.Fatalf("concurrency: %d %q", apperr.StatusOf(err), apperr.MessageOf(err))
	}
	e.start(t, false)
	jobs, _ := e.db.JobsOf(ctx, alice.ID, 10)
	e.wait(t, jobs[0].ID)
	if err := submit(); err != nil {
		t.Fatal(err)
	}
	jobs, _ = e.db.JobsOf(ctx, alice.ID, 10)
	e.wait(t, jobs[0].ID)
	err = submit()
	msg := apperr.MessageOf(err)
	if apperr.StatusOf(err) != http.StatusTooManyRequests || !strings.HasPrefix(msg, "quota exceeded: 2 images per day, resets at ") {
		t.Fatalf("daily quota: %d %q", apperr.StatusOf(err), msg)
	}
	if n, _ := e.db.JobsOf(ctx, alice.ID, 10); len(n) != 2 {
		t.Fatalf("%d jobs stored, want 2", len(n))
	}
}

func TestModerationRefusesBeforeAnythingIsStored(t *testing.T) {
	words := genimage.NewWordList(append(genimage.DefaultWordList(), "kraken"))
	b := okBackend()
	e := newEnv(t, b, words, genimage.Options{})
	alice := e.user(t, "alice")
	ctx := context.Background()
	for _, req := range []genimage.SubmitRequest{
		{Prompt: "a giant Kraken attacking a ship"},
		{Prompt: "a ship", Draft: store.PostDraft{Text: "look, gore"}},
	} {
		req.AccountID, req.Kind, req.Source = alice.ID, store.JobPost, genimage.SourceImagine
		_, err := e.svc.Submit(ctx, req)
		var ref *genimage.RefusalError
		if !errors.As(err, &ref) || apperr.StatusOf(err) != http.StatusUnprocessableEntity ||
			!strings.Contains(apperr.MessageOf(err), "refused by this server's content rules") {
			t.Fatalf("%q: err = %v", req.Prompt, err)
		}
	}
	log, _ := e.db.ModerationLog(ctx, 10)
	if len(log) != 2 || log[1].Prompt != "a giant Kraken attacking a ship" || log[1].Source != genimage.SourceImagine ||
		log[1].AccountID != alice.ID || log[1].Reason != `contains "kraken"` {
		t.Fatalf("moderation log %+v", log)
	}
	if jobs, _ := e.db.JobsOf(ctx, alice.ID, 10); len(jobs) != 0 || b.Calls() != 0 {
		t.Fatalf("refused prompt stored %d jobs / generated %d times", len(jobs), b.Calls())
	}
}

type brokenModerator struct{}

func (brokenModerator) Screen(context.Context, string) (genimage.Verdict, error) {
	return genimage.Verdict{}, errors.New("moderation endpoint: 500")
}

func TestModerationFailsClosed(t *testing.T) {
	e := newEnv(t, okBackend(), brokenModerator{}, genimage.Options{})
	alice := e.user(t, "alice")
	_, err := e.svc.Submit(context.Background(), genimage.SubmitRequest{AccountID: alice.ID, Kind: store.JobDraft, Prompt: "a cat"})
	if apperr.StatusOf(err) != http.StatusServiceUnavailable {
		t.Fatalf("err = %v (%d)", err, apperr.StatusOf(err))
	}
}

func TestSubmitValidation(t *testing.T) {
	e := newEnv(t, okBackend(), nil, genimage.Options{MaxPromptChars: 20})
	alice := e.user(t, "alice")
	cases := []struct {
		name string
		req  genimage.SubmitRequest
		want int
	}{
		{"empty prompt", genimage.SubmitRequest{Prompt: "  "}, 422},
		{"long prompt", genimage.SubmitRequest{Prompt: strings.Repeat("a", 21)}, 422},
		{"bad size", genimage.SubmitRequest{Prompt: "x", Size: "9000x10"}, 422},
		{"bad kind", genimage.SubmitRequest{Prompt: "x", Kind: "poster"}, 422},
		{"unknown account", genimage.SubmitRequest{Prompt: "x", AccountID: 12345}, 404},
	}
	for _, tc := range cases {
		if tc.req.AccountID == 0 {
			tc.req.AccountID = alice.ID
		}
		if tc.req.Kind == "" {
			tc.req.Kind = store.JobDraft
		}
		_, err := e.svc.Submit(context.Background(), tc.req)
		if apperr.StatusOf(err) != tc.want {
			t.Errorf("%s: %v (%d), want %d", tc.name, err, apperr.StatusOf(err), tc.want)
		}
	}
}
