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

	"github.com/pictor-social/pictor/media"
	"github.com/pictor-social/pictor/store"
)

// cacheRemoteMedia stores a remote post by bob whose attachment was cached
// at the given time, and returns the attachment and its file names.
func cacheRemoteMedia(t *testing.T, dataDir string, at time.Time, seed uint8) store.MediaAttachment {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(dataDir, "pictor.db"), store.Options{Clock: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	files, err := media.NewFiles(filepath.Join(dataDir, "media"))
	if err != nil {
		t.Fatal(err)
	}
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

func TestMediaPrune(t *testing.T) {
	cfg, dataDir := testConfig(t)
	if code, _, errOut := runCLI(t, "", "migrate", "--config", cfg); code != 0 {
		t.Fatalf("migrate: %s", errOut)
	}
	old := cacheRemoteMedia(t, dataDir, time.Now().Add(-10*24*time.Hour), 1)
	recent := cacheRemoteMedia(t, dataDir, time.Now().Add(-3*24*time.Hour), 2)
	exists := func(name string) bool {
		_, err := os.Stat(filepath.Join(dataDir, "media", name))
		return err == nil
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
	if code, _, _ := runCLI(t, "", "media", "purge", "--config", cfg); code != 2 {
		t.Errorf("unknown subcommand: code %d, want 2", code)
	}
}
