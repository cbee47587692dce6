package media

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Files stores media files content-addressed under one directory: a file's
// name is the hex SHA-256 of its bytes plus the extension of its type, so a
// name never changes meaning and URLs built from it are stable forever
// (interop.md §B.3). Methods are safe for concurrent use, including by
// several processes sharing the directory.
type Files struct {
	dir string
}

// errBadName is returned for names Files never creates. It matches
// fs.ErrNotExist, so callers can treat it as a missing file.
var errBadName = fmt.Errorf("media file name: %w", fs.ErrNotExist)

// Modes of the media directory and files: Pictor serves them itself, so no
// other local user needs to read them (uploads may be followers-only posts).
const (
	dirMode  fs.FileMode = 0o700
	fileMode fs.FileMode = 0o600
)

// NewFiles returns a Files rooted at dir, creating the directory if needed.
// The directory is made private to the owner (0700) whatever the umask or
// its earlier mode.
func NewFiles(dir string) (*Files, error) {
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return nil, fmt.Errorf("create media dir: %w", err)
	}
	if err := os.Chmod(dir, dirMode); err != nil {
		return nil, fmt.Errorf("create media dir: %w", err)
	}
	return &Files{dir: dir}, nil
}

// NameFor returns the name Put gives data of mediaType, or "" when
// mediaType has no extension (see ExtFor).
func NameFor(data []byte, mediaType string) string {
	ext := ExtFor(mediaType)
	if ext == "" {
		return ""
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]) + ext
}

// Put stores data and returns its name (sha256 hex + extension), in a file
// only the owner can read (0600). The file appears atomically: readers see either no file or all of it, never a
// partial write, because it is written to a temporary file, synced and then
// renamed. Putting the same bytes again is a cheap no-op with the same name.
// A media type without an extension (ExtFor) is an error.
func (f *Files) Put(data []byte, mediaType string) (string, error) {
	name := NameFor(data, mediaType)
	if name == "" {
		return "", fmt.Errorf("store media: unsupported type %q", mediaType)
	}
	final := filepath.Join(f.dir, name)
	if st, err := os.Stat(final); err == nil && st.Mode().IsRegular() && st.Size() == int64(len(data)) {
		return name, nil
	}
	if err := f.writeAtomic(final, data); err != nil {
		return "", fmt.Errorf("store media %s: %w", name, err)
	}
	return name, nil
}

func (f *Files) writeAtomic(final string, data []byte) (err error) {
	tmp, err := os.CreateTemp(f.dir, ".put-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Chmod(fileMode); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), final); err != nil {
		return err
	}
	return syncDir(f.dir)
}

// syncDir makes a rename durable across a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Open opens a stored file for reading; the caller closes it. A name Put
// could not have produced, or a missing file, gives an error matching
// fs.ErrNotExist. Names are checked strictly, so no path can escape the
// directory.
func (f *Files) Open(name string) (*os.File, error) {
	if !validName(name) {
		return nil, errBadName
	}
	return os.Open(filepath.Join(f.dir, name))
}

// Delete removes a stored file. Deleting a missing file is not an error; a
// name Put could not have produced is one (matching fs.ErrNotExist).
func (f *Files) Delete(name string) error {
	if !validName(name) {
		return errBadName
	}
	err := os.Remove(filepath.Join(f.dir, name))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete media %s: %w", name, err)
	}
	return nil
}

// validName accepts exactly 64 lower-case hex digits plus a known extension.
func validName(name string) bool {
	hash, ext, ok := strings.Cut(name, ".")
	if !ok || len(hash) != sha256.Size*2 || typeForExt("."+ext) == "" {
		return false
	}
	for _, c := range hash {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
