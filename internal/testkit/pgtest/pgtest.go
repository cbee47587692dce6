// Package pgtest gives tests a fresh PostgreSQL database of their own on the
// server named by PICTOR_TEST_POSTGRES (a postgres:// URL whose user may
// CREATE DATABASE; e2e/test.sh starts one). Without it the tests that need
// PostgreSQL are skipped, except under PICTOR_E2E=1 (the full suite), where
// its absence is a failure.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL names the variable holding the server's URL.
const EnvURL = "PICTOR_TEST_POSTGRES"

// Available reports whether a PostgreSQL server is configured for tests.
func Available() bool { return os.Getenv(EnvURL) != "" }

// NewDatabase creates an empty database for t, dropped when t ends, and
// returns its URL.
func NewDatabase(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvURL)
	if base == "" {
		if os.Getenv("PICTOR_E2E") == "1" {
			t.Fatalf("%s is not set: the full suite runs the PostgreSQL tests (e2e/test.sh starts a server)", EnvURL)
		}
		t.Skipf("%s is not set (a postgres:// URL of a server where the user may create databases)", EnvURL)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s does not parse as a URL", EnvURL)
	}
	b := make([]byte, 6)
	rand.Read(b)
	name := "pictor_test_" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to %s: %v", EnvURL, err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, `CREATE DATABASE `+name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop database %s: %v", name, err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}
