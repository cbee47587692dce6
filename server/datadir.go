package server

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/pictor-social/pictor/store"
)

// dataDirMode keeps the data folder to its owner: it holds the database
// (private keys, password hashes, tokens) and the media of private posts.
const dataDirMode fs.FileMode = 0o700

// prepareDataDir creates the data folder, or restricts an existing one, its
// media folder and its database files to the owner (0700 folders, 0600
// files) whatever the umask, and logs each path an older install left open
// to other local users. withDB is false when the database lives elsewhere
// (PostgreSQL): no pictor.db is then created.
func prepareDataDir(log *slog.Logger, dir string, withDB bool) error {
	if err := os.MkdirAll(dir, dataDirMode); err != nil {
		return fmt.Errorf("create data folder: %w", err)
	}
	var tightened []string
	for _, d := range []string{dir, filepath.Join(dir, "media")} {
		st, err := os.Stat(d)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("secure data folder: %w", err)
		}
		if st.Mode().Perm() == dataDirMode {
			continue
		}
		if err := os.Chmod(d, dataDirMode); err != nil {
			return fmt.Errorf("secure data folder: %w", err)
		}
		tightened = append(tightened, d)
	}
	var files []string
	if withDB {
		var err error
		if files, err = store.SecureFiles(filepath.Join(dir, "pictor.db")); err != nil {
			return err
		}
	}
	for _, p := range append(tightened, files...) {
		log.Warn("restricted permissions to the owner: the data folder holds private keys and password hashes",
			"path", p)
	}
	return nil
}
