package media

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func newFiles(t *testing.T) (*Files, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "media")
	f, err := NewFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	return f, dir
}

func TestFilesPutNames(t *testing.T) {
	f, dir := newFiles(t)
	data := []byte("\xff\xd8\xff not really a jpeg, Files does not care")
	sum := sha256.Sum256(data)
	hash := hex.EncodeToString(sum[:])
	cases := []struct {
		mediaType string
		want      string
	}{
		{TypeJPEG, hash + ".jpg"},
		{TypePNG, hash + ".png"},
		{TypeGIF, hash + ".gif"},
		{TypeWebP, hash + ".webp"},
	}
	for _, tc := range cases {
		for range 2 { // the second Put must give the same name
			name, err := f.Put(t.Context(), data, tc.mediaType)
			if err != nil {
				t.Fatal(err)
			}
			if name != tc.want {
				t.Fatalf("Put(%s) = %q, want %q", tc.mediaType, name, tc.want)
			}
			got, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("stored file: %q, %v", got, err)
			}
		}
	}
	if _, err := f.Put(t.Context(), data, "image/svg+xml"); err == nil {
		t.Fatal("Put accepted image/svg+xml")
	}
	if _, err := f.Put(t.Context(), data, ""); err == nil {
		t.Fatal("Put accepted an empty type")
	}
}

// Readers racing with writers of the same content must never see a partial
// file, and no temporary file may be left behind.
func TestFilesPutAtomic(t *testing.T) {
	f, dir := newFiles(t)
	data := bytes.Repeat([]byte("0123456789abcdef"), 64<<10) // 1 MiB
	name := NameFor(data, TypePNG)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for range 4 {
		wg.Go(func() {
			for range 5 {
				if _, err := f.Put(t.Context(), data, TypePNG); err != nil {
					errs <- err
				}
				// Remove so the next Put really writes again.
				if err := f.Delete(t.Context(), name); err != nil {
					errs <- err
				}
			}
		})
		wg.Go(func() {
			for range 50 {
				if err := readWhole(f, name, len(data)); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("left behind: %s", e.Name())
	}
}

// readWhole opens name and checks that it is complete; a missing file is fine.
func readWhole(f *Files, name string, size int) error {
	file, err := f.Open(context.Background(), name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer file.Close()
	b, err := io.ReadAll(file)
	if err != nil {
		return err
	}
	if len(b) != size {
		return errors.New("saw a partial file")
	}
	return nil
}

func TestFilesOpenDelete(t *testing.T) {
	f, dir := newFiles(t)
	name, err := f.Put(t.Context(), []byte("abc"), TypeGIF)
	if err != nil {
		t.Fatal(err)
	}
	file, err := f.Open(t.Context(), name)
	if err != nil {
		t.Fatal(err)
	}
	file.Close()
	if err := f.Delete(t.Context(), name); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Open(t.Context(), name); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Open after Delete: %v", err)
	}
	if err := f.Delete(t.Context(), name); err != nil {
		t.Fatalf("second Delete: %v", err)
	}
	// A file outside the store and odd names must stay unreachable.
	if err := os.WriteFile(filepath.Join(filepath.Dir(dir), "secret.txt"), []byte("s"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"", ".", "..", "../secret.txt", "/etc/passwd", "secret.txt",
		strings.Repeat("a", 64), strings.Repeat("a", 64) + ".txt", strings.Repeat("A", 64) + ".jpg",
		strings.Repeat("a", 63) + "/.jpg", "../" + strings.Repeat("a", 61) + ".jpg"} {
		if _, err := f.Open(t.Context(), bad); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Open(%q) = %v, want not-exist", bad, err)
		}
		if err := f.Delete(t.Context(), bad); err == nil {
			t.Errorf("Delete(%q) succeeded", bad)
		}
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "secret.txt")); err != nil {
		t.Fatalf("outside file touched: %v", err)
	}
}
