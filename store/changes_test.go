package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// TestDataVersionSeesOnlyOtherProcesses: the writer connection's
// data_version moves for a commit through another handle (another process),
// not for this handle's own commits, so a server is not woken by itself.
func TestDataVersionSeesOnlyOtherProcesses(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "pictor.db")
	a, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	v0, err := a.dataVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mustWrite(t, a, func(tx *Tx) error { _, err := tx.BlockDomain(ctx, "own.example", ""); return err })
	if v1, _ := a.dataVersion(ctx); v1 != v0 {
		t.Fatalf("own commit moved data_version %d -> %d", v0, v1)
	}
	mustWrite(t, b, func(tx *Tx) error { _, err := tx.BlockDomain(ctx, "other.example", ""); return err })
	if v2, _ := a.dataVersion(ctx); v2 == v0 {
		t.Fatalf("another handle's commit left data_version at %d", v0)
	}
}

// TestExternalChangesFeed: a commit through a second handle reaches Run's
// callback within a few polls.
func TestExternalChangesFeed(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	path := filepath.Join(t.TempDir(), "pictor.db")
	a, err := Open(ctx, path, Options{ExternalPoll: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	changed := make(chan struct{}, 16)
	done := make(chan error, 1)
	feed := a.ExternalChanges()
	started := make(chan struct{})
	go func() {
		close(started)
		done <- feed.Run(ctx, func() { changed <- struct{}{} })
	}()
	<-started
	// The feed reads its first version asynchronously; keep writing (a
	// real change each time: a commit that changes nothing moves nothing)
	// until one write lands after it.
	deadline := time.After(10 * time.Second)
	for i := 0; ; i++ {
		mustWrite(t, b, func(tx *Tx) error { _, err := tx.BlockDomain(ctx, "x.example", fmt.Sprint("reason ", i)); return err })
		select {
		case <-changed:
			cancel()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			return
		case <-time.After(200 * time.Millisecond):
		case <-deadline:
			t.Fatal("no change reported within 10s")
		}
	}
}

// BenchmarkDataVersion measures one poll of the change feed.
func BenchmarkDataVersion(b *testing.B) {
	db, err := Open(context.Background(), filepath.Join(b.TempDir(), "pictor.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	for b.Loop() {
		if _, err := db.dataVersion(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
