package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// configFor writes a CLI config for a test server's host and dataDir.
func configFor(t *testing.T, host, dataDir string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "pictor.toml")
	body := "host = \"" + host + "\"\nscheme = \"https\"\ndata_dir = \"" + dataDir + "\"\n"
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// appToken issues an access token to a registered app through the real
// authorization-code flow.
func appToken(t *testing.T, srv *servertest.Server, accountID int64) string {
	t.Helper()
	ctx := context.Background()
	app, secret, err := srv.OAuth.RegisterApp(ctx, auth.AppRequest{ClientName: "backup test",
		RedirectURIs: []string{auth.OOBRedirectURI}, Scopes: "read write"})
	if err != nil {
		t.Fatal(err)
	}
	az, err := srv.OAuth.Authorize(ctx, auth.AuthorizeRequest{ResponseType: "code", ClientID: app.ClientID,
		RedirectURI: auth.OOBRedirectURI, Scope: "read write"}, accountID)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := srv.OAuth.Token(ctx, auth.TokenRequest{GrantType: "authorization_code", Code: az.Code,
		RedirectURI: auth.OOBRedirectURI, ClientID: app.ClientID, ClientSecret: secret})
	if err != nil {
		t.Fatal(err)
	}
	return tok.AccessToken
}

func get(t *testing.T, srv *servertest.Server, path, token, accept string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := srv.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// TestBackupAndRestore backs up a running server with posts, images, keys
// and tokens, restores the backup into a fresh data folder, starts a server
// on it and finds everything again.
func TestBackupAndRestore(t *testing.T) {
	ctx := context.Background()
	srv := servertest.Start(t, servertest.Options{})
	alice := srv.CreateUser(t, "alice", "")
	token := appToken(t, srv, alice.ID)
	f, err := os.Open(writePNG(t, 7))
	if err != nil {
		t.Fatal(err)
	}
	m, err := srv.Social.UploadMedia(ctx, alice.ID, f, social.MediaInput{Description: "a test image"})
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	withImage, err := srv.Social.CreateStatus(ctx, alice.ID, social.Draft{Text: "with an image", MediaIDs: []int64{m.ID},
		Visibility: store.VisibilityPublic})
	if err != nil {
		t.Fatal(err)
	}
	private, err := srv.Social.CreateStatus(ctx, alice.ID, social.Draft{Text: "followers only", Visibility: store.VisibilityPrivate})
	if err != nil {
		t.Fatal(err)
	}
	code, mediaBefore := get(t, srv, "/media/"+m.FileName, "", "")
	if code != http.StatusOK {
		t.Fatalf("media before: %d", code)
	}

	// Back up while the server runs.
	backupDir := filepath.Join(t.TempDir(), "backup")
	cfg := configFor(t, srv.Cfg.Host, srv.Cfg.DataDir)
	if code, out, stderr := runCLI(t, "", "backup", backupDir, "--config", cfg); code != 0 {
		t.Fatalf("backup: %d %s %s", code, out, stderr)
	}
	if code, _, stderr := runCLI(t, "", "backup", backupDir, "--config", cfg); code != 1 || !strings.Contains(stderr, "not empty") {
		t.Fatalf("backup into a used folder: %d %s", code, stderr)
	}
	checkPrivate(t, backupDir)
	var man manifest
	b, _ := os.ReadFile(filepath.Join(backupDir, manifestName))
	if err := json.Unmarshal(b, &man); err != nil || man.MediaFiles < 1 || len(man.MissingMedia) != 0 || man.SchemaVersion < 15 {
		t.Fatalf("manifest %s: %v", b, err)
	}
	addr := srv.Cfg.Listen
	srv.Stop()

	// Restore: a used data folder is refused without --force.
	if code, _, stderr := runCLI(t, "", "restore", backupDir, "--config", cfg); code != 1 || !strings.Contains(stderr, "--force") {
		t.Fatalf("restore over a used data folder: %d %s", code, stderr)
	}
	fresh := filepath.Join(t.TempDir(), "data")
	freshCfg := configFor(t, srv.Cfg.Host, fresh)
	if code, out, stderr := runCLI(t, "", "restore", backupDir, "--config", freshCfg); code != 0 {
		t.Fatalf("restore: %d %s %s", code, out, stderr)
	}
	if code, _, stderr := runCLI(t, "", "restore", backupDir, "--config", configFor(t, "other.example", t.TempDir())); code != 1 ||
		!strings.Contains(stderr, "host") {
		t.Fatalf("restore under another host: %d %s", code, stderr)
	}

	srv2 := servertest.Start(t, servertest.Options{DataDir: fresh, Addr: addr, CA: srv.CA})
	for _, st := range []store.Status{withImage, private} {
		code, body := get(t, srv2, "/api/v1/statuses/"+itoa(st.ID), token, "")
		if code != http.StatusOK || !strings.Contains(string(body), st.Text) {
			t.Fatalf("status %d after restore (the app's token): %d %s", st.ID, code, body)
		}
	}
	if code, body := get(t, srv2, "/api/v1/accounts/verify_credentials", token, ""); code != http.StatusOK ||
		!strings.Contains(string(body), `"username":"alice"`) {
		t.Fatalf("token after restore: %d %s", code, body)
	}
	code, mediaAfter := get(t, srv2, "/media/"+m.FileName, "", "")
	if code != http.StatusOK || string(mediaAfter) != string(mediaBefore) {
		t.Fatalf("image after restore: %d, %d bytes (was %d)", code, len(mediaAfter), len(mediaBefore))
	}
	if code, _ := get(t, srv2, "/media/"+m.ThumbName, "", ""); m.ThumbName != "" && code != http.StatusOK {
		t.Fatalf("thumbnail after restore: %d", code)
	}
	code, body := get(t, srv2, "/users/alice", "", "application/activity+json")
	var actor struct {
		PublicKey struct {
			PublicKeyPem string `json:"publicKeyPem"`
		} `json:"publicKey"`
	}
	if err := json.Unmarshal(body, &actor); code != http.StatusOK || err != nil || actor.PublicKey.PublicKeyPem != alice.PublicKeyPEM {
		t.Fatalf("actor key after restore: %d %v\n%s", code, err, body)
	}
}

// checkPrivate fails unless every file under dir is 0600 and every folder 0700.
func checkPrivate(t *testing.T, dir string) {
	t.Helper()
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		info, _ := d.Info()
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}
		if info.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", path, info.Mode().Perm(), want)
		}
		return nil
	})
}

// writePNG writes a small image whose pixels depend on seed and returns its path.
func writePNG(t *testing.T, seed uint8) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 96, 64))
	for i := range img.Pix {
		img.Pix[i] = uint8(i*7) + seed
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "image.png")
	if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
