package store

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pictor-social/pictor/internal/testkit/pgtest"
)

// copySource builds a small SQLite instance with rows in tables that
// triggers keep (counters, home feeds, poll counts) and tables whose ids
// PostgreSQL numbers (tags, outbox activities, deliveries), and returns
// its path, closed.
func copySource(t *testing.T) (path string, w world, poll Poll, st Status) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "pictor.db")
	db, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	w = newWorld(t, db)
	st = post(t, db, w.bob, VisibilityPublic)
	post(t, db, w.alice, VisibilityPublic)
	poll = pollStatus(t, db, w.alice, Poll{Options: []PollOption{{Title: "yes"}, {Title: "no"}}})
	vote(t, db, poll.StatusID, w.dave, 1, "")
	vote(t, db, poll.StatusID, w.bob, 0, "https://there.test/votes/1")
	mustWrite(t, db, func(tx *Tx) error {
		if err := tx.InsertFavourite(ctx0, &Favourite{AccountID: w.alice.ID, StatusID: st.ID}); err != nil {
			return err
		}
		if _, err := tx.EnsureTag(ctx0, "cats"); err != nil {
			return err
		}
		act := OutboxActivity{URI: "https://here.test/a/1", AccountID: w.alice.ID, Type: "Create", Body: []byte("{\"a\":\x01}")}
		if err := tx.InsertOutboxActivity(ctx0, &act); err != nil {
			return err
		}
		if _, err := tx.InsertDeliveries(ctx0, act.ID, []string{"https://there.test/inbox", "https://else.test/inbox"}, hostOfURL); err != nil {
			return err
		}
		for i, body := range []string{`{"type":"Like"}`, ``} {
			it := InboxItem{ActivityID: fmt.Sprintf("https://there.test/like/%d", i), ActorURI: w.bob.URI, Body: []byte(body),
				BodyHash: fmt.Sprint(i)}
			if err := tx.InsertInboxItem(ctx0, &it, time.Hour); err != nil {
				return err
			}
		}
		return nil
	})
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path, w, poll, st
}

// TestCopyToPostgres copies an instance, finds the same rows through the
// store's API on PostgreSQL, counters and poll counts unchanged (triggers
// did not run twice), and new rows numbered past the copied ones.
func TestCopyToPostgres(t *testing.T) {
	ctx := context.Background()
	path, w, poll, st := copySource(t)
	url := pgtest.NewDatabase(t)
	// A process already serving the empty target caches its count of
	// users; the copy, which writes with the triggers off, tells it to
	// drop everything.
	early, err := OpenPostgres(ctx, url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer early.Close()
	if n, err := early.CountLocalUsers(ctx); err != nil || n != 0 {
		t.Fatalf("users before the copy: %d, %v", n, err)
	}
	reports := early.subscribe()
	var seen []string
	rep, err := CopyToPostgres(ctx, path, url, func(ct CopyTable) { seen = append(seen, ct.Name) })
	if err != nil {
		t.Fatal(err)
	}
	awaitReport(t, early, reports, "the copied users counted by a process open before the copy", func() bool {
		n, err := early.CountLocalUsers(ctx)
		return err == nil && n > 0
	})
	if rep.SchemaVersion < 20 || rep.Rows == 0 || len(seen) != len(rep.Tables) {
		t.Fatalf("report %+v, progress %v", rep, seen)
	}
	for _, name := range []string{"accounts", "users", "statuses", "home_feed", "polls", "poll_votes", "favourites",
		"tags", "outbox_activities", "deliveries", "follows", "inbox_items"} {
		i := slices.IndexFunc(rep.Tables, func(ct CopyTable) bool { return ct.Name == name })
		if i < 0 || rep.Tables[i].Source == 0 || rep.Tables[i].Source != rep.Tables[i].Target {
			t.Errorf("table %s in the report: %+v", name, rep.Tables)
		}
	}
	if slices.ContainsFunc(rep.Tables, func(ct CopyTable) bool { return ct.Name == "schema_migrations" }) {
		t.Error("schema_migrations copied: each engine records its own")
	}

	pg, err := OpenPostgres(ctx, url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	// Analyzed: the planner has column statistics of the copied rows
	// (rebuilding the indexes sets row counts, not these).
	var stats int
	if err := pg.read.QueryRowContext(ctx, `SELECT count(*) FROM pg_stats WHERE tablename = 'statuses'`).Scan(&stats); err != nil || stats == 0 {
		t.Errorf("statuses after the copy: %d column statistics, %v (not analyzed)", stats, err)
	}
	lite, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	for _, db := range []*DB{lite, pg} {
		a, err := db.AccountByID(ctx, w.alice.ID)
		if err != nil || a.URI != w.alice.URI {
			t.Fatalf("%s: alice %+v %v", db.Engine(), a, err)
		}
		stats, err := db.LocalAccountStats(ctx, []int64{w.alice.ID})
		if err != nil || stats[w.alice.ID].Statuses != 2 || stats[w.alice.ID].Following != 1 {
			t.Errorf("%s: alice's counters %+v %v", db.Engine(), stats, err)
		}
		p, err := db.PollByStatusID(ctx, poll.StatusID)
		if err != nil || !slices.Equal(counts(p), []int64{1, 1}) || p.VotersCount != 2 {
			t.Errorf("%s: poll %+v %v", db.Engine(), p, err)
		}
		c, err := db.StatusCountsByIDs(ctx, []int64{st.ID})
		if err != nil || c[st.ID].Favourites != 1 {
			t.Errorf("%s: bob's status counts %+v %v", db.Engine(), c, err)
		}
	}
	// The copy put back every index, key and trigger it set aside.
	fresh0, err := OpenPostgres(ctx, pgtest.NewDatabase(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer fresh0.Close()
	if got, want := pgSchemaDump(t, pg), pgSchemaDump(t, fresh0); got != want {
		t.Errorf("schema after the copy differs from a freshly migrated one:\n%s\nwant\n%s", got, want)
	}
	// Identity sequences were moved: PostgreSQL numbers new rows past the copied ones.
	var old, fresh Tag
	mustWrite(t, pg, func(tx *Tx) (err error) {
		if old, err = tx.EnsureTag(ctx, "cats"); err != nil {
			return err
		}
		fresh, err = tx.EnsureTag(ctx, "dogs")
		return err
	})
	if fresh.ID <= old.ID {
		t.Errorf("new tag id %d, copied tag id %d", fresh.ID, old.ID)
	}
	mustWrite(t, pg, func(tx *Tx) error {
		act := OutboxActivity{URI: "https://here.test/a/2", AccountID: w.alice.ID, Type: "Create", Body: []byte(`{}`)}
		if err := tx.InsertOutboxActivity(ctx, &act); err != nil {
			return err
		}
		if _, err := tx.InsertDeliveries(ctx, act.ID, []string{"https://there.test/inbox"}, hostOfURL); err != nil {
			return err
		}
		it := InboxItem{ActivityID: "https://there.test/like/new", ActorURI: w.bob.URI, Body: []byte(`{}`), BodyHash: "new"}
		return tx.InsertInboxItem(ctx, &it, time.Hour)
	})
	// Empty bodies stay empty (the driver reads an empty BLOB as nil).
	var empty int
	if err := pg.read.QueryRowContext(ctx, `SELECT count(*) FROM inbox_items WHERE body = ''::bytea`).Scan(&empty); err != nil || empty != 1 {
		t.Errorf("empty inbox bodies on PostgreSQL: %d %v", empty, err)
	}

	// The target now has rows: a second copy is refused and changes nothing.
	if _, err := CopyToPostgres(ctx, path, url, nil); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("copy into a used database: %v", err)
	}
}

// TestCopyToPostgresLeavesNothingOnFailure: a row PostgreSQL refuses (text
// with a NUL byte) fails the copy after other tables went in; the target
// keeps its schema but no row, and the copy runs again once the row is
// fixed.
func TestCopyToPostgresLeavesNothingOnFailure(t *testing.T) {
	ctx := context.Background()
	path, w, _, _ := copySource(t)
	lite, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lite.write.ExecContext(ctx, `UPDATE accounts SET note = 'a'||char(0)||'b' WHERE id = ?`, w.bob.ID); err != nil {
		t.Fatal(err)
	}
	lite.Close()
	url := pgtest.NewDatabase(t)
	if _, err := CopyToPostgres(ctx, path, url, nil); err == nil || !strings.Contains(err.Error(), "accounts") {
		t.Fatalf("copy of a row PostgreSQL refuses: %v", err)
	}
	pg, err := OpenPostgres(ctx, url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := pg.read.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM accounts) + (SELECT count(*) FROM statuses)
		+ (SELECT count(*) FROM tags)`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("rows left after a failed copy: %d %v", n, err)
	}
	pg.Close()

	lite, err = Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lite.write.ExecContext(ctx, `UPDATE accounts SET note = 'ab' WHERE id = ?`, w.bob.ID); err != nil {
		t.Fatal(err)
	}
	lite.Close()
	if _, err := CopyToPostgres(ctx, path, url, nil); err != nil {
		t.Fatalf("copy again after a failure: %v", err)
	}
}

// TestCopyToPostgresChecksForeignKeys: a favourite of a status that does
// not exist (left by SQLite with foreign keys off) fails the copy when the
// keys are added back, naming the key, and leaves no rows.
func TestCopyToPostgresChecksForeignKeys(t *testing.T) {
	ctx := context.Background()
	path, w, _, _ := copySource(t)
	lite, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := lite.write.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`PRAGMA foreign_keys = OFF`,
		`INSERT INTO favourites (id, account_id, status_id, uri, created_at) VALUES (1, ` + fmt.Sprint(w.dave.ID) + `, 12345, '', 1)`,
		`PRAGMA foreign_keys = ON`} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			t.Fatal(q, err)
		}
	}
	conn.Close()
	lite.Close()
	url := pgtest.NewDatabase(t)
	if _, err := CopyToPostgres(ctx, path, url, nil); err == nil || !strings.Contains(err.Error(), "favourites") ||
		!strings.Contains(err.Error(), "foreign key") {
		t.Fatalf("copy of a dangling reference: %v", err)
	}
	pg, err := OpenPostgres(ctx, url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	var n int
	if err := pg.read.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM accounts) + (SELECT count(*) FROM favourites)`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("rows left after a failed copy: %d %v", n, err)
	}
	// The foreign keys are all still there after the rollback.
	var fks int
	if err := pg.read.QueryRowContext(ctx, `SELECT count(*) FROM pg_constraint WHERE contype = 'f'
		AND connamespace = current_schema()::regnamespace`).Scan(&fks); err != nil || fks < 50 {
		t.Fatalf("foreign keys after a failed copy: %d %v", fks, err)
	}
}

// TestCopyRefusesADatabaseInUse: while another process (here this test
// binary run as a helper) has the SQLite file open, as pictor serve does,
// the copy is refused before anything is read or written.
func TestCopyRefusesADatabaseInUse(t *testing.T) {
	sqliteOnly(t)
	path := filepath.Join(t.TempDir(), "pictor.db")
	db, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHoldDatabaseOpen$")
	cmd.Env = append(os.Environ(), "PICTOR_HOLD_DB="+path)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer stdin.Close()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "open\n" {
		t.Fatalf("helper: %q %v", line, err)
	}
	_, err = CopyToPostgres(context.Background(), path, "postgres://127.0.0.1:1/none", nil)
	if !errors.Is(err, ErrDatabaseInUse) || !strings.Contains(err.Error(), "pictor serve") {
		t.Fatalf("copy while another process has the database open: %v", err)
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	// Closed by the other process: no longer refused for being in use.
	if _, err := CopyToPostgres(context.Background(), path, "postgres://127.0.0.1:1/none", nil); errors.Is(err, ErrDatabaseInUse) {
		t.Fatalf("copy after the other process ended: %v", err)
	}
}

// TestHoldDatabaseOpen is TestCopyRefusesADatabaseInUse's other process: it
// opens the database, says "open" and keeps it until its input ends.
func TestHoldDatabaseOpen(t *testing.T) {
	path := os.Getenv("PICTOR_HOLD_DB")
	if path == "" {
		t.Skip("the helper process of TestCopyRefusesADatabaseInUse")
	}
	db, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	os.Stdout.WriteString("open\n")
	bufio.NewReader(os.Stdin).ReadString('\n')
}

// pgSchemaDump lists a PostgreSQL database's indexes, constraints and
// triggers (with whether each is enabled).
func pgSchemaDump(t *testing.T, db *DB) string {
	t.Helper()
	rows, err := db.read.QueryContext(context.Background(), `
		SELECT 'index ' || indexname || ' ' || indexdef FROM pg_indexes WHERE schemaname = current_schema()
		UNION ALL SELECT 'constraint ' || conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
			FROM pg_constraint WHERE connamespace = current_schema()::regnamespace
		UNION ALL SELECT 'trigger ' || tgrelid::regclass::text || ' ' || tgname || ' ' || tgenabled::text
			FROM pg_trigger WHERE NOT tgisinternal
		ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}
