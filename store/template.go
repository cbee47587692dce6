package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// Test binaries open hundreds of new databases, and under the race detector
// applying every migration to a new SQLite file takes about a second
// (modernc's SQLite is C translated to Go, and the detector instruments all
// of it). So in a test binary, and only there, a new file starts as a copy of
// a template that was migrated once: the schema is the same by construction,
// and the migration tests build their files step by step without it.

var templateOnce struct {
	sync.Once
	path string
	err  error
}

// seedFromTemplate copies the migrated template to path when path does not
// exist yet, or is an empty file (a new database: the server's data folder
// check creates the file with the owner's permissions before it opens the
// store), and the process is a test binary; otherwise it does nothing.
func seedFromTemplate(ctx context.Context, path string) error {
	if !testing.Testing() {
		return nil
	}
	flag := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err == nil && st.Mode().IsRegular() && st.Size() == 0:
		flag = os.O_WRONLY | os.O_TRUNC
	default:
		return nil
	}
	templateOnce.Do(func() { templateOnce.path, templateOnce.err = migratedTemplate(ctx) })
	if templateOnce.err != nil {
		return templateOnce.err
	}
	return copyFile(templateOnce.path, path, flag)
}

// migratedTemplate returns the path of a fully migrated database file for the
// current migrations, creating it in the temporary directory if no earlier
// test process did. Its name carries a hash of the migrations, so a changed
// migration never reuses an old template.
func migratedTemplate(ctx context.Context) (string, error) {
	list, err := loadMigrations(sqliteEngine.migrations)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, m := range list {
		fmt.Fprintf(h, "%d\x00%s\x00%s\x00", m.version, m.name, m.sql)
	}
	final := filepath.Join(os.TempDir(), "pictor-store-template-"+hex.EncodeToString(h.Sum(nil))[:16]+".db")
	if _, err := os.Stat(final); err == nil {
		return final, nil
	}
	dir, err := os.MkdirTemp("", "pictor-store-template-")
	if err != nil {
		return "", fmt.Errorf("store template: %w", err)
	}
	defer os.RemoveAll(dir)
	db := &DB{eng: sqliteEngine, clock: time.Now, ids: NewIDGen(), changes: &changeLog{}, accounts: newAccountCache()}
	db.write, db.read, err = openPools(filepath.Join(dir, "build.db"), nil)
	if err != nil {
		return "", err
	}
	err = db.migrate(ctx)
	if err == nil {
		// VACUUM INTO writes one self-contained file (no WAL companion).
		_, err = db.write.ExecContext(ctx, `VACUUM INTO ?`, filepath.Join(dir, "template.db"))
	}
	db.Close()
	if err != nil {
		return "", fmt.Errorf("store template: %w", err)
	}
	// Rename is atomic: a concurrent test process sees the whole file or none.
	if err := os.Chmod(filepath.Join(dir, "template.db"), 0o600); err != nil {
		return "", fmt.Errorf("store template: %w", err)
	}
	if err := os.Rename(filepath.Join(dir, "template.db"), final); err != nil {
		return "", fmt.Errorf("store template: %w", err)
	}
	return final, nil
}

// copyFile copies src to dst, opened with flag (a new file is readable by
// the owner only).
func copyFile(src, dst string, flag int) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("store template: %w", err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, flag, 0o600)
	if err != nil {
		return fmt.Errorf("store template: %w", err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("store template: %w", err)
	}
	return out.Close()
}
