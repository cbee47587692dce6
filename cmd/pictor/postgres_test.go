package main

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pictor-social/pictor/internal/testkit/pgtest"
)

// The CLI runs on the PostgreSQL database [database] names: it migrates,
// creates a user and posts through it; backup and restore refuse and name
// pg_dump and pg_restore; the URL's password never reaches the output.
func TestCLIOnPostgres(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(u.User.Username(), "s3cret-pw") // trust auth ignores it
	dir := t.TempDir()
	cfg := filepath.Join(dir, "pictor.toml")
	body := "host = \"pg.test\"\nscheme = \"https\"\ndata_dir = \"" + filepath.Join(dir, "data") + "\"\n" +
		"[database]\ndriver = \"postgres\"\npool_size = 2\n"
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PICTOR_DATABASE_URL", u.String())
	var all strings.Builder
	run := func(wantCode int, args ...string) string {
		t.Helper()
		code, out, stderr := runCLI(t, "", append(args, "--config", cfg)...)
		all.WriteString(out + stderr)
		if code != wantCode {
			t.Fatalf("pictor %v: code %d, want %d\n%s%s", args, code, wantCode, out, stderr)
		}
		return out + stderr
	}
	if out := run(0, "migrate"); !strings.Contains(out, "schema version") {
		t.Fatalf("migrate: %q", out)
	}
	run(0, "user", "create", "alice")
	run(0, "post", "--as", "alice", "hello from PostgreSQL")
	if _, err := os.Stat(filepath.Join(dir, "data", "pictor.db")); err == nil {
		t.Fatal("an SQLite file was created beside a PostgreSQL instance")
	}
	if out := run(1, "backup", filepath.Join(dir, "backup")); !strings.Contains(out, "pg_dump") {
		t.Fatalf("backup: %q", out)
	}
	if out := run(1, "restore", filepath.Join(dir, "backup")); !strings.Contains(out, "pg_restore") {
		t.Fatalf("restore: %q", out)
	}
	if strings.Contains(all.String(), "s3cret-pw") {
		t.Fatalf("the database password reached the output:\n%s", all.String())
	}
}
