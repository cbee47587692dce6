package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pictor-social/pictor/internal/testkit/pgtest"
)

// openPostgresOnly opens a fresh PostgreSQL database in the PostgreSQL
// pass and skips the test in the SQLite one.
func openPostgresOnly(t *testing.T) *DB {
	t.Helper()
	if testEngine != "postgres" {
		t.Skip("PostgreSQL pass only (PICTOR_TEST_ENGINE=postgres)")
	}
	return openTest(t)
}

// eventually polls cond until it holds, failing the test after 10 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 10 s", what)
		}
		<-tick.C
	}
}

// awaitReport waits until db has heard another process's commit (its
// subscribers are poked after the reported rows are dropped) and cond
// holds; cond is checked after each report.
func awaitReport(t *testing.T, db *DB, reports chan struct{}, what string, cond func() bool) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case <-reports:
			if cond() {
				return
			}
		case <-timeout:
			t.Fatalf("%s: not seen within 10 s of the other process's commit", what)
		}
	}
}

// cacheFixture is what the cross-process tests cache: alice (a local user
// with a token), bob, and bob's status that alice favourited.
type cacheFixture struct {
	alice, bob Account
	token      OAuthToken
	status     Status
}

func newCacheFixture(t *testing.T, db *DB) *cacheFixture {
	t.Helper()
	ctx := context.Background()
	f := &cacheFixture{
		alice: Account{Username: "alice", URI: "https://pictor.test/users/alice", DisplayName: "Alice"},
		bob:   Account{Username: "bob", URI: "https://pictor.test/users/bob", DisplayName: "Bob"},
	}
	mustWrite(t, db, func(tx *Tx) error {
		for _, a := range []*Account{&f.alice, &f.bob} {
			if err := tx.InsertAccount(ctx, a); err != nil {
				return err
			}
		}
		if err := tx.InsertUser(ctx, &User{AccountID: f.alice.ID, Email: "a@pictor.test", PasswordHash: "-"}); err != nil {
			return err
		}
		app := OAuthApp{Name: "app", ClientID: "c", ClientSecretHash: "-", Scopes: "read"}
		if err := tx.InsertOAuthApp(ctx, &app); err != nil {
			return err
		}
		f.token = OAuthToken{TokenHash: "digest", AppID: app.ID, AccountID: f.alice.ID, Scopes: "read"}
		if err := tx.InsertOAuthToken(ctx, &f.token); err != nil {
			return err
		}
		f.status = Status{URI: "https://pictor.test/s/1", AccountID: f.bob.ID, Local: true, Visibility: VisibilityPublic}
		if err := tx.InsertStatus(ctx, &f.status); err != nil {
			return err
		}
		return tx.InsertFavourite(ctx, &Favourite{AccountID: f.alice.ID, StatusID: f.status.ID})
	})
	return f
}

// readAll reads through db what f names, so that db caches it, and checks
// it is cached.
func (f *cacheFixture) readAll(t *testing.T, db *DB) {
	t.Helper()
	ctx := context.Background()
	if _, err := db.AccountsByIDs(ctx, []int64{f.alice.ID, f.bob.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.OAuthTokenByHash(ctx, f.token.TokenHash); err != nil {
		t.Fatal(err)
	}
	if _, err := db.StatusExtrasByIDs(ctx, []int64{f.status.ID}); err != nil {
		t.Fatal(err)
	}
	db.tokens.mu.Lock()
	_, tokenCached := db.tokens.m[f.token.TokenHash]
	db.tokens.mu.Unlock()
	_, aliceCached := db.accounts.get(f.alice.ID)
	_, bobCached := db.accounts.get(f.bob.ID)
	if !tokenCached || !aliceCached || !bobCached || db.statusCache.len() != 1 {
		t.Fatalf("not cached: token %v, alice %v, bob %v, statuses %d", tokenCached, aliceCached, bobCached,
			db.statusCache.len())
	}
}

// Two processes on one PostgreSQL database: a write through one (or from
// psql, outside any process) reaches the other's cached reads, row by row:
// the rows it did not change stay cached.
func TestPostgresCachesFollowOtherProcesses(t *testing.T) {
	a, b := openPostgresPair(t)
	ctx := context.Background()
	f := newCacheFixture(t, a)
	psql, err := pgx.Connect(ctx, a.url)
	if err != nil {
		t.Fatal(err)
	}
	defer psql.Close(ctx)
	token := func() OAuthToken {
		tok, err := b.OAuthTokenByHash(ctx, f.token.TokenHash)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	account := func(id int64) Account {
		acct, err := b.AccountByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return acct
	}
	favourites := func() int64 {
		e, err := b.StatusExtrasByIDs(ctx, []int64{f.status.ID})
		if err != nil {
			t.Fatal(err)
		}
		return e[f.status.ID].Counts.Favourites
	}
	steps := []struct {
		name    string
		write   func(tx *Tx) error // through a
		sql     string             // or from psql
		seen    func() bool
		kept    func() bool // what the write did not change is still cached
		cleared bool        // the change drops every cached status (too many to list)
	}{
		{name: "token revoked", write: func(tx *Tx) error { return tx.RevokeOAuthToken(ctx, f.token.ID) },
			seen: func() bool { return !token().RevokedAt.IsZero() },
			kept: func() bool { _, ok := b.accounts.get(f.alice.ID); return ok && b.statusCache.len() == 1 }},
		{name: "account suspended", write: func(tx *Tx) error { return tx.SetAccountSuspended(ctx, f.alice.ID, true) },
			seen: func() bool { return !account(f.alice.ID).SuspendedAt.IsZero() && token().AccountDisabled },
			kept: func() bool { _, ok := b.accounts.get(f.bob.ID); return ok && b.statusCache.len() == 1 }},
		{name: "favourite", write: func(tx *Tx) error {
			return tx.InsertFavourite(ctx, &Favourite{AccountID: f.bob.ID, StatusID: f.status.ID})
		}, seen: func() bool { return favourites() == 2 },
			kept: func() bool { _, ok := b.accounts.get(f.alice.ID); return ok }},
		{name: "profile edited from psql", sql: `UPDATE accounts SET display_name = 'Bobby' WHERE username = 'bob'`,
			seen: func() bool { return account(f.bob.ID).DisplayName == "Bobby" },
			kept: func() bool { _, ok := b.accounts.get(f.alice.ID); return ok && b.statusCache.len() == 1 }},
		// 450 statuses' ids do not fit one notification: every cached
		// status goes, and the accounts stay.
		{name: "too many statuses to list", write: func(tx *Tx) error {
			for i := range 450 {
				if err := tx.InsertStatus(ctx, &Status{URI: fmt.Sprintf("https://pictor.test/s/many/%d", i),
					AccountID: f.alice.ID, Local: true, Visibility: VisibilityPublic}); err != nil {
					return err
				}
			}
			return nil
		}, seen: func() bool { return b.statusCache.len() == 0 },
			kept: func() bool { _, ok := b.accounts.get(f.bob.ID); return ok }, cleared: true},
		// TRUNCATE fires no row trigger: everything goes.
		{name: "favourites truncated from psql", sql: `TRUNCATE favourites`,
			seen: func() bool { _, ok := b.accounts.get(f.bob.ID); return !ok && favourites() == 0 },
			kept: func() bool { return true }},
	}
	for _, s := range steps {
		f.readAll(t, b)
		if s.seen() && !s.cleared {
			t.Fatalf("%s: seen before the write", s.name)
		}
		reports := b.subscribe()
		if s.write != nil {
			mustWrite(t, a, s.write)
		} else if _, err := psql.Exec(ctx, s.sql); err != nil {
			t.Fatal(err)
		}
		awaitReport(t, b, reports, s.name, s.seen)
		b.unsubscribe(reports)
		if !s.kept() {
			t.Errorf("%s: rows it did not change were dropped too", s.name)
		}
	}
}

// The process that writes drops what it changed before Write returns, as
// on SQLite: a token it revokes is refused at once, with no notification.
func TestPostgresCachesExactOnWrite(t *testing.T) {
	a := openPostgresOnly(t)
	ctx := context.Background()
	f := newCacheFixture(t, a)
	f.readAll(t, a)
	mustWrite(t, a, func(tx *Tx) error { return tx.RevokeOAuthToken(ctx, f.token.ID) })
	if tok, err := a.OAuthTokenByHash(ctx, f.token.TokenHash); err != nil || tok.RevokedAt.IsZero() {
		t.Fatalf("revoked token read back %+v, %v", tok, err)
	}
	if _, ok := a.accounts.get(f.alice.ID); !ok {
		t.Error("the revocation dropped alice's cached account")
	}
	// A rolled-back savepoint forgets what it changed, with its rows.
	mustWrite(t, a, func(tx *Tx) error {
		if _, err := tx.tx.ExecContext(ctx, `SAVEPOINT s`); err != nil {
			return err
		}
		if _, err := tx.tx.ExecContext(ctx, `UPDATE accounts SET note = 'x' WHERE id = ?`, f.bob.ID); err != nil {
			return err
		}
		_, err := tx.tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT s`)
		return err
	})
	if _, ok := a.accounts.get(f.bob.ID); !ok {
		t.Error("a rolled-back change dropped bob's cached account")
	}
}

// While the connection listening to the other processes is lost, their
// changes may go unheard: the caches are emptied and off until it listens
// again. The row here is changed with the reporting triggers off, so only
// the lost connection can make the cache let go of it.
func TestPostgresLostListenerClearsCaches(t *testing.T) {
	a := openPostgresOnly(t)
	ctx := context.Background()
	f := newCacheFixture(t, a)
	f.readAll(t, a)
	psql, err := pgx.Connect(ctx, a.url)
	if err != nil {
		t.Fatal(err)
	}
	defer psql.Close(ctx)
	writeUnreported(t, psql, `UPDATE accounts SET display_name = 'Alice (unreported)' WHERE username = 'alice'`)
	if got, _ := a.AccountByID(ctx, f.alice.ID); got.DisplayName != "Alice" {
		t.Fatalf("display name %q: the test needs a cache that has not heard of the change", got.DisplayName)
	}
	pid := a.listenPID.Load()
	var killed bool
	if err := psql.QueryRow(ctx, `SELECT pg_terminate_backend($1)`, pid).Scan(&killed); err != nil || !killed {
		t.Fatalf("terminate the listener (pid %d): %v, %v", pid, killed, err)
	}
	eventually(t, "listening again", func() bool { return a.listenPID.Load() != pid && a.cachesOn() })
	if got, _ := a.AccountByID(ctx, f.alice.ID); got.DisplayName != "Alice (unreported)" {
		t.Fatalf("after the lost listener: display name %q", got.DisplayName)
	}
	// Listening again, the caches work and hear reports as before.
	f.readAll(t, a)
}

// writeUnreported runs sql on psql with the accounts table's triggers off,
// so no process hears of the change.
func writeUnreported(t *testing.T, psql *pgx.Conn, sql string) {
	t.Helper()
	ctx := context.Background()
	if err := pgx.BeginFunc(ctx, psql, func(tx pgx.Tx) error {
		for _, q := range []string{`ALTER TABLE accounts DISABLE TRIGGER USER`, sql, `ALTER TABLE accounts ENABLE TRIGGER USER`} {
			if _, err := tx.Exec(ctx, q); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// Change reports read back into the ids they name; what is not understood
// empties every cache.
func TestChangeReports(t *testing.T) {
	var l changeLog
	l.addReport("a:1,2;t:3;e:4;s:*;tables:accounts,statuses")
	accounts, all, tables := l.take()
	tokens, tokensAll := l.takeIDs(&l.tokens)
	entities, _ := l.takeIDs(&l.entities)
	_, statusesAll := l.takeIDs(&l.statuses)
	if fmt.Sprint(accounts, all, tokens, tokensAll, entities, statusesAll, len(tables), l.takeUnknown()) !=
		"[1 2] false [3] false [4] true 2 false" {
		t.Errorf("read %v %v %v %v %v %v %v", accounts, all, tokens, tokensAll, entities, statusesAll, tables)
	}
	for _, bad := range []string{"x:1", "a:1,z", "a"} {
		l.addReport(bad)
		if !l.takeUnknown() {
			t.Errorf("%q understood", bad)
		}
	}
}

// BenchmarkPostgresChangeTriggers measures what the change-reporting
// triggers cost a write: one transaction inserting a status with a mention
// and a tag, favouriting it and updating its author's profile, with the
// triggers on and then off (PICTOR_TEST_ENGINE=postgres go test -run '^$'
// -bench PostgresChangeTriggers ./store/).
func BenchmarkPostgresChangeTriggers(b *testing.B) {
	if testEngine != "postgres" {
		b.Skip("PostgreSQL pass only (PICTOR_TEST_ENGINE=postgres)")
	}
	ctx := context.Background()
	db, err := OpenPostgres(ctx, pgtest.NewDatabaseFrom(b, pgTemplate), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	alice := Account{Username: "alice", URI: "https://pictor.test/users/alice"}
	bob := Account{Username: "bob", Domain: "remote.test", URI: "https://remote.test/users/bob"}
	if err := db.Write(ctx, func(tx *Tx) error {
		if err := tx.InsertAccount(ctx, &alice); err != nil {
			return err
		}
		return tx.InsertAccount(ctx, &bob)
	}); err != nil {
		b.Fatal(err)
	}
	n := 0
	write := func(b *testing.B) {
		for b.Loop() {
			n++
			if err := db.Write(ctx, func(tx *Tx) error {
				st := Status{URI: fmt.Sprintf("https://remote.test/s/%d", n), AccountID: bob.ID, Visibility: VisibilityPublic}
				if err := tx.InsertStatus(ctx, &st); err != nil {
					return err
				}
				if err := tx.InsertMentions(ctx, st.ID, []int64{alice.ID}); err != nil {
					return err
				}
				if err := tx.SetStatusTags(ctx, st.ID, []string{"bench"}); err != nil {
					return err
				}
				if err := tx.InsertFavourite(ctx, &Favourite{AccountID: alice.ID, StatusID: st.ID}); err != nil {
					return err
				}
				bob.Note = fmt.Sprint("note ", n)
				return tx.UpdateAccount(ctx, &bob)
			}); err != nil {
				b.Fatal(err)
			}
		}
	}
	triggers := func(enable string) {
		for t := range db.versions.watched {
			for _, name := range []string{"pictor_changes", "pictor_changes_flush"} {
				if _, err := db.write.ExecContext(ctx, `ALTER TABLE `+t+` `+enable+` TRIGGER `+name); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	// Twice each, alternating, so that neither side has the warmer run.
	for range 2 {
		b.Run("triggers on", write)
		triggers("DISABLE")
		b.Run("triggers off", write)
		triggers("ENABLE")
	}
}

// However long the id lists a transaction gathered, the notification that
// carries them fits PostgreSQL's 8,000 bytes (the longest lists become
// "*"), and the writing process still gets them whole.
func TestPostgresChangeReportFitsNotify(t *testing.T) {
	db := openPostgresOnly(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, db.url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `LISTEN pictor_changes`); err != nil {
		t.Fatal(err)
	}
	ids := func(n int) string { return strings.Repeat(",1234567890123456789", n)[:n] }
	sizes := []int{12000}
	for n := 7800; n < 8000; n += 3 {
		sizes = append(sizes, n)
	}
	for _, n := range sizes {
		var report string
		if err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			for _, kind := range []string{"a", "t", "e", "s"} {
				size := 20
				if kind == "s" {
					size = n
				}
				if _, err := tx.Exec(ctx, `SELECT set_config('pictor.changed_'||$1, $2, true)`, kind, ids(size)); err != nil {
					return err
				}
			}
			if _, err := tx.Exec(ctx, `SELECT set_config('pictor.changed_tables', ',statuses,accounts', true)`); err != nil {
				return err
			}
			return tx.QueryRow(ctx, `SELECT pictor_changes_commit($1)`, db.token).Scan(&report)
		}); err != nil {
			t.Fatalf("%d characters of ids: %v", n, err)
		}
		if !strings.Contains(report, "s:"+strings.TrimPrefix(ids(n), ",")) {
			t.Errorf("%d characters of ids: the report is not whole (%d bytes)", n, len(report))
		}
		note, err := conn.WaitForNotification(ctx)
		if err != nil || len(note.Payload) >= 8000 || !strings.HasPrefix(note.Payload, db.token) {
			t.Fatalf("%d characters of ids: notification of %d bytes, %v", n, len(note.Payload), err)
		}
		if n > 7950 && !strings.Contains(note.Payload, "s:*") {
			t.Errorf("%d characters of ids: statuses sent as %q…", n, note.Payload[:40])
		}
	}
}
