package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pictor-social/pictor/internal/testkit/pgtest"
)

// openPostgresPair opens two handles on one fresh PostgreSQL database, as
// two server processes would; it runs in the PostgreSQL pass only.
func openPostgresPair(t *testing.T) (a, b *DB) {
	t.Helper()
	if testEngine != "postgres" {
		t.Skip("PostgreSQL pass only (PICTOR_TEST_ENGINE=postgres)")
	}
	url := pgtest.NewDatabaseFrom(t, pgTemplate)
	ctx := context.Background()
	var err error
	if a, err = OpenPostgres(ctx, url, Options{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	if b, err = OpenPostgres(ctx, url, Options{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return a, b
}

// A write that meets another process's committed change of a row it read
// fails to serialize; Write runs its function again, in a new transaction,
// and the second run sees the other change: nothing is lost.
func TestPostgresWriteRetriesSerializationFailures(t *testing.T) {
	a, b := openPostgresPair(t)
	ctx := context.Background()
	mustWrite(t, a, func(tx *Tx) error { _, err := tx.BlockDomain(ctx, "x.example", "start"); return err })
	attempts, hooks := 0, 0
	mustWrite(t, a, func(tx *Tx) error {
		attempts++
		tx.AfterCommit(func() { hooks++ })
		var reason string
		if err := tx.tx.QueryRowContext(ctx, `SELECT reason FROM domain_blocks WHERE domain = ?`, "x.example").Scan(&reason); err != nil {
			return err
		}
		if attempts == 1 {
			mustWrite(t, b, func(tx *Tx) error { _, err := tx.BlockDomain(ctx, "x.example", reason+"+b"); return err })
		}
		_, err := tx.BlockDomain(ctx, "x.example", reason+"+a")
		return err
	})
	var reason string
	if err := a.read.QueryRowContext(ctx, `SELECT reason FROM domain_blocks WHERE domain = ?`, "x.example").Scan(&reason); err != nil {
		t.Fatal(err)
	}
	if attempts != 2 || hooks != 1 || reason != "start+b+a" || a.WriteRetries() != 1 {
		t.Fatalf("attempts %d, after-commit hooks %d, reason %q; want 2, 1, start+b+a", attempts, hooks, reason)
	}
	// A function's own error is not retried.
	boom := errors.New("boom")
	attempts = 0
	if err := a.Write(ctx, func(*Tx) error { attempts++; return boom }); !errors.Is(err, boom) || attempts != 1 {
		t.Fatalf("err %v after %d attempts", err, attempts)
	}
}

// A commit through another handle (another process) reaches the change
// feed through NOTIFY.
func TestPostgresExternalChangesFeed(t *testing.T) {
	a, b := openPostgresPair(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	changed := make(chan struct{}, 16)
	done := make(chan error, 1)
	go func() { done <- a.ExternalChanges().Run(ctx, func() { changed <- struct{}{} }) }()
	// Run subscribes on its goroutine; keep writing until a write lands
	// after it.
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

// SQLite's file-level tools refuse on PostgreSQL and name its own.
func TestPostgresRefusesSQLiteTools(t *testing.T) {
	a, _ := openPostgresPair(t)
	ctx := context.Background()
	err := a.SnapshotTo(ctx, filepath.Join(t.TempDir(), "copy.db"))
	if err == nil || !strings.Contains(err.Error(), "pg_dump") {
		t.Fatalf("snapshot: %v", err)
	}
	if err := a.IntegrityCheck(ctx); err == nil || !strings.Contains(err.Error(), "PostgreSQL") {
		t.Fatalf("integrity check: %v", err)
	}
	if a.Engine() != "postgres" {
		t.Fatalf("engine %q, path %q", a.Engine(), a.Path())
	}
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u:secret@db.example:5432/pictor?sslmode=require": "postgres://u@db.example:5432/pictor?sslmode=require",
		"postgres://db.example/pictor?password=secret&sslmode=off":   "postgres://db.example/pictor?sslmode=off",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// Several processes claim from the same queues: a claim held open by one
// does not block another's, which takes other rows (FOR UPDATE SKIP
// LOCKED), and two handles claiming at once until a queue is drained never
// get the same item and leave none behind.
func TestPostgresConcurrentClaimsNeverShareAnItem(t *testing.T) {
	// More than the per-host claim's window of candidates (256), which an
	// open claim holds until it commits.
	const items = 300
	ctx := context.Background()
	ids := func(ds []Delivery) []int64 {
		out := make([]int64, len(ds))
		for i, d := range ds {
			out[i] = d.ID
		}
		return out
	}
	var inboxes []string
	for i := range items {
		inboxes = append(inboxes, fmt.Sprintf("https://h%d.example/inbox/%d", i%7, i))
	}
	queues := []struct {
		name  string
		fill  func(t *testing.T, db *DB)
		claim func(tx *Tx) ([]int64, error)
	}{
		{"deliveries", func(t *testing.T, db *DB) { queueDeliveries(t, db, inboxes) }, func(tx *Tx) ([]int64, error) {
			ds, err := tx.ClaimDeliveries(ctx, 10, time.Hour)
			return ids(ds), err
		}},
		{"deliveries per host", func(t *testing.T, db *DB) { queueDeliveries(t, db, inboxes) }, func(tx *Tx) ([]int64, error) {
			ds, err := tx.ClaimDeliveriesPerHost(ctx, 10, time.Hour, 3, nil)
			return ids(ds), err
		}},
		{"inbox", func(t *testing.T, db *DB) {
			mustWrite(t, db, func(tx *Tx) error {
				for i := range items {
					it := InboxItem{ActivityID: fmt.Sprintf("https://x.example/a/%d", i), ActorURI: "https://x.example/u",
						Body: []byte("{}"), BodyHash: fmt.Sprint(i)}
					if err := tx.InsertInboxItem(ctx, &it, time.Hour); err != nil {
						return err
					}
				}
				return nil
			})
		}, func(tx *Tx) ([]int64, error) {
			its, err := tx.ClaimInboxItems(ctx, 10, time.Hour)
			out := make([]int64, len(its))
			for i, it := range its {
				out[i] = it.ID
			}
			return out, err
		}},
	}
	for _, q := range queues {
		t.Run(q.name, func(t *testing.T) {
			a, b := openPostgresPair(t)
			q.fill(t, a)
			seen := map[int64]string{}
			take := func(who string, got []int64) {
				for _, id := range got {
					if prev, ok := seen[id]; ok {
						t.Errorf("item %d claimed by %s and %s", id, prev, who)
					}
					seen[id] = who
				}
			}
			// b claims while a's claim is still open, and takes other rows.
			var held, other []int64
			mustWrite(t, a, func(tx *Tx) error {
				var err error
				if held, err = q.claim(tx); err != nil {
					return err
				}
				mustWrite(t, b, func(tx *Tx) error { other, err = q.claim(tx); return err })
				return nil
			})
			if len(held) == 0 || len(other) == 0 {
				t.Fatalf("open claim got %v, the other handle's %v", held, other)
			}
			take("a (open)", held)
			take("b (beside)", other)
			// Both drain the rest at once.
			results := make(chan []int64)
			errs := make(chan error, 2)
			for _, db := range []*DB{a, b} {
				go func() {
					var mine []int64
					for {
						var got []int64
						err := db.Write(ctx, func(tx *Tx) error {
							var err error
							got, err = q.claim(tx)
							return err
						})
						if err != nil {
							errs <- err
							results <- mine
							return
						}
						if len(got) == 0 {
							results <- mine
							return
						}
						mine = append(mine, got...)
					}
				}()
			}
			take("a", <-results)
			take("b", <-results)
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			if len(seen) != items {
				t.Fatalf("%d of %d items claimed", len(seen), items)
			}
			t.Logf("claims rerun after serialization failures: %d + %d", a.WriteRetries(), b.WriteRetries())
		})
	}
}

// Processes that start together on an empty database all migrate it: each
// waits for the one migrating and none fails (CREATE TABLE IF NOT EXISTS
// alone races in PostgreSQL).
func TestPostgresProcessesStartTogether(t *testing.T) {
	if testEngine != "postgres" {
		t.Skip("PostgreSQL pass only (PICTOR_TEST_ENGINE=postgres)")
	}
	url := pgtest.NewDatabase(t)
	ctx := context.Background()
	const n = 4
	start := make(chan struct{})
	errs := make(chan error, n)
	for range n {
		go func() {
			<-start
			db, err := OpenPostgres(ctx, url, Options{ReadConns: 1})
			if err == nil {
				db.Close()
			}
			errs <- err
		}()
	}
	close(start)
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
