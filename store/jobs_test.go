package store

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// testClock is a settable clock for lease tests.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func openClocked(t *testing.T) (*DB, *testClock) {
	t.Helper()
	clk := &testClock{t: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "pictor.db"), Options{Clock: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, clk
}

func newJobAccount(t *testing.T, db *DB, name string) Account {
	t.Helper()
	a := Account{Username: name, URI: "https://x.test/users/" + name}
	mustWrite(t, db, func(tx *Tx) error { return tx.InsertAccount(context.Background(), &a) })
	return a
}

func TestJobLifecycleAndLeaseLapse(t *testing.T) {
	db, clk := openClocked(t)
	ctx := context.Background()
	a := newJobAccount(t, db, "alice")
	j := Job{ID: "job-1", AccountID: a.ID, AuthorID: a.ID, Kind: JobPost, Prompt: "a cat", Seed: 7,
		Draft: PostDraft{Text: "a cat", Visibility: VisibilityPublic, Language: "en"}}
	mustWrite(t, db, func(tx *Tx) error { return tx.InsertJob(ctx, &j) })

	var claimed Job
	mustWrite(t, db, func(tx *Tx) (err error) { claimed, err = tx.ClaimJob(ctx, time.Minute); return err })
	if claimed.ID != "job-1" || claimed.State != JobRunning || claimed.Attempts != 1 || claimed.Draft.Language != "en" {
		t.Fatalf("claimed %+v", claimed)
	}
	err := db.Write(ctx, func(tx *Tx) error { _, err := tx.ClaimJob(ctx, time.Minute); return err })
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("second claim while leased: %v, want ErrNotFound", err)
	}
	// The worker dies: after the lease lapses the job is claimed again.
	clk.add(61 * time.Second)
	mustWrite(t, db, func(tx *Tx) (err error) { claimed, err = tx.ClaimJobByID(ctx, "job-1", time.Minute); return err })
	if claimed.Attempts != 2 {
		t.Fatalf("attempts = %d, want 2", claimed.Attempts)
	}
	out := JobOutput{MediaIDs: []int64{11, 12}, Backend: "builtin", Model: "m1", TotalTokens: 5, CostUnits: 2}
	mustWrite(t, db, func(tx *Tx) error { return tx.SetJobOutput(ctx, "job-1", out) })
	mustWrite(t, db, func(tx *Tx) error { return tx.FinishJob(ctx, "job-1", 0) })
	got, err := db.JobByID(ctx, "job-1")
	if err != nil {
		t.Fatal(err)
	}
	if got.State != JobDone || len(got.MediaIDs) != 2 || got.MediaIDs[1] != 12 || !got.Finished() || got.FinishedAt.IsZero() {
		t.Fatalf("finished job %+v", got)
	}
	counts, err := db.GenerationCounts(ctx)
	if err != nil || len(counts) != 1 || counts[0].Images != 2 || counts[0].Model != "m1" || counts[0].TotalTokens != 5 {
		t.Fatalf("counts %+v, %v", counts, err)
	}
	if _, err := db.JobByID(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing job: %v", err)
	}
}

func TestJobUsageCountsRefusalsNotErrors(t *testing.T) {
	db, clk := openClocked(t)
	ctx := context.Background()
	a := newJobAccount(t, db, "bob")
	insert := func(id string) {
		j := Job{ID: id, AccountID: a.ID, AuthorID: a.ID, Kind: JobDraft, Prompt: id}
		mustWrite(t, db, func(tx *Tx) error { return tx.InsertJob(ctx, &j) })
		clk.add(time.Second)
	}
	insert("old")
	clk.add(25 * time.Hour)
	for _, id := range []string{"refused", "broken", "queued", "done"} {
		insert(id)
	}
	mustWrite(t, db, func(tx *Tx) error { return tx.FailJob(ctx, "refused", JobRefused, "no") })
	mustWrite(t, db, func(tx *Tx) error { return tx.FailJob(ctx, "broken", JobError, "oops") })
	mustWrite(t, db, func(tx *Tx) error { return tx.FinishJob(ctx, "done", 0) })
	mustWrite(t, db, func(tx *Tx) error { return tx.FailJob(ctx, "old", JobError, "x") })
	u, err := db.JobUsageOf(ctx, a.ID, clk.now().Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	// refused, queued and done count; the server-side failure and the old job do not.
	if u.Since != 3 || u.Active != 1 {
		t.Fatalf("usage %+v, want 3 counted and 1 active", u)
	}
	refused, _ := db.JobByID(ctx, "refused")
	if !u.Oldest.Equal(refused.CreatedAt) {
		t.Fatalf("oldest = %v, want %v", u.Oldest, refused.CreatedAt)
	}
}

func TestJobSourceIsUniqueAndRecentPostJob(t *testing.T) {
	db, clk := openClocked(t)
	ctx := context.Background()
	a := newJobAccount(t, db, "carol")
	st := Status{AccountID: a.ID, URI: "https://x.test/s/1", Visibility: VisibilityPublic}
	mustWrite(t, db, func(tx *Tx) error { st.ID = tx.NewID(tx.Now()); return tx.InsertStatus(ctx, &st) })
	for i, id := range []string{"r1", "r2"} {
		j := Job{ID: id, AccountID: a.ID, AuthorID: a.ID, Kind: JobReply, Prompt: "x", SourceStatusID: st.ID}
		err := db.Write(ctx, func(tx *Tx) error { return tx.InsertJob(ctx, &j) })
		if (i == 0 && err != nil) || (i == 1 && !errors.Is(err, ErrConflict)) {
			t.Fatalf("insert %s: %v", id, err)
		}
	}
	p := Job{ID: "p1", AccountID: a.ID, AuthorID: a.ID, Kind: JobPost, Prompt: "a dog"}
	mustWrite(t, db, func(tx *Tx) error { return tx.InsertJob(ctx, &p) })
	if j, err := db.RecentPostJob(ctx, a.ID, "a dog", clk.now().Add(-time.Minute)); err != nil || j.ID != "p1" {
		t.Fatalf("recent = %+v, %v", j, err)
	}
	mustWrite(t, db, func(tx *Tx) error { return tx.FailJob(ctx, "p1", JobError, "x") })
	if _, err := db.RecentPostJob(ctx, a.ID, "a dog", clk.now().Add(-time.Minute)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("failed job must not be reused: %v", err)
	}
}

func TestModerationLogAndMentions(t *testing.T) {
	db, _ := openClocked(t)
	ctx := context.Background()
	a := newJobAccount(t, db, "dave")
	b := newJobAccount(t, db, "erin")
	e := ModerationEntry{AccountID: a.ID, Source: "api", Stage: "prompt", Prompt: "bad", Categories: []string{"word-list", "x"}, Reason: `contains "bad"`}
	mustWrite(t, db, func(tx *Tx) error { return tx.InsertModerationEntry(ctx, &e) })
	log, err := db.ModerationLog(ctx, 10)
	if err != nil || len(log) != 1 || log[0].Prompt != "bad" || len(log[0].Categories) != 2 || log[0].AccountID != a.ID {
		t.Fatalf("log %+v, %v", log, err)
	}
	var ids []int64
	for _, typ := range []string{NotifyMention, NotifyFavourite, NotifyMention} {
		n := Notification{AccountID: a.ID, FromAccountID: b.ID, Type: typ}
		mustWrite(t, db, func(tx *Tx) error { _, err := tx.InsertNotification(ctx, &n); return err })
		ids = append(ids, n.ID)
	}
	got, err := db.MentionsAfter(ctx, a.ID, 0, 10)
	if err != nil || len(got) != 1 || got[0].ID != ids[0] {
		t.Fatalf("mentions %+v, %v (the third is a duplicate and ignored)", got, err)
	}
	if got, _ := db.MentionsAfter(ctx, a.ID, ids[0], 10); len(got) != 0 {
		t.Fatalf("after cursor: %+v", got)
	}
}
