package genimage_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"log/slog"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/pictor-social/pictor/activitypub"
	"github.com/pictor-social/pictor/genimage"
	"github.com/pictor-social/pictor/internal/pubsub"
	"github.com/pictor-social/pictor/media"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// env is a real store, federation, social service and generation service
// in a temp folder; nothing leaves the process.
type env struct {
	dir  string
	db   *store.DB
	fed  *activitypub.Federation
	soc  *social.Service
	hub  *pubsub.Hub
	svc  *genimage.Service
	stop func() // stops Run and RunBot if started, and waits for them
}

func newEnv(t testing.TB, b genimage.Backend, mod genimage.Moderator, opts genimage.Options) *env {
	t.Helper()
	return newEnvAt(t, t.TempDir(), b, mod, opts)
}

func newEnvAt(t testing.TB, dir string, b genimage.Backend, mod genimage.Moderator, opts genimage.Options) *env {
	t.Helper()
	return newEnvClock(t, dir, b, mod, opts, nil)
}

func newEnvClock(t testing.TB, dir string, b genimage.Backend, mod genimage.Moderator, opts genimage.Options, now func() time.Time) *env {
	t.Helper()
	return newEnvWith(t, dir, b, mod, opts, social.Options{AIHashtag: "AIGenerated"}, now)
}

// newEnvWith is newEnvClock with the social service's options (AI label and hashtag).
func newEnvWith(t testing.TB, dir string, b genimage.Backend, mod genimage.Moderator, opts genimage.Options, socOpts social.Options, now func() time.Time) *env {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(dir, "pictor.db"), store.Options{Clock: now})
	if err != nil {
		t.Fatal(err)
	}
	hub := pubsub.New()
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	fed, err := activitypub.New(db, http.DefaultClient, hub, log, activitypub.Options{BaseURL: "https://pictor.test", AllowPrivate: true})
	if err != nil {
		t.Fatal(err)
	}
	files, err := media.NewFiles(filepath.Join(dir, "media"))
	if err != nil {
		t.Fatal(err)
	}
	soc := social.New(db, fed, files, hub, socOpts)
	opts.NotificationStream = activitypub.StreamNotifications
	sources := media.NewRemoteCache(db, files, http.DefaultClient, log, media.RemoteOptions{}) // remix source images
	svc, err := genimage.New(genimage.Deps{DB: db, Files: files, Social: soc, Hub: hub, Log: log, Backend: b, Moderator: mod,
		Sources: sources}, opts)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{dir: dir, db: db, fed: fed, soc: soc, hub: hub, svc: svc, stop: func() {}}
	t.Cleanup(func() { e.stop(); db.Close() })
	return e
}

// start runs the workers (and the bot) until the test ends or e.stop.
func (e *env) start(t testing.TB, bot bool) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); e.svc.Run(ctx) }()
	if bot {
		wg.Add(1)
		go func() { defer wg.Done(); e.svc.RunBot(ctx) }()
	}
	var once sync.Once
	e.stop = func() { once.Do(func() { cancel(); wg.Wait() }) }
}

func (e *env) user(t testing.TB, name string) store.Account {
	t.Helper()
	a, err := e.soc.CreateAccount(context.Background(), social.NewAccount{Username: name, PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// wait waits (bounded) for job id to finish and returns it.
func (e *env) wait(t testing.TB, id string) store.Job {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	j, err := e.svc.Wait(ctx, id, 0, nil)
	if err != nil {
		t.Fatalf("wait for job %s: %v (state %s)", id, err, j.State)
	}
	return j
}

// fakeBackend is a Backend whose behaviour each test sets.
type fakeBackend struct {
	mu    sync.Mutex
	calls int
	gen   func(ctx context.Context, req genimage.Request) (genimage.Result, error)
}

func (f *fakeBackend) Name() string  { return "fake" }
func (f *fakeBackend) Model() string { return "fake-model-1" }

func (f *fakeBackend) Generate(ctx context.Context, req genimage.Request, progress func(genimage.Progress)) (genimage.Result, error) {
	f.mu.Lock()
	f.calls++
	gen := f.gen
	f.mu.Unlock()
	genimage.Report(progress, genimage.Progress{Stage: genimage.StageRendering, Fraction: 0.5})
	return gen(ctx, req)
}

func (f *fakeBackend) Calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// okBackend answers every request with a small PNG made from the seed.
func okBackend() *fakeBackend {
	return &fakeBackend{gen: func(_ context.Context, req genimage.Request) (genimage.Result, error) {
		return imageResult(pngBytes(req.Seed)), nil
	}}
}

func imageResult(data []byte) genimage.Result {
	return genimage.Result{Images: []genimage.Image{{Data: data, MediaType: "image/png", Width: 64, Height: 48}},
		RevisedPrompt: "revised", Usage: genimage.Usage{InputTokens: 10, OutputTokens: 272, TotalTokens: 282},
		Provenance: genimage.Provenance{Backend: "fake", Model: "fake-model-1", DigitalSourceType: genimage.SourceTrainedAlgorithmic}}
}

func pngBytes(seed int64) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := 0; y < 48; y++ {
		for x := 0; x < 64; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), uint8(seed), 255})
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	return buf.Bytes()
}

// clock is a settable store clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }

// testWriter sends log lines to the test log.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }
