//go:build unix

package store

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// sqliteShmDMS is the byte of a WAL database's -shm file on which every
// process that has the database open holds a shared POSIX lock (SQLite's
// unix VFS: UNIX_SHM_DMS, 120 + SQLITE_SHM_NLOCK).
const sqliteShmDMS = 128

// sqliteHolder returns the id of another process that has the SQLite
// database at path open, or 0. It must run before this process opens the
// file (closing a descriptor drops the process's own POSIX locks).
func sqliteHolder(path string) (int, error) {
	f, err := os.OpenFile(path+"-shm", os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil // no process has it open in WAL mode
	}
	if err != nil {
		return 0, fmt.Errorf("check whether %s is in use: %w", path, err)
	}
	defer f.Close()
	lk := syscall.Flock_t{Type: syscall.F_WRLCK, Whence: io.SeekStart, Start: sqliteShmDMS, Len: 1}
	if err := syscall.FcntlFlock(f.Fd(), syscall.F_GETLK, &lk); err != nil {
		return 0, fmt.Errorf("check whether %s is in use: %w", path, err)
	}
	if lk.Type == syscall.F_UNLCK {
		return 0, nil
	}
	if lk.Pid <= 0 {
		return -1, nil // an open-file-description lock names no process
	}
	return int(lk.Pid), nil
}
