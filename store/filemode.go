package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// fileMode is the mode of the database and its companion files: they hold
// private keys, password hashes and tokens, so only the owner may read them.
// SQLite gives the -wal, -shm and -journal files it creates the database
// file's permissions, so creating that file first with this mode covers
// them too, whatever the umask.
const fileMode fs.FileMode = 0o600

// SecureFiles creates the database file at path with mode 0600 if it does
// not exist, and restricts it and any existing -wal, -shm or -journal file
// to 0600 when their mode allows more. It returns the paths it tightened
// (an install made before files were created private), for the caller to
// log. Open calls it; the server calls it first to log what it changed.
func SecureFiles(path string) ([]string, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, fileMode)
	if err != nil {
		return nil, fmt.Errorf("open database file: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("open database file: %w", err)
	}
	var tightened []string
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		st, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return tightened, fmt.Errorf("secure database file: %w", err)
		}
		if st.Mode().Perm() == fileMode {
			continue
		}
		if err := os.Chmod(p, fileMode); err != nil {
			return tightened, fmt.Errorf("secure database file: %w", err)
		}
		tightened = append(tightened, p)
	}
	return tightened, nil
}
