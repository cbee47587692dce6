package main

import (
	"context"
	"strings"
	"testing"

	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/store"
)

func passwordOf(t *testing.T, db *store.DB, id int64) string {
	t.Helper()
	u, err := db.UserByAccountID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return u.PasswordHash
}

func TestUserPasswordResetAndDelete(t *testing.T) {
	cfg, dataDir := testConfig(t)
	if code, _, stderr := runCLI(t, "", "user", "create", "alice", "--config", cfg); code != 0 {
		t.Fatalf("create: %q", stderr)
	}
	db := openDB(t, dataDir)
	ctx := context.Background()
	alice, err := db.AccountByHandle(ctx, "alice", "")
	if err != nil {
		t.Fatal(err)
	}
	tok := store.OAuthToken{TokenHash: "digest-of-a-token", Scopes: "read", AccountID: alice.ID}
	err = db.Write(ctx, func(tx *store.Tx) error {
		app := store.OAuthApp{Name: "App", ClientID: "cid", ClientSecretHash: "x", Scopes: "read"}
		if err := tx.InsertOAuthApp(ctx, &app); err != nil {
			return err
		}
		tok.AppID = app.ID
		return tx.InsertOAuthToken(ctx, &tok)
	})
	if err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name, input string
		args        []string
		code        int
		out         string
	}{
		{"too short", "short\n", []string{"--password-stdin"}, 1, ""},
		{"unknown user", "", []string{"nobody"}, 1, ""},
		{"from stdin", "a brand new secret\n", []string{"--password-stdin"}, 0, "sessions and app tokens were revoked"},
		{"generated", "", nil, 0, "password: "},
	}
	for _, tc := range cases {
		args := append([]string{"user", "password", "--config", cfg}, tc.args...)
		if !strings.Contains(strings.Join(tc.args, " "), "nobody") {
			args = append(args, "alice")
		}
		code, out, stderr := runCLI(t, tc.input, args...)
		if code != tc.code || !strings.Contains(out, tc.out) {
			t.Fatalf("%s: exit %d, out %q, stderr %q", tc.name, code, out, stderr)
		}
		if tc.name == "from stdin" {
			if err := auth.CheckPassword(passwordOf(t, db, alice.ID), "a brand new secret"); err != nil {
				t.Fatalf("new password does not match: %v", err)
			}
			got, _ := db.OAuthTokenByHash(ctx, tok.TokenHash)
			if got.RevokedAt.IsZero() {
				t.Fatal("the reset left the app token live")
			}
		}
		if tc.name == "generated" {
			pw := strings.TrimSpace(out[strings.Index(out, "password: ")+len("password: "):])
			if err := auth.CheckPassword(passwordOf(t, db, alice.ID), pw); err != nil {
				t.Fatalf("printed password does not match: %v", err)
			}
		}
	}

	code, out, stderr := runCLI(t, "", "user", "delete", "alice", "--config", cfg)
	if code != 0 || !strings.Contains(out, "deleted @alice") {
		t.Fatalf("delete: %d %q %q", code, out, stderr)
	}
	// db caches accounts and learns of another process's commits within a
	// poll; a fresh handle reads what the command wrote.
	a, _ := openDB(t, dataDir).AccountByID(ctx, alice.ID)
	if a.DeletedAt.IsZero() || a.SuspendedAt.IsZero() {
		t.Fatalf("account after delete: deleted %v suspended %v", a.DeletedAt, a.SuspendedAt)
	}
	if code, _, stderr = runCLI(t, "", "user", "delete", "alice", "--config", cfg); code != 1 {
		t.Fatalf("second delete: %d %q", code, stderr)
	}
	if code, _, stderr = runCLI(t, "", "user", "create", "alice", "--config", cfg); code != 1 || !strings.Contains(stderr, "taken") {
		t.Fatalf("username reused: %d %q", code, stderr)
	}
	if code, _, _ = runCLI(t, "x long password\n", "user", "password", "alice", "--password-stdin", "--config", cfg); code != 1 {
		t.Fatal("password reset of a deleted account succeeded")
	}
}
