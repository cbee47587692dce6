package media

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// Files is the local Storage: media files under one directory, named as
// Storage describes. Methods are safe for concurrent use, including by
// several processes sharing the directory. They do not block on the
// context: local file operations are not cancellable.
type Files struct {
	dir string
}

var _ Storage = (*Files)(nil)

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

// Put stores data and returns its name (sha256 hex + extension), in a file
// only the owner can read (0600). The file appears atomically: readers see either no file or all of it, never a
// partial write, because it is written to a temporary file, synced and then
// renamed. Putting the same bytes again is a cheap no-op with the same name.
// A media type without an extension (ExtFor) is an error.
func (f *Files) Put(_ context.Context, data []byte, mediaType string) (string, error) {
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
// could not have produced, a missing file or anything but a regular file
// gives an error matching fs.ErrNotExist. Names are checked strictly, so no
// path can escape the directory.
func (f *Files) Open(_ context.Context, name string) (*Object, error) {
	if !validName(name) {
		return nil, errBadName
	}
	file, err := os.Open(filepath.Join(f.dir, name))
	if err != nil {
		return nil, err
	}
	st, err := file.Stat()
	if err == nil && !st.Mode().IsRegular() {
		err = fmt.Errorf("media file %s is not a regular file: %w", name, fs.ErrNotExist)
	}
	if err != nil {
		file.Close()
		return nil, err
	}
	return &Object{ReadSeekCloser: file, Info: Info{Size: st.Size(), ModTime: st.ModTime()}}, nil
}

// Stat reports a stored file's size and modification time, with the same
// errors as Open.
func (f *Files) Stat(_ context.Context, name string) (Info, error) {
	if !validName(name) {
		return Info{}, errBadName
	}
	st, err := os.Stat(filepath.Join(f.dir, name))
	if err != nil {
		return Info{}, err
	}
	if !st.Mode().IsRegular() {
		return Info{}, fmt.Errorf("media file %s is not a regular file: %w", name, fs.ErrNotExist)
	}
	return Info{Size: st.Size(), ModTime: st.ModTime()}, nil
}

// Delete removes a stored file. Deleting a missing file is not an error; a
// name Put could not have produced is one (matching fs.ErrNotExist).
func (f *Files) Delete(_ context.Context, name string) error {
	if !validName(name) {
		return errBadName
	}
	err := os.Remove(filepath.Join(f.dir, name))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete media %s: %w", name, err)
	}
	return nil
}

// Names lists the stored files' names in lexical order; temporary files of
// unfinished Puts and anything else Put could not have produced are left out.
func (f *Files) Names() ([]string, error) {
	entries, err := os.ReadDir(f.dir)
	if err != nil {
		return nil, fmt.Errorf("list media dir: %w", err)
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && validName(e.Name()) {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}
