package store

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/pictor-social/pictor/internal/testkit/pgtest"
)

// A process starting beside a live one (PostgreSQL) frees none of its
// leases: the other's claimed delivery is not claimed again until its lease
// expires. Once no other process runs, a start frees the leases at once.
func TestPostgresStartLeavesLiveProcessLeases(t *testing.T) {
	if testEngine != "postgres" {
		t.Skip("PostgreSQL pass only (PICTOR_TEST_ENGINE=postgres)")
	}
	url := pgtest.NewDatabaseFrom(t, pgTemplate)
	ctx := context.Background()
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	open := func() *DB {
		db, err := OpenPostgres(ctx, url, Options{Clock: clock})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	a := open()
	acct := Account{Username: "a", URI: "https://l.test/users/a"}
	mustWrite(t, a, func(tx *Tx) error {
		if err := tx.InsertAccount(ctx, &acct); err != nil {
			return err
		}
		act := OutboxActivity{URI: "https://l.test/act/1", AccountID: acct.ID, Type: "Create", Body: []byte(`{}`)}
		if err := tx.InsertOutboxActivity(ctx, &act); err != nil {
			return err
		}
		_, err := tx.InsertDeliveries(ctx, act.ID, []string{"https://r1.test/inbox"}, func(string) string { return "r1.test" })
		return err
	})
	claim := func(db *DB) int {
		var got []Delivery
		mustWrite(t, db, func(tx *Tx) (err error) { got, err = tx.ClaimDeliveries(ctx, 10, time.Minute); return })
		return len(got)
	}
	release := func(db *DB) int {
		var n int
		mustWrite(t, db, func(tx *Tx) (err error) { n, err = tx.ReleaseDeliveryLeases(ctx); return })
		return n
	}
	if n := claim(a); n != 1 {
		t.Fatalf("A claimed %d, want 1", n)
	}
	b := open() // B starts while A holds its claim
	if n := release(b); n != 0 {
		t.Fatalf("B's start freed %d leases of live A", n)
	}
	if n := claim(b); n != 0 {
		t.Fatalf("B claimed %d of A's leased deliveries", n)
	}
	mu.Lock()
	now = now.Add(61 * time.Second) // A's lease expires (A died without a word)
	mu.Unlock()
	if n := claim(b); n != 1 {
		t.Fatalf("after the lease B claimed %d, want 1", n)
	}
	// B holds it now; A closes (exits) and C starts alone beside B: B's
	// lease stays. With B gone too, D frees it at its start.
	a.Close()
	c := open()
	if n := release(c); n != 0 {
		t.Fatalf("C's start freed %d leases of live B", n)
	}
	b.Close()
	c.Close()
	d := open()
	if n := release(d); n != 1 {
		t.Fatalf("D, alone, freed %d leases, want 1", n)
	}
}
