package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pictor-social/pictor/internal/testkit/pgtest"
)

// testEngine is the engine openTest opens: PICTOR_TEST_ENGINE=postgres
// runs the store's tests on a fresh PostgreSQL database each
// (pgtest.NewDatabase, on the server named by PICTOR_TEST_POSTGRES);
// otherwise they run on SQLite.
var testEngine = os.Getenv("PICTOR_TEST_ENGINE")

// pgTemplate is a migrated PostgreSQL database each test's is copied from.
var pgTemplate string

func TestMain(m *testing.M) {
	if testEngine != "postgres" {
		os.Exit(m.Run())
	}
	if !pgtest.Available() {
		// Every test would skip, and the pass would look green.
		fmt.Fprintf(os.Stderr, "PICTOR_TEST_ENGINE=postgres needs %s (a postgres:// URL of a server where the user may create databases)\n",
			pgtest.EnvURL)
		os.Exit(1)
	}
	name, drop, err := pgtest.NewTemplate(func(url string) error {
		db, err := OpenPostgres(context.Background(), url, Options{})
		if err != nil {
			return err
		}
		return db.Close()
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "migrated PostgreSQL template:", err)
		os.Exit(1)
	}
	pgTemplate = name
	code := m.Run()
	if err := drop(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(code)
}

func openTest(t *testing.T) *DB {
	t.Helper()
	return openTestOpts(t, Options{})
}

func openTestOpts(t *testing.T, opts Options) *DB {
	t.Helper()
	var db *DB
	var err error
	switch testEngine {
	case "postgres":
		db, err = OpenPostgres(context.Background(), pgtest.NewDatabaseFrom(t, pgTemplate), opts)
	case "", "sqlite":
		db, err = Open(context.Background(), filepath.Join(t.TempDir(), "pictor.db"), opts)
	default:
		t.Fatalf("PICTOR_TEST_ENGINE=%q: want sqlite or postgres", testEngine)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// sqliteOnly skips a test of SQLite's own machinery (its file, its
// pre-update hook) in the PostgreSQL pass.
func sqliteOnly(t *testing.T) {
	t.Helper()
	if testEngine == "postgres" {
		t.Skip("tests SQLite's own machinery")
	}
}

func mustWrite(t *testing.T, db *DB, fn func(tx *Tx) error) {
	t.Helper()
	if err := db.Write(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

// mustRollBack runs fn in a write transaction that is then rolled back.
func mustRollBack(t *testing.T, db *DB, fn func(tx *Tx) error) {
	t.Helper()
	rollback := errors.New("rollback")
	err := db.Write(context.Background(), func(tx *Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return rollback
	})
	if !errors.Is(err, rollback) {
		t.Fatal(err)
	}
}

func TestMigrateTwiceIsNoop(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		db, err := Open(ctx, filepath.Join(dir, "x.db"), Options{})
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		v, err := db.SchemaVersion(ctx)
		if err != nil || v < 1 {
			t.Fatalf("version = %d, %v", v, err)
		}
		db.Close()
	}
}

func TestAccountRoundTripAndConflicts(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	a := Account{Username: "Alice", URI: "https://x.test/users/alice", Fields: []Field{{Name: "web", Value: "<a>x</a>"}}, Locked: true}
	mustWrite(t, db, func(tx *Tx) error { return tx.InsertAccount(ctx, &a) })
	got, err := db.AccountByHandle(ctx, "alice", "")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != a.ID || !got.Locked || len(got.Fields) != 1 || got.Fields[0].Name != "web" {
		t.Fatalf("got %+v", got)
	}
	dup := Account{Username: "ALICE", URI: "https://x.test/users/other"}
	err = db.Write(ctx, func(tx *Tx) error { return tx.InsertAccount(ctx, &dup) })
	if !errors.Is(err, ErrConflict) {
		t.Fatalf("duplicate username: err = %v, want ErrConflict", err)
	}
	if _, err := db.AccountByURI(ctx, "https://nope.test/u"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing: err = %v", err)
	}
}

func TestIDsAreUniqueAndOrdered(t *testing.T) {
	g := NewIDGen()
	now := time.Now()
	seen := map[int64]bool{}
	var last int64
	for i := 0; i < 200000; i++ {
		id := g.Next(now)
		if seen[id] {
			t.Fatalf("duplicate id %d at %d", id, i)
		}
		if id <= last {
			t.Fatalf("id %d not after %d", id, last)
		}
		seen[id], last = true, id
	}
	if got := IDTime(g.Next(now)); got.Sub(now.Truncate(time.Millisecond)) > time.Second {
		t.Fatalf("IDTime drifted: %v vs %v", got, now)
	}
	past := g.Next(now.Add(-time.Hour))
	if IDTime(past).After(now.Add(-59 * time.Minute)) {
		t.Fatalf("past id carries the wrong time: %v", IDTime(past))
	}
}

func TestDeliveryClaimLeaseAndRetry(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "d.db"), Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	a := Account{Username: "a", URI: "https://l.test/users/a"}
	var act OutboxActivity
	mustWrite(t, db, func(tx *Tx) error {
		if err := tx.InsertAccount(ctx, &a); err != nil {
			return err
		}
		act = OutboxActivity{URI: "https://l.test/act/1", AccountID: a.ID, Type: "Create", Body: []byte(`{}`)}
		if err := tx.InsertOutboxActivity(ctx, &act); err != nil {
			return err
		}
		inboxes := []string{"https://r1.test/inbox", "https://r2.test/inbox", "https://r1.test/inbox"}
		n, err := tx.InsertDeliveries(ctx, act.ID, inboxes, func(s string) string { return s[8:15] })
		if n != 2 {
			return fmt.Errorf("queued %d, want 2 (duplicates collapse)", n)
		}
		return err
	})
	var claimed []Delivery
	mustWrite(t, db, func(tx *Tx) (err error) { claimed, err = tx.ClaimDeliveries(ctx, 10, time.Minute); return })
	if len(claimed) != 2 || string(claimed[0].Body) != `{}` || claimed[0].AccountID != a.ID {
		t.Fatalf("claimed %+v", claimed)
	}
	// Leased rows are not claimed again until the lease lapses (a crashed worker).
	mustWrite(t, db, func(tx *Tx) (err error) { claimed, err = tx.ClaimDeliveries(ctx, 10, time.Minute); return })
	if len(claimed) != 0 {
		t.Fatalf("claimed leased rows: %d", len(claimed))
	}
	advance(2 * time.Minute)
	mustWrite(t, db, func(tx *Tx) (err error) { claimed, err = tx.ClaimDeliveries(ctx, 10, time.Minute); return })
	if len(claimed) != 2 || claimed[0].Attempts != 2 {
		t.Fatalf("after lease lapse: %+v", claimed)
	}
	mustWrite(t, db, func(tx *Tx) error {
		if err := tx.DeliverySucceeded(ctx, claimed[0], 202); err != nil {
			return err
		}
		return tx.DeliveryFailed(ctx, claimed[1], 500, "boom", tx.Now().Add(time.Hour))
	})
	st, _ := db.DeliveryStats(ctx)
	if st.Done != 1 || st.Pending != 1 {
		t.Fatalf("stats %+v", st)
	}
	// Unreachable after failing long enough: pending deliveries to it fail, new ones are not queued.
	mustWrite(t, db, func(tx *Tx) error { _, err := tx.MarkHostFailing(ctx, claimed[1].Host, time.Hour); return err })
	advance(2 * time.Hour)
	var unreachable bool
	mustWrite(t, db, func(tx *Tx) (err error) {
		unreachable, err = tx.MarkHostFailing(ctx, claimed[1].Host, time.Hour)
		return
	})
	if !unreachable {
		t.Fatal("host not marked unreachable")
	}
	st, _ = db.DeliveryStats(ctx)
	if st.Pending != 0 || st.Failed != 1 {
		t.Fatalf("stats after unreachable %+v", st)
	}
	mustWrite(t, db, func(tx *Tx) error { return tx.MarkHostReachable(ctx, claimed[1].Host) })
	if u, _ := db.HostUnreachable(ctx, claimed[1].Host); u {
		t.Fatal("host still unreachable after it talked to us")
	}
}

// Cancelling many reads mid-query must not leave the pool unusable (the
// modernc interrupt problem; architecture.md).
func TestCancelledReadsLeavePoolUsable(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	mustWrite(t, db, func(tx *Tx) error {
		for i := 0; i < 500; i++ {
			a := Account{Username: fmt.Sprintf("u%d", i), URI: fmt.Sprintf("https://x.test/u/%d", i)}
			if err := tx.InsertAccount(ctx, &a); err != nil {
				return err
			}
		}
		return nil
	})
	var wg sync.WaitGroup
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c, cancel := context.WithCancel(ctx)
			if i%2 == 0 {
				cancel()
			} else {
				defer cancel()
				go cancel()
			}
			_, _ = db.LocalAccounts(c)
		}(i)
	}
	wg.Wait()
	for i := 0; i < 20; i++ {
		list, err := db.LocalAccounts(ctx)
		if err != nil || len(list) != 500 {
			t.Fatalf("after cancellations: %d accounts, %v", len(list), err)
		}
	}
}

// Hot queries walk an index and never sort or scan a whole table (see
// migration 0006: both were full sorts or scans before it).
func TestHotQueriesUseIndexes(t *testing.T) {
	db := openTest(t)
	cases := []struct{ name, query, index string }{
		{"inbox claim", `SELECT id FROM inbox_items WHERE state = 'pending' AND lease_until <= 1 ORDER BY id LIMIT 10`, "inbox_items_pending"},
		{"orphan replies", `UPDATE statuses SET in_reply_to_id = 1 WHERE in_reply_to_uri = 'x' AND in_reply_to_id IS NULL AND in_reply_to_uri <> ''`, "statuses_orphan_replies"},
		{"delivery claim", `SELECT id FROM deliveries WHERE state = 'pending' AND next_attempt_at <= 1 ORDER BY next_attempt_at, id LIMIT 10`, "deliveries_due"},
		// StatusViewerFlags' boosts branch: one probe per status of the page,
		// not every status the viewer wrote (migration 0026).
		{"viewer's boosts of a page", `SELECT reblog_of_id FROM statuses WHERE account_id = 1 AND deleted_at = 0
			AND reblog_of_id IN (1, 2, 3)`, "statuses_account_reblog (account_id=? AND reblog_of_id=?)"},
	}
	for _, tc := range cases {
		plan := queryPlan(t, db, tc.query)
		joined := fmt.Sprint(plan)
		fullScan := false
		for _, d := range plan {
			fullScan = fullScan || (strings.HasPrefix(d, "SCAN") && !strings.Contains(d, "USING"))
		}
		if fullScan || strings.Contains(joined, "TEMP B-TREE") || !strings.Contains(joined, tc.index) {
			t.Errorf("%s: plan %v", tc.name, plan)
		}
	}
}

// queryPlan returns the detail lines of SQLite's EXPLAIN QUERY PLAN for
// query with args, for tests that a hot query stays on its indexes.
func queryPlan(t *testing.T, db *DB, query string, args ...any) []string {
	sqliteOnly(t)
	t.Helper()
	rows, err := db.read.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return plan
}
