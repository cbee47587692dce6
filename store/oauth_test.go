package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestOAuthAppRoundTrip(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	app := OAuthApp{Name: "Tusky", Website: "https://tusky.app", ClientID: "cid",
		RedirectURIs: []string{"oauth2redirect://com.keylesspalace.tusky/", "urn:ietf:wg:oauth:2.0:oob"},
		Scopes:       "read write follow push", ClientSecretHash: "h"}
	mustWrite(t, db, func(tx *Tx) error { return tx.InsertOAuthApp(ctx, &app) })
	got, err := db.OAuthAppByClientID(ctx, "cid")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != app.ID || len(got.RedirectURIs) != 2 || got.RedirectURIs[1] != "urn:ietf:wg:oauth:2.0:oob" ||
		got.Scopes != app.Scopes || got.CreatedAt.IsZero() {
		t.Fatalf("got %+v", got)
	}
	if byID, err := db.OAuthAppByID(ctx, app.ID); err != nil || byID.ClientID != "cid" {
		t.Fatalf("by id: %+v, %v", byID, err)
	}
	dup := OAuthApp{Name: "x", ClientID: "cid", RedirectURIs: []string{"https://x.test/"}, Scopes: "read"}
	if err := db.Write(ctx, func(tx *Tx) error { return tx.InsertOAuthApp(ctx, &dup) }); !errors.Is(err, ErrConflict) {
		t.Fatalf("duplicate client id: %v", err)
	}
	if _, err := db.OAuthAppByClientID(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing app: %v", err)
	}
}

// oauthFixture makes a local user and an app.
func oauthFixture(t *testing.T, db *DB) (Account, OAuthApp) {
	t.Helper()
	ctx := context.Background()
	acct := Account{Username: "Alice", URI: "https://l.test/users/alice"}
	app := OAuthApp{Name: "app", ClientID: "cid", RedirectURIs: []string{"https://app.test/cb"}, Scopes: "read"}
	mustWrite(t, db, func(tx *Tx) error {
		if err := tx.InsertAccount(ctx, &acct); err != nil {
			return err
		}
		if err := tx.InsertUser(ctx, &User{AccountID: acct.ID, PasswordHash: "x"}); err != nil {
			return err
		}
		return tx.InsertOAuthApp(ctx, &app)
	})
	return acct, app
}

func TestOAuthCodeSingleUseAndReplayRevokes(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	acct, app := oauthFixture(t, db)
	now := db.Now()
	code := OAuthCode{CodeHash: "c1", AppID: app.ID, AccountID: acct.ID, RedirectURI: "https://app.test/cb",
		Scopes: "read", CodeChallenge: "ch", CodeChallengeMethod: "S256", ExpiresAt: now.Add(10 * time.Minute)}
	tok := OAuthToken{TokenHash: "t1", AppID: app.ID, AccountID: acct.ID, Scopes: "read", CodeHash: "c1"}
	mustWrite(t, db, func(tx *Tx) error {
		if err := tx.InsertOAuthCode(ctx, &code); err != nil {
			return err
		}
		got, err := tx.OAuthCodeByHash(ctx, "c1")
		if err != nil || got.CodeChallenge != "ch" || !got.UsedAt.IsZero() || !got.ExpiresAt.Equal(code.ExpiresAt) {
			t.Errorf("code read back %+v, %v", got, err)
		}
		if err := tx.MarkOAuthCodeUsed(ctx, "c1", now); err != nil {
			return err
		}
		if err := tx.MarkOAuthCodeUsed(ctx, "c1", now); !errors.Is(err, ErrNotFound) {
			t.Errorf("second use: %v, want ErrNotFound", err)
		}
		return tx.InsertOAuthToken(ctx, &tok)
	})
	mustWrite(t, db, func(tx *Tx) error {
		n, err := tx.RevokeOAuthTokensByCode(ctx, "c1")
		if n != 1 {
			t.Errorf("revoked %d tokens, want 1", n)
		}
		return err
	})
	got, err := db.OAuthTokenByHash(ctx, "t1")
	if err != nil || got.RevokedAt.IsZero() || got.AccountID != acct.ID {
		t.Fatalf("token after replay: %+v, %v", got, err)
	}
	mustWrite(t, db, func(tx *Tx) error {
		n, err := tx.DeleteExpiredOAuthCodes(ctx, now.Add(11*time.Minute))
		if n != 1 {
			t.Errorf("deleted %d expired codes, want 1", n)
		}
		return err
	})
}

func TestOAuthTokenDisabledAccountAndTouch(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	acct, app := oauthFixture(t, db)
	user := OAuthToken{TokenHash: "u", AppID: app.ID, AccountID: acct.ID, Scopes: "read"}
	appOnly := OAuthToken{TokenHash: "a", AppID: app.ID, Scopes: "read"}
	mustWrite(t, db, func(tx *Tx) error {
		if err := tx.InsertOAuthToken(ctx, &user); err != nil {
			return err
		}
		return tx.InsertOAuthToken(ctx, &appOnly)
	})
	if got, err := db.OAuthTokenByHash(ctx, "a"); err != nil || got.AccountID != 0 || got.AccountDisabled {
		t.Fatalf("app token %+v, %v", got, err)
	}
	if got, _ := db.OAuthTokenByHash(ctx, "u"); got.AccountDisabled {
		t.Fatal("active account reported disabled")
	}
	at := db.Now().Add(time.Hour)
	mustWrite(t, db, func(tx *Tx) error { return tx.TouchOAuthToken(ctx, user.ID, at, time.Minute) })
	mustWrite(t, db, func(tx *Tx) error { return tx.TouchOAuthToken(ctx, user.ID, at.Add(30*time.Second), time.Minute) })
	if got, _ := db.OAuthTokenByHash(ctx, "u"); !got.LastUsedAt.Equal(at) {
		t.Fatalf("last used %v, want %v (second touch within a minute is skipped)", got.LastUsedAt, at)
	}
	acct.SuspendedAt = db.Now()
	mustWrite(t, db, func(tx *Tx) error { return tx.UpdateAccount(ctx, &acct) })
	if got, _ := db.OAuthTokenByHash(ctx, "u"); !got.AccountDisabled {
		t.Fatal("suspended account not reported disabled")
	}
	if _, err := db.UserByUsername(ctx, "alice"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("suspended user found: %v", err)
	}
	mustWrite(t, db, func(tx *Tx) error {
		n, err := tx.RevokeOAuthTokensOfAccount(ctx, acct.ID)
		if n != 1 {
			t.Errorf("revoked %d, want 1", n)
		}
		return err
	})
}

func TestUserByUsername(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	acct, _ := oauthFixture(t, db)
	remote := Account{Username: "bob", Domain: "r.test", URI: "https://r.test/users/bob"}
	mustWrite(t, db, func(tx *Tx) error { return tx.InsertAccount(ctx, &remote) })
	for _, name := range []string{"alice", "ALICE", "Alice"} {
		u, err := db.UserByUsername(ctx, name)
		if err != nil || u.AccountID != acct.ID {
			t.Fatalf("%s: %+v, %v", name, u, err)
		}
	}
	for _, name := range []string{"bob", "alic", ""} {
		if _, err := db.UserByUsername(ctx, name); !errors.Is(err, ErrNotFound) {
			t.Fatalf("%q: err = %v, want ErrNotFound", name, err)
		}
	}
}
