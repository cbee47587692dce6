package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// A cached token answers for its row exactly: revocation, a suspended
// account and a disabled login show on the very next lookup.
func TestTokenCacheInvalidation(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name  string
		write func(tx *Tx, tok OAuthToken) error
		check func(tok OAuthToken) bool
	}{
		{"revoked", func(tx *Tx, tok OAuthToken) error { return tx.RevokeOAuthToken(ctx, tok.ID) },
			func(tok OAuthToken) bool { return !tok.RevokedAt.IsZero() }},
		{"account suspended", func(tx *Tx, tok OAuthToken) error { return tx.SetAccountSuspended(ctx, tok.AccountID, true) },
			func(tok OAuthToken) bool { return tok.AccountDisabled }},
		{"login disabled", func(tx *Tx, tok OAuthToken) error {
			_, err := tx.tx.ExecContext(ctx, `UPDATE users SET disabled = 1 WHERE account_id = ?`, tok.AccountID)
			return err
		}, func(tok OAuthToken) bool { return tok.AccountDisabled }},
		{"used (last use recorded)", func(tx *Tx, tok OAuthToken) error {
			return tx.TouchOAuthToken(ctx, tok.ID, time.Now(), time.Minute)
		}, func(tok OAuthToken) bool { return !tok.LastUsedAt.IsZero() }},
		{"app deleted (cascade)", func(tx *Tx, tok OAuthToken) error {
			_, err := tx.tx.ExecContext(ctx, `DELETE FROM oauth_apps WHERE id = ?`, tok.AppID)
			return err
		}, nil},
		{"all tokens of the account revoked", func(tx *Tx, tok OAuthToken) error {
			_, err := tx.RevokeOAuthTokensOfAccount(ctx, tok.AccountID)
			return err
		}, func(tok OAuthToken) bool { return !tok.RevokedAt.IsZero() }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db := openTest(t)
			var tok OAuthToken
			mustWrite(t, db, func(tx *Tx) error {
				a := Account{Username: "alice", URI: "https://here.test/users/alice"}
				if err := tx.InsertAccount(ctx, &a); err != nil {
					return err
				}
				if err := tx.InsertUser(ctx, &User{AccountID: a.ID, Email: "a@here.test", PasswordHash: "-"}); err != nil {
					return err
				}
				app := OAuthApp{Name: "app", ClientID: "c", ClientSecretHash: "-", Scopes: "read"}
				if err := tx.InsertOAuthApp(ctx, &app); err != nil {
					return err
				}
				tok = OAuthToken{TokenHash: "digest", AppID: app.ID, AccountID: a.ID, Scopes: "read"}
				return tx.InsertOAuthToken(ctx, &tok)
			})
			for i := 0; i < 2; i++ { // the second lookup is a cache hit
				got, err := db.OAuthTokenByHash(ctx, "digest")
				if err != nil || !got.RevokedAt.IsZero() || got.AccountDisabled {
					t.Fatalf("fresh token: %+v, %v", got, err)
				}
			}
			mustWrite(t, db, func(tx *Tx) error { return tc.write(tx, tok) })
			got, err := db.OAuthTokenByHash(ctx, "digest")
			if tc.check == nil { // the token is gone
				if !errors.Is(err, ErrNotFound) {
					t.Fatalf("after the write the token still reads %+v, %v", got, err)
				}
				return
			}
			if err != nil || !tc.check(got) {
				t.Fatalf("after the write the token still reads %+v, %v", got, err)
			}
		})
	}
}

// Recording one token's use drops that token only: the others stay cached
// (2,000 tokens used round-robin each wrote once a minute and emptied the
// whole cache each time).
func TestTokenCacheKeepsOtherTokensOnUse(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	a, _ := twoTokens(t, db)
	for _, h := range []string{"a", "b"} {
		if _, err := db.OAuthTokenByHash(ctx, h); err != nil {
			t.Fatal(err)
		}
	}
	// A use record changes last_used_at alone: on SQLite, whose hook sees
	// the rows, a stays cached with the new time, as stored; on PostgreSQL,
	// whose reports name the row only, a is dropped. b is untouched.
	used := time.Now().Truncate(time.Millisecond)
	mustWrite(t, db, func(tx *Tx) error { return tx.TouchOAuthToken(ctx, a.ID, used, time.Minute) })
	db.tokens.mu.Lock()
	ca, aCached := db.tokens.m["a"]
	cb, bCached := db.tokens.m["b"]
	db.tokens.mu.Unlock()
	v, _ := db.versions.of(tokenTables...)
	inPlace := testEngine != "postgres"
	if aCached != inPlace || !bCached || cb.version != v || inPlace && !ca.tok.LastUsedAt.Equal(used) {
		t.Fatalf("after a's use: a cached %v (want %v; used %v, want %v), b cached %v (version %d, now %d)", aCached,
			inPlace, ca.tok.LastUsedAt, used, bCached, cb.version, v)
	}
	stored, err := oauthTokenByHash(ctx, db.read, "a")
	if got, _ := db.OAuthTokenByHash(ctx, "a"); err != nil || stored != got || !stored.LastUsedAt.Equal(used) {
		t.Fatalf("a %+v, stored %+v (%v), want used at %v", got, stored, err, used)
	}
	// A use record rolled back leaves a as stored (SQLite's hook saw it,
	// so the token is dropped rather than updated).
	later := used.Add(2 * time.Minute)
	err = db.Write(ctx, func(tx *Tx) error {
		if err := tx.TouchOAuthToken(ctx, a.ID, later, time.Minute); err != nil {
			return err
		}
		return errors.New("roll back")
	})
	if err == nil {
		t.Fatal("the write did not fail")
	}
	if got, err := db.OAuthTokenByHash(ctx, "a"); err != nil || !got.LastUsedAt.Equal(used) {
		t.Fatalf("a after the rollback: %+v, %v; want used at %v", got, err, used)
	}
}

// A token read while another token's row changed (a use record) is kept; a
// token read while its own row changed is not, nor any read before
// everything was dropped.
func TestTokenCacheSpoilsReadsOfChangedRowsOnly(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	_, b := twoTokens(t, db)
	cached := func(h string) bool {
		db.tokens.mu.Lock()
		defer db.tokens.mu.Unlock()
		_, ok := db.tokens.m[h]
		return ok
	}
	read := func() (uint64, OAuthToken, OAuthToken, uint64) {
		db.tokens.mu.Lock()
		seq := db.tokens.seq
		db.tokens.mu.Unlock()
		v, _ := db.versions.of(tokenTables...)
		ta, err := oauthTokenByHash(ctx, db.read, "a")
		if err != nil {
			t.Fatal(err)
		}
		tb, err := oauthTokenByHash(ctx, db.read, "b")
		if err != nil {
			t.Fatal(err)
		}
		return seq, ta, tb, v
	}
	seq, ta, tb, v := read()
	mustWrite(t, db, func(tx *Tx) error { return tx.TouchOAuthToken(ctx, b.ID, time.Now(), time.Minute) })
	db.tokens.put(seq, "a", ta, v)
	db.tokens.put(seq, "b", tb, v)
	if !cached("a") || cached("b") {
		t.Errorf("reads racing b's use record: a kept %v (want true), b kept %v (want false)", cached("a"), cached("b"))
	}
	seq, _, tb, v = read()
	db.tokens.invalidate(nil, true)
	db.tokens.put(seq, "b", tb, v)
	if cached("b") {
		t.Error("a read from before everything was dropped kept")
	}
}

// twoTokens stores an app and two of its tokens, hashed "a" and "b".
func twoTokens(t *testing.T, db *DB) (a, b OAuthToken) {
	t.Helper()
	ctx := context.Background()
	mustWrite(t, db, func(tx *Tx) error {
		app := OAuthApp{Name: "app", ClientID: "c", ClientSecretHash: "-", Scopes: "read"}
		if err := tx.InsertOAuthApp(ctx, &app); err != nil {
			return err
		}
		a = OAuthToken{TokenHash: "a", AppID: app.ID, Scopes: "read"}
		b = OAuthToken{TokenHash: "b", AppID: app.ID, Scopes: "read"}
		if err := tx.InsertOAuthToken(ctx, &a); err != nil {
			return err
		}
		return tx.InsertOAuthToken(ctx, &b)
	})
	return a, b
}

// A change of an accounts row drops the tokens of that account only: the
// remote account updates federation brings keep the local users' tokens
// cached, and a suspension shows on the suspended user's next request even
// when only the account's row says so.
func TestTokenCacheDropsTheChangedAccountsTokensOnly(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	var alice, bob, carol Account
	mustWrite(t, db, func(tx *Tx) error {
		app := OAuthApp{Name: "app", ClientID: "c", ClientSecretHash: "-", Scopes: "read"}
		if err := tx.InsertOAuthApp(ctx, &app); err != nil {
			return err
		}
		for _, a := range []*Account{&alice, &bob} {
			name := map[*Account]string{&alice: "alice", &bob: "bob"}[a]
			*a = Account{Username: name, URI: "https://here.test/users/" + name}
			if err := tx.InsertAccount(ctx, a); err != nil {
				return err
			}
			if err := tx.InsertUser(ctx, &User{AccountID: a.ID, Email: name + "@here.test", PasswordHash: "-"}); err != nil {
				return err
			}
			if err := tx.InsertOAuthToken(ctx, &OAuthToken{TokenHash: name, AppID: app.ID, AccountID: a.ID, Scopes: "read"}); err != nil {
				return err
			}
		}
		carol = Account{Username: "carol", Domain: "there.test", URI: "https://there.test/users/carol"}
		return tx.InsertAccount(ctx, &carol)
	})
	cached := func() (out []string) {
		db.tokens.mu.Lock()
		defer db.tokens.mu.Unlock()
		for _, h := range []string{"alice", "bob"} {
			if _, ok := db.tokens.m[h]; ok {
				out = append(out, h)
			}
		}
		return out
	}
	steps := []struct {
		name       string
		write      func(tx *Tx) error
		wantCached string
	}{
		{"a remote account changes", func(tx *Tx) error {
			carol.DisplayName = "Carol"
			return tx.UpdateAccount(ctx, &carol)
		}, "[alice bob]"},
		{"a remote account is suspended", func(tx *Tx) error { return tx.SetAccountSuspended(ctx, carol.ID, true) }, "[alice bob]"},
		// SetAccountSuspended revokes the tokens too; the row alone must
		// be enough (another writer, a future path).
		{"alice's row says suspended", func(tx *Tx) error {
			_, err := tx.tx.ExecContext(ctx, `UPDATE accounts SET suspended_at = 1 WHERE id = ?`, alice.ID)
			return err
		}, "[bob]"},
	}
	for _, step := range steps {
		for _, h := range []string{"alice", "bob"} {
			if _, err := db.OAuthTokenByHash(ctx, h); err != nil {
				t.Fatal(err)
			}
		}
		mustWrite(t, db, step.write)
		if got := fmt.Sprint(cached()); got != step.wantCached {
			t.Errorf("%s: cached %s, want %s", step.name, got, step.wantCached)
		}
	}
	for h, disabled := range map[string]bool{"alice": true, "bob": false} {
		if tok, err := db.OAuthTokenByHash(ctx, h); err != nil || tok.AccountDisabled != disabled {
			t.Errorf("%s's token %+v, %v; want disabled %v", h, tok, err, disabled)
		}
	}
}
