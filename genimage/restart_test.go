package genimage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/pictor-social/pictor/genimage"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// A job whose worker is stopped mid-generation is finished by a new service
// started on the same database.
func TestJobInterruptedByRestartCompletes(t *testing.T) {
	dir := t.TempDir()
	started := make(chan struct{}, 1)
	blocking := &fakeBackend{gen: func(ctx context.Context, _ genimage.Request) (genimage.Result, error) {
		started <- struct{}{}
		<-ctx.Done() // the provider never answers before the process stops
		return genimage.Result{}, ctx.Err()
	}}
	first := newEnvAt(t, dir, blocking, nil, genimage.Options{})
	alice := first.user(t, "alice")
	j, err := first.svc.Submit(context.Background(), genimage.SubmitRequest{AccountID: alice.ID, Kind: store.JobPost, Prompt: "a lighthouse"})
	if err != nil {
		t.Fatal(err)
	}
	first.start(t, false)
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("job never started")
	}
	first.stop()
	first.db.Close()

	second := newEnvAt(t, dir, okBackend(), nil, genimage.Options{})
	got, _ := second.db.JobByID(context.Background(), j.ID)
	if got.State != store.JobQueued {
		t.Fatalf("after stop the job is %s, want queued", got.State)
	}
	second.start(t, false)
	got = second.wait(t, j.ID)
	if got.State != store.JobDone || got.StatusID == 0 || got.Attempts != 1 { // a clean stop is not an attempt
		t.Fatalf("after restart: %+v", got)
	}
}

// A job whose process died (lease still held) runs again once the lease
// lapses.
func TestJobOfDeadProcessRunsAfterLeaseLapse(t *testing.T) {
	clk := &clock{t: time.Now()}
	e := newEnvClock(t, t.TempDir(), okBackend(), nil, genimage.Options{Timeout: time.Minute}, clk.now)
	alice := e.user(t, "alice")
	ctx := context.Background()
	j, err := e.svc.Submit(ctx, genimage.SubmitRequest{AccountID: alice.ID, Kind: store.JobDraft, Prompt: "a kite"})
	if err != nil {
		t.Fatal(err)
	}
	// A worker of another process sharing the database claims the job and dies.
	if err := e.db.Write(ctx, func(tx *store.Tx) error { _, err := tx.ClaimJob(ctx, 3*time.Minute); return err }); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.RunJob(ctx, j.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a leased job must not run twice: %v", err)
	}
	clk.add(3*time.Minute + time.Second)
	e.start(t, false)
	got := e.wait(t, j.ID)
	if got.State != store.JobDone || got.Attempts != 2 || len(got.MediaIDs) != 1 {
		t.Fatalf("after lease lapse: %+v", got)
	}
}

// A job that posted but died before it was marked done does not post twice.
func TestPostStepIsIdempotent(t *testing.T) {
	e := newEnv(t, okBackend(), nil, genimage.Options{})
	alice := e.user(t, "alice")
	ctx := context.Background()
	j, err := e.svc.Submit(ctx, genimage.SubmitRequest{AccountID: alice.ID, Kind: store.JobPost, Prompt: "a comet"})
	if err != nil {
		t.Fatal(err)
	}
	// Simulate the earlier run: images stored, post published, then a crash.
	m, err := e.soc.UploadMedia(ctx, alice.ID, bytesReader(pngBytes(1)), social.MediaInput{Generated: true, GeneratorBackend: "fake"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.db.Write(ctx, func(tx *store.Tx) error {
		return tx.SetJobOutput(ctx, j.ID, store.JobOutput{MediaIDs: []int64{m.ID}, Backend: "fake", Model: "m"})
	}); err != nil {
		t.Fatal(err)
	}
	st, err := e.soc.CreateStatus(ctx, alice.ID, social.Draft{Text: "a comet", MediaIDs: []int64{m.ID}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.svc.RunJob(ctx, j.ID)
	if err != nil || got.State != store.JobDone || got.StatusID != st.ID {
		t.Fatalf("rerun: %+v, %v; want the existing status %d", got, err, st.ID)
	}
	if n, _ := e.db.CountAccountStatuses(ctx, alice.ID, []string{store.VisibilityPublic}); n != 1 {
		t.Fatalf("%d statuses, want 1", n)
	}
}
