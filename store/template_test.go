package store

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// A new database file in a test binary starts as a copy of the migrated
// template whether it is missing or empty (the server's data folder check
// creates pictor.db empty with the owner's permissions before the store
// opens it; without this every test server migrated from scratch), and a
// file that holds data is never touched.
func TestSeedFromTemplate(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.db")
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	kept := filepath.Join(dir, "kept.db")
	if err := os.WriteFile(kept, []byte("not a template"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{missing, empty, kept} {
		if err := seedFromTemplate(ctx, p); err != nil {
			t.Fatalf("%s: %v", filepath.Base(p), err)
		}
	}
	tmpl, err := os.ReadFile(templateOnce.path)
	if err != nil || len(tmpl) == 0 {
		t.Fatalf("template %q: %d bytes, %v", templateOnce.path, len(tmpl), err)
	}
	for _, p := range []string{missing, empty} {
		got, err := os.ReadFile(p)
		if err != nil || !bytes.Equal(got, tmpl) {
			t.Errorf("%s: %d bytes (template %d), %v", filepath.Base(p), len(got), len(tmpl), err)
		}
		if st, err := os.Stat(p); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, %v", filepath.Base(p), st.Mode(), err)
		}
	}
	if got, _ := os.ReadFile(kept); string(got) != "not a template" {
		t.Errorf("a file with data was overwritten: %q", got[:min(len(got), 16)])
	}

}
