package store

import (
	"context"
	"testing"
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
			if err != nil || !tc.check(got) {
				t.Fatalf("after the write the token still reads %+v, %v", got, err)
			}
		})
	}
}
