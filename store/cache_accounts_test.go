package store

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

// lookups reads an account every way the cache serves it.
func lookups(ctx context.Context, db *DB, a Account) map[string]func() (Account, error) {
	return map[string]func() (Account, error){
		"by id":     func() (Account, error) { return db.AccountByID(ctx, a.ID) },
		"by handle": func() (Account, error) { return db.AccountByHandle(ctx, "ALICE", a.Domain) },
		"by uri":    func() (Account, error) { return db.AccountByURI(ctx, a.URI) },
		"by key id": func() (Account, error) { return db.AccountByKeyID(ctx, a.PublicKeyID) },
		"by ids": func() (Account, error) {
			m, err := db.AccountsByIDs(ctx, []int64{a.ID})
			if err != nil {
				return Account{}, err
			}
			got, ok := m[a.ID]
			if !ok {
				return Account{}, ErrNotFound
			}
			return got, nil
		},
	}
}

// Every committed change of an account, whichever statement or trigger
// makes it, reaches every cached lookup at once; a rolled-back one never does.
func TestAccountCacheInvalidation(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name  string
		write func(tx *Tx, a *Account) error
		check func(a Account, err error) string // "" when right
	}{
		{"profile edit", func(tx *Tx, a *Account) error {
			a.DisplayName = "Edited"
			a.Fields = []Field{{Name: "new", Value: "field"}}
			return tx.UpdateAccount(ctx, a)
		}, func(a Account, err error) string {
			if err != nil || a.DisplayName != "Edited" || len(a.Fields) != 1 || a.Fields[0].Name != "new" {
				return "edit not seen"
			}
			return ""
		}},
		{"suspend", func(tx *Tx, a *Account) error { return tx.SetAccountSuspended(ctx, a.ID, true) },
			func(a Account, err error) string {
				if err != nil || a.SuspendedAt.IsZero() {
					return "suspension not seen"
				}
				return ""
			}},
		{"tombstone", func(tx *Tx, a *Account) error { return tx.MarkAccountDeleted(ctx, a.ID) },
			func(a Account, err error) string {
				if err != nil || a.DeletedAt.IsZero() {
					return "deletion not seen"
				}
				return ""
			}},
		{"row deleted by raw SQL", func(tx *Tx, a *Account) error {
			_, err := tx.tx.ExecContext(ctx, `DELETE FROM accounts WHERE id = ?`, a.ID)
			return err
		}, func(a Account, err error) string {
			if !errors.Is(err, ErrNotFound) {
				return "deleted row still served"
			}
			return ""
		}},
		{"renamed and re-keyed by raw SQL", func(tx *Tx, a *Account) error {
			_, err := tx.tx.ExecContext(ctx, `UPDATE accounts SET username = 'bob', uri = uri || '-moved',
				public_key_id = public_key_id || '-2' WHERE id = ?`, a.ID)
			return err
		}, func(a Account, err error) string {
			if err == nil && (a.Username != "bob" || a.URI == "" || a.PublicKeyID == "") {
				return "stale row served"
			}
			if err != nil && !errors.Is(err, ErrNotFound) {
				return err.Error()
			}
			return ""
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db := openTest(t)
			a := Account{Username: "alice", Domain: "remote.test", URI: "https://remote.test/users/alice",
				PublicKeyID: "https://remote.test/users/alice#main-key", DisplayName: "Alice",
				Fields: []Field{{Name: "old", Value: "field"}}}
			mustWrite(t, db, func(tx *Tx) error { return tx.InsertAccount(ctx, &a) })
			for name, get := range lookups(ctx, db, a) { // fill the cache
				if got, err := get(); err != nil || got.DisplayName != "Alice" {
					t.Fatalf("%s: %+v, %v", name, got, err)
				}
			}
			// A caller changing what it got must not change the cache.
			got, _ := db.AccountByID(ctx, a.ID)
			got.Fields[0].Name = "scribbled"
			if again, _ := db.AccountByID(ctx, a.ID); again.Fields[0].Name != "old" {
				t.Fatal("a caller's change reached the cache")
			}
			// A rolled-back write changes nothing.
			edited := a
			mustRollBack(t, db, func(tx *Tx) error { return tc.write(tx, &edited) })
			for name, get := range lookups(ctx, db, a) {
				if got, err := get(); err != nil || got.DisplayName != "Alice" || !got.SuspendedAt.IsZero() {
					t.Fatalf("after rollback, %s: %+v, %v", name, got, err)
				}
			}
			edited = a
			mustWrite(t, db, func(tx *Tx) error { return tc.write(tx, &edited) })
			for name, get := range lookups(ctx, db, a) {
				if msg := tc.check(get()); msg != "" {
					t.Errorf("%s: %s", name, msg)
				}
			}
		})
	}
}

// A row read before a change committed is not kept once the change has
// dropped its key (the reader raced the writer).
func TestAccountCacheKeepsNoRowReadBeforeAChange(t *testing.T) {
	c := newAccountCache()
	seq := c.snapshot()
	c.invalidate([]int64{1}, false)
	c.put(seq, Account{ID: 1, Username: "stale"})
	if _, ok := c.get(1); ok {
		t.Fatal("a row read before an invalidation was cached")
	}
	c.put(c.snapshot(), Account{ID: 1, Username: "fresh"})
	if a, ok := c.get(1); !ok || a.Username != "fresh" {
		t.Fatalf("fresh row not cached: %+v %v", a, ok)
	}
}

// The cached user count follows every write to users and accounts.
func TestCountLocalUsersFollowsWrites(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	want := func(step string, n int64) {
		t.Helper()
		for i := 0; i < 2; i++ { // the second read is served from the cache
			if got, err := db.CountLocalUsers(ctx); err != nil || got != n {
				t.Fatalf("%s: CountLocalUsers = %d, %v; want %d", step, got, err, n)
			}
		}
	}
	want("empty", 0)
	var ids []int64
	for _, name := range []string{"alice", "bob"} {
		mustWrite(t, db, func(tx *Tx) error {
			a := Account{Username: name, URI: "https://here.test/users/" + name}
			if err := tx.InsertAccount(ctx, &a); err != nil {
				return err
			}
			ids = append(ids, a.ID)
			return tx.InsertUser(ctx, &User{AccountID: a.ID, Email: name + "@here.test", PasswordHash: "-"})
		})
	}
	want("two users", 2)
	mustWrite(t, db, func(tx *Tx) error { return tx.SetAccountSuspended(ctx, ids[0], true) })
	want("one suspended", 1)
	mustWrite(t, db, func(tx *Tx) error {
		_, err := tx.tx.ExecContext(ctx, `DELETE FROM users WHERE account_id = ?`, ids[1])
		return err
	})
	want("one removed", 0)
}

// Another process writing the same file (the CLI while serve runs) is seen
// within a poll of the writer's data_version.
func TestAccountCacheSeesOtherProcessesWrites(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "pictor.db")
	serve, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer serve.Close()
	a := Account{Username: "alice", URI: "https://here.test/users/alice", DisplayName: "Alice"}
	mustWrite(t, serve, func(tx *Tx) error { return tx.InsertAccount(ctx, &a) })
	if got, err := serve.AccountByHandle(ctx, "alice", ""); err != nil || got.DisplayName != "Alice" {
		t.Fatalf("%+v, %v", got, err)
	}
	users, _ := serve.CountLocalUsers(ctx)
	cli, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	mustWrite(t, cli, func(tx *Tx) error {
		if err := tx.SetAccountSuspended(ctx, a.ID, true); err != nil {
			return err
		}
		return tx.InsertUser(ctx, &User{AccountID: a.ID, Email: "a@here.test", PasswordHash: "-"})
	})
	cli.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := serve.AccountByHandle(ctx, "alice", "")
		n, _ := serve.CountLocalUsers(ctx)
		if err == nil && !got.SuspendedAt.IsZero() && n == users {
			break // suspended, and the new user does not count: it is suspended
		}
		if time.Now().After(deadline) {
			t.Fatalf("the other process's suspension not seen in 10 s: %+v, %v", got, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// An account's entity version changes with every committed change of what
// its client API entity is made of (its row, its counts, its statuses),
// whichever statement or trigger makes it, and stays put otherwise.
func TestAccountVersionsFollowEveryChange(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	if _, ok := db.AccountVersions([]int64{1}); !ok {
		t.Fatal("no versions")
	}
	alice := Account{Username: "alice", URI: "https://pictor.test/users/alice"}
	bob := Account{Username: "bob", Domain: "remote.test", URI: "https://remote.test/users/bob"}
	carol := Account{Username: "carol", Domain: "remote.test", URI: "https://remote.test/users/carol"}
	mustWrite(t, db, func(tx *Tx) error {
		for _, a := range []*Account{&alice, &bob, &carol} {
			if err := tx.InsertAccount(ctx, a); err != nil {
				return err
			}
		}
		return nil
	})
	version := func(id int64) uint64 {
		v, _ := db.AccountVersions([]int64{id})
		return v[id]
	}
	steps := []struct {
		name    string
		changed []int64 // accounts whose version must change
		write   func(tx *Tx) error
	}{
		{"profile edit", []int64{alice.ID}, func(tx *Tx) error {
			alice.DisplayName = "Alice"
			return tx.UpdateAccount(ctx, &alice)
		}},
		{"local status (counts trigger)", []int64{alice.ID}, func(tx *Tx) error {
			return tx.InsertStatus(ctx, &Status{URI: "https://pictor.test/s/1", AccountID: alice.ID, Local: true,
				Visibility: VisibilityPublic})
		}},
		{"remote status (last status)", []int64{bob.ID}, func(tx *Tx) error {
			return tx.InsertStatus(ctx, &Status{URI: "https://remote.test/s/1", AccountID: bob.ID, Visibility: VisibilityPublic})
		}},
		{"remote status deleted", []int64{bob.ID}, func(tx *Tx) error {
			_, err := tx.tx.ExecContext(ctx, `UPDATE statuses SET deleted_at = 1 WHERE uri = 'https://remote.test/s/1'`)
			return err
		}},
		{"accepted follow (both counts)", []int64{alice.ID, carol.ID}, func(tx *Tx) error {
			return tx.UpsertFollow(ctx, &Follow{AccountID: carol.ID, TargetAccountID: alice.ID, URI: "https://remote.test/f/1",
				Accepted: true})
		}},
	}
	for _, s := range steps {
		before := map[int64]uint64{alice.ID: version(alice.ID), bob.ID: version(bob.ID), carol.ID: version(carol.ID)}
		mustWrite(t, db, s.write)
		for id, v := range before {
			changed := false
			for _, c := range s.changed {
				changed = changed || c == id
			}
			if got := version(id); (got != v) != changed {
				t.Errorf("%s: version of %d %d → %d, want changed=%v", s.name, id, v, got, changed)
			}
		}
	}
	// Versions are never reused, even after a whole-cache drop.
	v := version(alice.ID)
	db.externalChange()
	if got := version(alice.ID); got == v {
		t.Errorf("version %d reused after an external change", v)
	}
}
