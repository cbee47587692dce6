package genimage_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pictor-social/pictor/genimage"
	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

func TestParseCommand(t *testing.T) {
	e := newEnv(t, okBackend(), nil, genimage.Options{})
	cases := []struct {
		in, prompt string
		ok         bool
	}{
		{"/imagine a cat", "a cat", true},
		{"  /imagine\ta cat on a mat ", "a cat on a mat", true},
		{"/imagine", "", true},
		{"/imaginealot", "", false},
		{"please /imagine a cat", "", false},
		{"a cat", "", false},
	}
	for _, tc := range cases {
		p, ok := e.svc.ParseCommand(tc.in)
		if p != tc.prompt || ok != tc.ok {
			t.Errorf("ParseCommand(%q) = %q, %v", tc.in, p, ok)
		}
	}
}

func TestImagineReturnsThePostAndAResendDoesNotDuplicate(t *testing.T) {
	e := newEnv(t, okBackend(), nil, genimage.Options{})
	alice := e.user(t, "alice")
	e.start(t, false)
	ctx := context.Background()
	st, err := e.svc.Imagine(ctx, alice.ID, "a lighthouse at dusk", store.PostDraft{Visibility: store.VisibilityPrivate, SpoilerText: "art"})
	if err != nil {
		t.Fatal(err)
	}
	if !st.Generated || st.Visibility != store.VisibilityPrivate || st.SpoilerText != "art" || !strings.HasPrefix(st.Text, "a lighthouse at dusk") {
		t.Fatalf("status %+v", st)
	}
	again, err := e.svc.Imagine(ctx, alice.ID, "a lighthouse at dusk", store.PostDraft{})
	if err != nil || again.ID != st.ID {
		t.Fatalf("resend gave %d, %v; want the same status %d", again.ID, err, st.ID)
	}
	if jobs, _ := e.db.JobsOf(ctx, alice.ID, 10); len(jobs) != 1 {
		t.Fatalf("%d jobs", len(jobs))
	}
}

func TestImagineSlowProviderAnswersGeneratingThenPosts(t *testing.T) {
	release := make(chan struct{})
	b := &fakeBackend{gen: func(ctx context.Context, req genimage.Request) (genimage.Result, error) {
		select {
		case <-release:
			return imageResult(pngBytes(req.Seed)), nil
		case <-ctx.Done():
			return genimage.Result{}, ctx.Err()
		}
	}}
	e := newEnv(t, b, nil, genimage.Options{SyncWait: 100 * time.Millisecond})
	alice := e.user(t, "alice")
	e.start(t, false)
	ctx := context.Background()
	for i := 0; i < 2; i++ { // the second call is the app's retry
		_, err := e.svc.Imagine(ctx, alice.ID, "a slow sunrise", store.PostDraft{})
		if !errors.Is(err, genimage.ErrGenerating) || apperr.StatusOf(err) != http.StatusUnprocessableEntity {
			t.Fatalf("call %d: err = %v", i, err)
		}
	}
	jobs, _ := e.db.JobsOf(ctx, alice.ID, 10)
	if len(jobs) != 1 {
		t.Fatalf("%d jobs, want 1", len(jobs))
	}
	if n, _ := e.db.CountAccountStatuses(ctx, alice.ID, []string{store.VisibilityPublic}); n != 0 {
		t.Fatal("a post appeared before its image")
	}
	close(release)
	j := e.wait(t, jobs[0].ID)
	st, err := e.svc.Imagine(ctx, alice.ID, "a slow sunrise", store.PostDraft{})
	if err != nil || st.ID != j.StatusID {
		t.Fatalf("after completion: %d, %v; want %d", st.ID, err, j.StatusID)
	}
}

func TestImagineFailureIsAnErrorAndAFreshTry(t *testing.T) {
	b := &fakeBackend{gen: func(context.Context, genimage.Request) (genimage.Result, error) {
		return genimage.Result{}, &genimage.RefusalError{Stage: genimage.StageInput}
	}}
	e := newEnv(t, b, nil, genimage.Options{})
	alice := e.user(t, "alice")
	e.start(t, false)
	for i := 1; i <= 2; i++ {
		_, err := e.svc.Imagine(context.Background(), alice.ID, "something", store.PostDraft{})
		if apperr.StatusOf(err) != 422 || !strings.Contains(apperr.MessageOf(err), "stage: input") {
			t.Fatalf("err = %v", err)
		}
		if b.Calls() != i {
			t.Fatalf("calls = %d, want %d (a failed job is not reused)", b.Calls(), i)
		}
	}
}

func TestBotRepliesToMentionsWithinQuota(t *testing.T) {
	e := newEnv(t, okBackend(), nil, genimage.Options{ImagesPerDay: 1})
	bot, err := e.svc.Bot(context.Background())
	if err != nil || !bot.Bot || bot.Username != "imagine" {
		t.Fatalf("bot %+v, %v", bot, err)
	}
	bob := e.user(t, "bob")
	e.user(t, "carol")
	e.start(t, true)
	ctx := context.Background()
	mention, err := e.soc.CreateStatus(ctx, bob.ID, social.Draft{Text: "@imagine a #red fox, ask @carol"})
	if err != nil {
		t.Fatal(err)
	}
	reply := waitReply(t, e, mention.ID)
	media, _ := e.db.MediaForStatuses(ctx, []int64{reply.ID})
	if len(media[reply.ID]) != 1 || reply.AccountID != bot.ID || reply.Visibility != store.VisibilityUnlisted {
		t.Fatalf("reply %+v with %d images", reply, len(media[reply.ID]))
	}
	if !strings.HasPrefix(reply.Text, "@bob ") || !strings.Contains(reply.Text, "#AIGenerated") {
		t.Fatalf("reply text %q", reply.Text)
	}
	if strings.Contains(reply.Content, "pictor.test/@carol") || strings.Contains(reply.Content, "/tags/red") {
		t.Fatalf("echoed prompt mentions someone: %s", reply.Content)
	}
	// The daily quota of 1 is used: the next request gets a text reply saying so.
	second, err := e.soc.CreateStatus(ctx, bob.ID, social.Draft{Text: "@imagine a blue whale", Visibility: store.VisibilityPrivate})
	if err != nil {
		t.Fatal(err)
	}
	refusal := waitReply(t, e, second.ID)
	if !strings.Contains(refusal.Text, "quota exceeded: 1 images per day") || refusal.Visibility != store.VisibilityPrivate {
		t.Fatalf("quota reply %+v", refusal)
	}
}

// waitReply waits for the bot's reply to status id.
func waitReply(t *testing.T, e *env, id int64) store.Status {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		replies, err := e.db.Replies(context.Background(), id, 5)
		if err == nil && len(replies) > 0 {
			return replies[0]
		}
		time.Sleep(20 * time.Millisecond) // polling a condition with a deadline, not synchronising
	}
	t.Fatalf("no reply to %d within 20s", id)
	return store.Status{}
}

func TestMentionPrompt(t *testing.T) {
	cases := []struct {
		st   store.Status
		want string
	}{
		{store.Status{Text: "@imagine a cat"}, "a cat"},
		{store.Status{Text: "@imagine@pictor.test @bob a cat with @bob"}, "a cat with @bob"},
		{store.Status{Content: `<p><span class="h-card"><a href="https://p.test/@imagine" class="u-url mention">@<span>imagine</span></a></span> a &amp; b</p>`}, "a & b"},
		{store.Status{Text: "@imagine"}, ""},
	}
	for _, tc := range cases {
		if got := genimage.MentionPrompt(tc.st); got != tc.want {
			t.Errorf("MentionPrompt(%q%q) = %q, want %q", tc.st.Text, tc.st.Content, got, tc.want)
		}
	}
}

func TestLabels(t *testing.T) {
	p := genimage.Provenance{Backend: "openai", Model: "gpt-image-1"}
	if got := genimage.AltText(p, " a cat "); got != "AI-generated image (openai gpt-image-1). Prompt: a cat" {
		t.Errorf("AltText = %q", got)
	}
	if got := genimage.AltText(p, strings.Repeat("x", 3000)); len([]rune(got)) != 1500 || !strings.HasSuffix(got, "…") {
		t.Errorf("long alt text has %d characters", len([]rune(got)))
	}
	e := newEnvWith(t, t.TempDir(), okBackend(), nil, genimage.Options{}, social.Options{AILabel: "Made by AI", AIHashtag: "AIArt"}, nil)
	if got := e.svc.LabelLine(p); got != "Made by AI (openai gpt-image-1) #AIArt" {
		t.Errorf("LabelLine = %q", got)
	}
}

func TestSubmitPostHook(t *testing.T) {
	e := newEnv(t, okBackend(), nil, genimage.Options{})
	alice := e.user(t, "alice")
	e.start(t, false)
	ctx := context.Background()
	st, err := e.svc.SubmitPost(ctx, alice.ID, social.Draft{Text: "a fox", Visibility: store.VisibilityUnlisted, Language: "de"}, "a fox")
	if err != nil || st.Visibility != store.VisibilityUnlisted || st.Language != "de" || !st.Generated {
		t.Fatalf("status %+v, %v", st, err)
	}
	_, err = e.svc.SubmitPost(ctx, alice.ID, social.Draft{MediaIDs: []int64{1}}, "a fox")
	if apperr.StatusOf(err) != 422 {
		t.Fatalf("media with /imagine: %v", err)
	}
}

func TestBotIgnoresOtherBots(t *testing.T) {
	e := newEnv(t, okBackend(), nil, genimage.Options{})
	ctx := context.Background()
	other, err := e.soc.CreateAccount(ctx, social.NewAccount{Username: "otherbot", Bot: true})
	if err != nil {
		t.Fatal(err)
	}
	human := e.user(t, "human")
	if _, err := e.svc.Bot(ctx); err != nil {
		t.Fatal(err)
	}
	e.start(t, true)
	fromBot, err := e.soc.CreateStatus(ctx, other.ID, social.Draft{Text: "@imagine a loop"})
	if err != nil {
		t.Fatal(err)
	}
	fromHuman, err := e.soc.CreateStatus(ctx, human.ID, social.Draft{Text: "@imagine a tree"})
	if err != nil {
		t.Fatal(err)
	}
	waitReply(t, e, fromHuman.ID) // mentions are handled in order: the bot's came first
	if replies, _ := e.db.Replies(ctx, fromBot.ID, 5); len(replies) != 0 {
		t.Fatalf("answered a bot: %+v", replies)
	}
	if jobs, _ := e.db.JobsOf(ctx, other.ID, 5); len(jobs) != 0 {
		t.Fatalf("jobs for a bot: %+v", jobs)
	}
}

// Options typed after the prompt reach the backend and are not drawn into
// the picture; a resend with other options is a new request.
func TestImagineOptions(t *testing.T) {
	var mu sync.Mutex
	var got []genimage.Request
	b := &fakeBackend{gen: func(_ context.Context, req genimage.Request) (genimage.Result, error) {
		mu.Lock()
		got = append(got, req)
		mu.Unlock()
		return imageResult(pngBytes(req.Seed)), nil
	}}
	e := newEnv(t, b, nil, genimage.Options{})
	alice := e.user(t, "alice")
	e.start(t, false)
	ctx := context.Background()
	st, err := e.svc.Imagine(ctx, alice.ID, "a fox in the forest --seed 42 --ar 2:3 --no snow", store.PostDraft{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(st.Text, "a fox in the forest") || strings.Contains(st.Text, "--") {
		t.Fatalf("status text %q", st.Text)
	}
	again, err := e.svc.Imagine(ctx, alice.ID, "a fox in the forest --seed 42 --ar 2:3 --no snow", store.PostDraft{})
	if err != nil || again.ID != st.ID {
		t.Fatalf("identical resend gave %d, %v; want status %d", again.ID, err, st.ID)
	}
	other, err := e.svc.Imagine(ctx, alice.ID, "a fox in the forest --seed 43", store.PostDraft{})
	if err != nil || other.ID == st.ID {
		t.Fatalf("a resend with another seed gave %d, %v", other.ID, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2 {
		t.Fatalf("%d generations, want 2", len(got))
	}
	want := genimage.Request{Prompt: "a fox in the forest", NegativePrompt: "snow", Seed: 42, Size: "1024x1536"}
	if r := got[0]; r.Prompt != want.Prompt || r.NegativePrompt != want.NegativePrompt || r.Seed != want.Seed || r.Size != want.Size {
		t.Fatalf("backend got %+v, want %+v", r, want)
	}
	if got[1].Seed != 43 || got[1].NegativePrompt != "" {
		t.Fatalf("second request %+v", got[1])
	}
	if _, err := e.svc.Imagine(ctx, alice.ID, "a fox --chaos 9", store.PostDraft{}); apperr.StatusOf(err) != http.StatusUnprocessableEntity {
		t.Fatalf("unknown option: %v", err)
	}
}

func TestBotRepliesWithTheOptionError(t *testing.T) {
	e := newEnv(t, okBackend(), nil, genimage.Options{})
	if _, err := e.svc.Bot(context.Background()); err != nil {
		t.Fatal(err)
	}
	bob := e.user(t, "bob")
	e.start(t, true)
	mention, err := e.soc.CreateStatus(context.Background(), bob.ID, social.Draft{Text: "@imagine a fox --chaos 80"})
	if err != nil {
		t.Fatal(err)
	}
	reply := waitReply(t, e, mention.ID)
	if !strings.Contains(reply.Text, "unknown option --chaos") {
		t.Fatalf("reply %q", reply.Text)
	}
}
