package server_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"io/fs"
	"log/slog"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/config"
	"github.com/pictor-social/pictor/server"
	"github.com/pictor-social/pictor/server/servertest"
)

// withUmask sets the process umask for the test (it is process-wide, so
// these tests do not run in parallel).
func withUmask(t *testing.T, mask int) {
	old := syscall.Umask(mask)
	t.Cleanup(func() { syscall.Umask(old) })
}

func wantMode(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Mode().Perm(); got != want {
		t.Errorf("%s has mode %04o, want %04o", path, got, want)
	}
}

// accessToken issues a token for a new user through the real OAuth flow.
func accessToken(t *testing.T, s *servertest.Server, name string) string {
	t.Helper()
	ctx := context.Background()
	a := s.CreateUser(t, name, "")
	app, secret, err := s.OAuth.RegisterApp(ctx, auth.AppRequest{ClientName: "test",
		RedirectURIs: []string{auth.OOBRedirectURI}, Scopes: "read write"})
	if err != nil {
		t.Fatal(err)
	}
	az, err := s.OAuth.Authorize(ctx, auth.AuthorizeRequest{ResponseType: "code", ClientID: app.ClientID,
		RedirectURI: auth.OOBRedirectURI, Scope: "read write"}, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := s.OAuth.Token(ctx, auth.TokenRequest{GrantType: "authorization_code", Code: az.Code,
		RedirectURI: auth.OOBRedirectURI, ClientID: app.ClientID, ClientSecret: secret})
	if err != nil {
		t.Fatal(err)
	}
	return tok.AccessToken
}

func uploadPNG(t *testing.T, s *servertest.Server, token string) {
	t.Helper()
	m := image.NewNRGBA(image.Rect(0, 0, 64, 48))
	for i := range m.Pix {
		m.Pix[i] = uint8(i)
	}
	var img, body bytes.Buffer
	if err := png.Encode(&img, m); err != nil {
		t.Fatal(err)
	}
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", "a.png")
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(img.Bytes())
	mw.Close()
	req, _ := http.NewRequest("POST", s.URL+"/api/v2/media", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := s.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("upload: status %d", resp.StatusCode)
	}
}

// With the common umask 022, everything the server creates is still private
// to its owner: the database (private keys, password hashes), SQLite's WAL
// and shared-memory files, and the media folder and files.
func TestDataFilesArePrivate(t *testing.T) {
	withUmask(t, 0o022)
	dir := filepath.Join(t.TempDir(), "data")
	s := servertest.Start(t, servertest.Options{DataDir: dir})
	uploadPNG(t, s, accessToken(t, s, "alice"))

	wantMode(t, dir, 0o700)
	wantMode(t, filepath.Join(dir, "media"), 0o700)
	for _, name := range []string{"pictor.db", "pictor.db-wal", "pictor.db-shm"} {
		wantMode(t, filepath.Join(dir, name), 0o600)
	}
	entries, err := os.ReadDir(filepath.Join(dir, "media"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) == 0 {
		t.Fatal("the media folder is empty after an upload")
	}
	for _, e := range entries {
		wantMode(t, filepath.Join(dir, "media", e.Name()), 0o600)
	}
}

// An install made before files were created private is tightened at start,
// and the change is logged.
func TestExistingInstallIsTightened(t *testing.T) {
	withUmask(t, 0o022)
	dir := filepath.Join(t.TempDir(), "data")
	cfg := config.Default()
	cfg.DataDir = dir
	cfg.Host = "pictor.test"
	open := func(log *slog.Logger) *server.Server {
		t.Helper()
		s, err := server.New(context.Background(), cfg, server.Options{Logger: log})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	open(slog.New(slog.DiscardHandler)).Close()
	loose := map[string]fs.FileMode{dir: 0o755, filepath.Join(dir, "media"): 0o755,
		filepath.Join(dir, "pictor.db"): 0o644}
	// What an older SQLite open left beside the database.
	for _, name := range []string{"pictor.db-wal", "pictor.db-shm"} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, nil, 0o644); err != nil && !os.IsExist(err) {
			t.Fatal(err)
		}
		loose[p] = 0o644
	}
	for p, m := range loose {
		if err := os.Chmod(p, m); err != nil {
			t.Fatal(err)
		}
	}
	var logs bytes.Buffer
	s := open(slog.New(slog.NewTextHandler(&logs, nil)))
	defer s.Close() // SQLite removes its WAL and shared-memory files on close
	for p, m := range loose {
		want := fs.FileMode(0o600)
		if m.Perm()&0o100 != 0 {
			want = 0o700
		}
		wantMode(t, p, want)
		if !strings.Contains(logs.String(), "path="+p+"\n") {
			t.Errorf("no log line for %s in:\n%s", p, logs.String())
		}
	}
}
