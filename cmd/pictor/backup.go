package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pictor-social/pictor/config"
	"github.com/pictor-social/pictor/server"
	"github.com/pictor-social/pictor/store"
)

// manifestName is the file that describes a backup folder.
const manifestName = "manifest.json"

// backupFormat is the version of the backup folder's layout.
const backupFormat = 1

// manifest describes one backup: what made it, when, and checksums that
// restore verifies before it touches the data folder.
type manifest struct {
	Format         int       `json:"format"`
	PictorVersion  string    `json:"pictor_version"`
	CreatedAt      time.Time `json:"created_at"`
	Host           string    `json:"host"`
	SchemaVersion  int       `json:"schema_version"`
	Database       string    `json:"database"`
	DatabaseSHA256 string    `json:"database_sha256"`
	MediaFiles     int       `json:"media_files"`
	MediaBytes     int64     `json:"media_bytes"`
	// MissingMedia lists files the database refers to that were not in the
	// media folder (deleted while the backup ran, or lost before it).
	MissingMedia []string `json:"missing_media,omitempty"`
	// MediaBucket names the S3 bucket that holds the media when [media]
	// storage is "s3": they are not in the backup (back the bucket up with
	// its own tools, e.g. versioning or replication).
	MediaBucket string `json:"media_bucket,omitempty"`
}

// runBackup serves "pictor backup DIR": a consistent copy of a running (or
// stopped) instance. The database is copied in one read transaction (VACUUM
// INTO), then the media files, then a manifest; every file is 0600 and every
// folder 0700, since the database holds private keys and tokens. DIR must be
// new or empty.
func runBackup(ctx context.Context, args []string, out io.Writer) error {
	fs, cfgPath := newFlags("backup")
	pos, err := parse(fs, args)
	if err != nil || len(pos) != 1 {
		return errUsage
	}
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		return err
	}
	if err := sqliteOnly(cfg, "backup", "pg_dump"); err != nil {
		return err
	}
	dir := pos[0]
	if err := makePrivateEmptyDir(dir); err != nil {
		return err
	}
	db, err := store.Open(ctx, filepath.Join(cfg.DataDir, "pictor.db"), store.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	m := manifest{Format: backupFormat, PictorVersion: server.Version, CreatedAt: time.Now().UTC(), Host: cfg.Host,
		Database: "pictor.db"}
	if m.SchemaVersion, err = db.SchemaVersion(ctx); err != nil {
		return err
	}
	dbPath := filepath.Join(dir, m.Database)
	if err := db.SnapshotTo(ctx, dbPath); err != nil {
		return err
	}
	if m.DatabaseSHA256, err = fileSHA256(dbPath); err != nil {
		return err
	}
	if cfg.Media.Storage == "s3" {
		m.MediaBucket = cfg.Media.S3.Bucket
		if err := writeManifest(filepath.Join(dir, manifestName), m); err != nil {
			return err
		}
		fmt.Fprintf(out, "backed up %s (schema %d) to %s; its media are in S3 bucket %q, not in the backup\n",
			cfg.Host, m.SchemaVersion, dir, m.MediaBucket)
		return nil
	}
	// Media files are content-addressed and never rewritten, so copying
	// them after the snapshot finds every file it refers to unless one was
	// deleted meanwhile; the manifest names any such file.
	if m.MediaFiles, m.MediaBytes, err = copyTree(filepath.Join(cfg.DataDir, "media"), filepath.Join(dir, "media")); err != nil {
		return err
	}
	names, err := db.MediaFileNames(ctx)
	if err != nil {
		return err
	}
	for _, n := range names {
		if _, err := os.Stat(filepath.Join(dir, "media", n)); err != nil {
			m.MissingMedia = append(m.MissingMedia, n)
		}
	}
	if err := writeManifest(filepath.Join(dir, manifestName), m); err != nil {
		return err
	}
	fmt.Fprintf(out, "backed up %s (schema %d) and %d media files (%d bytes) to %s\n", cfg.Host, m.SchemaVersion,
		m.MediaFiles, m.MediaBytes, dir)
	if len(m.MissingMedia) > 0 {
		fmt.Fprintf(out, "warning: %d media files the database refers to were missing (listed in %s)\n",
			len(m.MissingMedia), manifestName)
	}
	return nil
}

// runRestore serves "pictor restore DIR [--force]": it checks the backup's
// manifest and checksum, copies the database and media into the configured
// data folder, and opens the result (applying migrations when the backup is
// older than this binary). The server must be stopped. A data folder that
// holds anything is refused unless --force, which replaces its database and
// media.
func runRestore(ctx context.Context, args []string, out io.Writer) error {
	fs, cfgPath := newFlags("restore")
	force := fs.Bool("force", false, "replace the database and media of a data folder that is not empty")
	pos, err := parse(fs, args)
	if err != nil || len(pos) != 1 {
		return errUsage
	}
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		return err
	}
	if err := sqliteOnly(cfg, "restore", "pg_restore"); err != nil {
		return err
	}
	src := pos[0]
	m, err := readManifest(filepath.Join(src, manifestName))
	if err != nil {
		return err
	}
	if sum, err := fileSHA256(filepath.Join(src, m.Database)); err != nil || sum != m.DatabaseSHA256 {
		return fmt.Errorf("backup %s: database checksum does not match the manifest (%v)", src, err)
	}
	if m.Host != cfg.Host {
		return fmt.Errorf("backup is of host %q but the configuration says %q: actor ids would not match", m.Host, cfg.Host)
	}
	if err := prepareDataDir(cfg.DataDir, *force); err != nil {
		return err
	}
	if err := copyFile(filepath.Join(src, m.Database), filepath.Join(cfg.DataDir, "pictor.db")); err != nil {
		return err
	}
	n, _, err := copyTree(filepath.Join(src, "media"), filepath.Join(cfg.DataDir, "media"))
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, filepath.Join(cfg.DataDir, "pictor.db"), store.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.IntegrityCheck(ctx); err != nil {
		return err
	}
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "restored %s from %s (made %s): schema %d, %d media files\n", m.Host, src,
		m.CreatedAt.Format(time.RFC3339), v, n)
	return nil
}

// makePrivateEmptyDir creates dir (0700) or accepts an existing empty one.
func makePrivateEmptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return os.MkdirAll(dir, 0o700)
	case err != nil:
		return err
	case len(entries) > 0:
		return fmt.Errorf("backup folder %s is not empty", dir)
	}
	return os.Chmod(dir, 0o700)
}

// prepareDataDir makes the data folder ready to receive a backup: created
// when missing, refused when it holds anything unless force, and then
// emptied of the database (with its WAL) and media.
func prepareDataDir(dir string, force bool) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return os.MkdirAll(dir, 0o700)
	}
	if err != nil {
		return err
	}
	if len(entries) > 0 && !force {
		return fmt.Errorf("data folder %s is not empty: stop the server and pass --force to replace its database and media", dir)
	}
	for _, name := range []string{"pictor.db", "pictor.db-wal", "pictor.db-shm", "media"} {
		if err := os.RemoveAll(filepath.Join(dir, name)); err != nil {
			return err
		}
	}
	return os.Chmod(dir, 0o700)
}

// copyTree copies the regular files under src into dst (0600 files, 0700
// folders), skipping temporary files (names starting with '.'). A missing
// src copies nothing.
func copyTree(src, dst string) (files int, bytes int64, err error) {
	if err := os.MkdirAll(dst, 0o700); err != nil {
		return 0, 0, err
	}
	err = filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == src && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll
			}
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if rel != "." && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o700)
		case !d.Type().IsRegular():
			return nil
		}
		if err := copyFile(path, target); err != nil {
			if errors.Is(err, fs.ErrNotExist) { // deleted while we copied
				return nil
			}
			return err
		}
		info, err := os.Stat(target)
		if err == nil {
			files++
			bytes += info.Size()
		}
		return err
	})
	return files, bytes, err
}

// copyFile copies src to the new file dst (0600), synced to disk.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy %s: %w", src, err)
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func writeManifest(path string, m manifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o600)
}

func readManifest(path string) (manifest, error) {
	var m manifest
	b, err := os.ReadFile(path)
	if err != nil {
		return m, fmt.Errorf("not a Pictor backup: %w", err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("backup manifest %s: %w", path, err)
	}
	if m.Format != backupFormat || m.Database == "" || strings.ContainsAny(m.Database, `/\`) {
		return m, fmt.Errorf("backup manifest %s: unsupported format %d", path, m.Format)
	}
	return m, nil
}

// sqliteOnly refuses command on an instance whose database is not SQLite:
// backups are of pictor.db; PostgreSQL has its own tool.
func sqliteOnly(cfg config.File, command, tool string) error {
	if cfg.Database.Driver == "sqlite" {
		return nil
	}
	return fmt.Errorf("pictor %s copies SQLite's pictor.db, but [database] driver is %q: use %s for the database "+
		"(and copy data_dir/media yourself)", command, cfg.Database.Driver, tool)
}
