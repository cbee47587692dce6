package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// Generators holding different nodes never mint the same id, even for the
// same milliseconds and past the sequence's size; each one's ids for the
// present stay strictly increasing.
func TestIDGenNodesNeverCollide(t *testing.T) {
	now := time.UnixMilli(1_700_000_000_000)
	gens := []*IDGen{NewIDGen(), NewIDGen(), NewIDGen()}
	for i, g := range gens {
		g.setNode(int64(i))
	}
	seen := map[int64]int{}
	for _, t0 := range []time.Time{now, now.Add(-time.Hour)} {
		for i, g := range gens {
			last := int64(0)
			count := 5000 // past the sequence's 1,024 a millisecond
			if !t0.Equal(now) {
				count = 1000 // past times rely on the sequence alone
			}
			for n := 0; n < count; n++ {
				id := g.Next(t0)
				if j, dup := seen[id]; dup {
					t.Fatalf("id %d minted by node %d and node %d", id, j, i)
				}
				seen[id] = i
				if t0.Equal(now) && id <= last {
					t.Fatalf("node %d: id %d after %d", i, id, last)
				}
				last = id
				if d := IDTime(id).Sub(t0); d < 0 || d > 10*time.Millisecond {
					t.Fatalf("id %d is %v from its time", id, d)
				}
			}
		}
	}
}

// Two handles on one PostgreSQL database (two processes) hold different
// id nodes: 100,000 ids each, minted concurrently, never collide.
func TestPostgresIDsUniqueAcrossProcesses(t *testing.T) {
	a, b := openPostgresPair(t)
	const n = 100_000
	out := [2][]int64{}
	var wg sync.WaitGroup
	for i, db := range []*DB{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ids := make([]int64, n)
			for k := range ids {
				ids[k] = db.ids.Next(time.Now())
			}
			out[i] = ids
		}()
	}
	wg.Wait()
	seen := make(map[int64]bool, 2*n)
	for _, ids := range out {
		for _, id := range ids {
			if seen[id] {
				t.Fatalf("id %d minted twice", id)
			}
			seen[id] = true
		}
	}
	if a.ids.node == b.ids.node {
		t.Fatalf("both handles hold node %d", a.ids.node)
	}
}

// A remote post whose assigned id another post of the same millisecond
// already has gets another id instead of being refused as a duplicate; a
// duplicate uri is still ErrConflict.
func TestInsertStatusTakesAnotherIDOnCollision(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	a := Account{Username: "a", URI: "https://l.test/users/a"}
	published := time.UnixMilli(1_700_000_000_000)
	mustWrite(t, db, func(tx *Tx) error {
		if err := tx.InsertAccount(ctx, &a); err != nil {
			return err
		}
		first := Status{URI: "https://r.test/1", AccountID: a.ID, CreatedAt: published}
		if err := tx.InsertStatus(ctx, &first); err != nil {
			return err
		}
		// The sequence comes round to first's id.
		db.ids.Next(time.Now()) // the newest id is now far from published
		db.ids.mu.Lock()
		db.ids.seq = first.ID&0xffff - 1
		db.ids.mu.Unlock()
		second := Status{URI: "https://r.test/2", AccountID: a.ID, CreatedAt: published}
		if err := tx.InsertStatus(ctx, &second); err != nil {
			return fmt.Errorf("second post: %w", err)
		}
		if second.ID == first.ID {
			return fmt.Errorf("both posts have id %d", first.ID)
		}
		dup := Status{URI: "https://r.test/1", AccountID: a.ID, CreatedAt: published}
		if err := tx.InsertStatus(ctx, &dup); !errors.Is(err, ErrConflict) {
			return fmt.Errorf("duplicate uri: %v, want ErrConflict", err)
		}
		return nil
	})
}
