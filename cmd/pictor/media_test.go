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
	"time"

	"github.com/pictor-social/pictor/internal/testkit/s3test"
	"github.com/pictor-social/pictor/media"
	"github.com/pictor-social/pictor/store"
)

// cacheRemoteMedia stores a remote post by bob whose attachment was cached
// at the given time, and returns the attachment and its file names.
func cacheRemoteMedia(t *testing.T, dataDir string, files media.Storage, at time.Time, seed uint8) store.MediaAttachment {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(dataDir, "pictor.db"), store.Options{Clock: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	img := image.NewGray(image.Rect(0, 0, 4, 4))
	img.Pix[0] = seed
	var buf bytes.Buffer
	png.Encode(&buf, img)
	name, err := files.Put(t.Context(), buf.Bytes(), media.TypePNG)
	if err != nil {
		t.Fatal(err)
	}
	var m store.MediaAttachment
	err = db.Write(ctx, func(tx *store.Tx) error {
		a, err := tx.AccountByURI(ctx, "https://remote.example/users/bob")
		if err != nil {
			a = store.Account{Username: "bob", Domain: "remote.example", URI: "https://remote.example/users/bob"}
			if err := tx.InsertAccount(ctx, &a); err != nil {
				return err
			}
		}
		st := store.Status{URI: "https://remote.example/notes/" + name, AccountID: a.ID}
		if err := tx.InsertStatus(ctx, &st); err != nil {
			return err
		}
		m = store.MediaAttachment{AccountID: a.ID, StatusID: st.ID, RemoteURL: "https://remote.example/" + name}
		if err := tx.InsertMedia(ctx, &m); err != nil {
			return err
		}
		_, err = tx.CacheRemoteMedia(ctx, m.ID, m.RemoteURL, store.CachedImage{FileName: name, MediaType: media.TypePNG})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	m.FileName = name
	return m
}

// TestMediaPrune prunes cached remote media on each storage: the files
// (local) or objects (S3) of pruned copies are deleted, recent ones kept.
func TestMediaPrune(t *testing.T) {
	for _, storage := range []string{"local", "s3"} {
		t.Run(storage, func(t *testing.T) { testMediaPrune(t, storage) })
	}
}

func testMediaPrune(t *testing.T, storage string) {
	cfg, dataDir := testConfig(t)
	if code, _, errOut := runCLI(t, "", "migrate", "--config", cfg); code != 0 {
		t.Fatalf("migrate: %s", errOut)
	}
	folder := filepath.Join(dataDir, "media")
	files, err := media.NewFiles(folder)
	if err != nil {
		t.Fatal(err)
	}
	var st media.Storage = files
	if storage == "s3" {
		b := s3test.New(t)
		appendFile(t, cfg, "[media]\nstorage = \"s3\"\n[media.s3]\nendpoint = \""+b.Endpoint+"\"\nbucket = \""+b.Name+"\"\n")
		t.Setenv("PICTOR_S3_ACCESS_KEY", b.AccessKey)
		t.Setenv("PICTOR_S3_SECRET_KEY", b.SecretKey)
		if st, err = media.NewS3(t.Context(), media.S3Options{Endpoint: b.Endpoint, Region: b.Region, Bucket: b.Name,
			PathStyle: true, AccessKey: b.AccessKey, SecretKey: b.SecretKey}); err != nil {
			t.Fatal(err)
		}
		folder = b.Dir
	}
	old := cacheRemoteMedia(t, dataDir, st, time.Now().Add(-10*24*time.Hour), 1)
	recent := cacheRemoteMedia(t, dataDir, st, time.Now().Add(-3*24*time.Hour), 2)
	exists := func(name string) bool {
		_, err := os.Stat(filepath.Join(folder, name))
		return err == nil
	}
	if !exists(old.FileName) || !exists(recent.FileName) {
		t.Fatalf("the cached copies are not in %s", folder)
	}

	code, out, errOut := runCLI(t, "", "media", "prune", "--config", cfg)
	if code != 0 || !strings.Contains(out, "pruned 1 remote attachments older than 7 days, deleted 1 files") {
		t.Fatalf("default prune: code %d, %q %q", code, out, errOut)
	}
	db := openDB(t, dataDir)
	ctx := context.Background()
	if m, _ := db.MediaByID(ctx, old.ID); m.FileName != "" || exists(old.FileName) {
		t.Errorf("old copy kept: %q", m.FileName)
	}
	if m, _ := db.MediaByID(ctx, recent.ID); m.FileName == "" || !exists(recent.FileName) {
		t.Error("recent copy pruned")
	}

	code, out, _ = runCLI(t, "", "media", "prune", "--days", "2", "--config", cfg)
	if code != 0 || !strings.Contains(out, "pruned 1 remote attachments older than 2 days") {
		t.Fatalf("--days 2: code %d, %q", code, out)
	}
	if exists(recent.FileName) {
		t.Error("--days 2 kept the 3-day-old copy")
	}
}

func TestMediaUnknownSubcommand(t *testing.T) {
	cfg, _ := testConfig(t)
	if code, _, _ := runCLI(t, "", "media", "purge", "--config", cfg); code != 2 {
		t.Errorf("unknown subcommand: code %d, want 2", code)
	}
}
