package main

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pictor-social/pictor/store"
)

// testConfig writes a config whose data folder is a fresh temp dir.
func testConfig(t *testing.T) (cfgPath, dataDir string) {
	dir := t.TempDir()
	dataDir = filepath.Join(dir, "data")
	cfgPath = filepath.Join(dir, "pictor.toml")
	body := "host = \"pictor.test\"\nscheme = \"https\"\ndata_dir = \"" + dataDir + "\"\n"
	if err := os.WriteFile(cfgPath, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfgPath, dataDir
}

func runCLI(t *testing.T, input string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	stdin = strings.NewReader(input)
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func openDB(t *testing.T, dataDir string) *store.DB {
	db, err := store.Open(context.Background(), filepath.Join(dataDir, "pictor.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestUsageErrors(t *testing.T) {
	cfg, _ := testConfig(t)
	cases := [][]string{
		{},
		{"frobnicate"},
		{"user"},
		{"user", "remove", "x"},
		{"user", "create"},
		{"post", "--config", cfg, "hello"},     // no --as
		{"post", "--config", cfg, "--as", "a"}, // neither text nor image
		{"post", "--config", cfg, "--as", "a", "--visibility", "everyone", "x"},
		{"delete", "--config", cfg, "--as", "a"},
		{"follow", "--config", cfg, "--as", "a"},
		{"version", "extra"},
		{"serve", "--bogus"},
	}
	for _, args := range cases {
		code, _, stderr := runCLI(t, "", args...)
		if code != 2 || !strings.Contains(stderr, "usage") {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
		}
	}
}

func TestUserPostDelete(t *testing.T) {
	cfg, dataDir := testConfig(t)
	code, out, stderr := runCLI(t, "", "user", "create", "alice", "--config", cfg)
	if code != 0 || !strings.Contains(out, "created @alice@pictor.test") || !strings.Contains(out, "password: ") {
		t.Fatalf("create: %d %q %q", code, out, stderr)
	}
	if code, _, stderr = runCLI(t, "", "user", "create", "Alice", "--config", cfg); code != 1 || !strings.Contains(stderr, "taken") {
		t.Fatalf("duplicate: %d %q", code, stderr)
	}
	if code, _, stderr = runCLI(t, "short\n", "user", "create", "bob", "--password-stdin", "--config", cfg); code != 1 {
		t.Fatalf("short password accepted: %q", stderr)
	}
	if code, _, _ = runCLI(t, "a long enough secret\n", "user", "create", "bob", "--password-stdin", "--admin", "--config", cfg); code != 0 {
		t.Fatal("bob not created")
	}

	img := filepath.Join(t.TempDir(), "pic.png")
	var buf bytes.Buffer
	png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 64, 48)))
	os.WriteFile(img, buf.Bytes(), 0o600)
	code, out, stderr = runCLI(t, "", "post", "--config", cfg, "--as", "alice", "--image", img, "--alt", "empty", "--cw", "cw", "hello")
	if code != 0 || !strings.HasPrefix(out, "https://pictor.test/@alice/") {
		t.Fatalf("post: %d %q %q", code, out, stderr)
	}
	url := strings.TrimSpace(out)

	// A missing image fails before anything is stored.
	code, _, stderr = runCLI(t, "", "post", "--config", cfg, "--as", "alice", "--image", img, "--image", "/nonexistent.png", "second")
	if code != 1 || !strings.Contains(stderr, "nonexistent") {
		t.Fatalf("missing image: %d %q", code, stderr)
	}
	db := openDB(t, dataDir)
	alice, _ := db.AccountByHandle(context.Background(), "alice", "")
	list, _ := db.AccountStatuses(context.Background(), alice.ID, nil, store.Page{})
	if len(list) != 1 || list[0].SpoilerText != "cw" {
		t.Fatalf("statuses after failed post: %+v", list)
	}
	media, _ := db.MediaForStatuses(context.Background(), []int64{list[0].ID})
	if len(media[list[0].ID]) != 1 || media[list[0].ID][0].Description != "empty" {
		t.Fatalf("media %+v", media)
	}

	if code, _, stderr = runCLI(t, "", "delete", "--config", cfg, "--as", "bob", url); code != 1 {
		t.Fatalf("bob deleted alice's post: %q", stderr)
	}
	if code, _, stderr = runCLI(t, "", "delete", "--config", cfg, "--as", "alice", "https://elsewhere.test/x"); code != 1 {
		t.Fatalf("foreign URL: %d %q", code, stderr)
	}
	if code, out, stderr = runCLI(t, "", "delete", "--config", cfg, "--as", "alice", url); code != 0 {
		t.Fatalf("delete: %d %q %q", code, out, stderr)
	}
	st, _ := db.StatusByID(context.Background(), list[0].ID)
	if st.DeletedAt.IsZero() {
		t.Fatal("status not deleted")
	}
}

func TestMigrateAndVersion(t *testing.T) {
	cfg, _ := testConfig(t)
	if code, out, _ := runCLI(t, "", "migrate", "--config", cfg); code != 0 || !strings.Contains(out, "schema version") {
		t.Fatalf("migrate: %d %q", code, out)
	}
	if code, out, _ := runCLI(t, "", "version"); code != 0 || !strings.HasPrefix(out, "pictor ") {
		t.Fatalf("version: %d %q", code, out)
	}
}
