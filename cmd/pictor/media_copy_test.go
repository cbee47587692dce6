package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pictor-social/pictor/config"
	"github.com/pictor-social/pictor/internal/testkit/s3test"
	"github.com/pictor-social/pictor/server/servertest"
)

func TestMain(m *testing.M) { os.Exit(s3test.Main(m)) }

// apiUpload sends a multipart form with one file field through the client
// API and returns the decoded JSON answer.
func apiUpload(t *testing.T, srv *servertest.Server, method, path, token, field, file string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile(field, "image.png")
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest(method, srv.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := srv.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &out); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	return out
}

// TestMediaCopyToS3 populates an instance through the client API (two
// uploads and an avatar), copies its media folder into a bucket with
// `pictor media copy --to s3`, removes the local files, restarts on
// storage = "s3" and fetches every media URL the API gave before.
func TestMediaCopyToS3(t *testing.T) {
	b := s3test.New(t)
	srv := servertest.Start(t, servertest.Options{})
	alice := srv.CreateUser(t, "alice", "")
	token := appToken(t, srv, alice.ID)
	var urls []string
	for seed := range uint8(2) {
		m := apiUpload(t, srv, "POST", "/api/v2/media", token, "file", writePNG(t, seed))
		urls = append(urls, m["url"].(string), m["preview_url"].(string))
	}
	acct := apiUpload(t, srv, "PATCH", "/api/v1/accounts/update_credentials", token, "avatar", writePNG(t, 9))
	urls = append(urls, acct["avatar"].(string))
	before := map[string][]byte{} // by URL: every distinct file
	for _, u := range urls {
		code, body := get(t, srv, strings.TrimPrefix(u, srv.URL), "", "")
		if code != http.StatusOK {
			t.Fatalf("%s before the copy: %d", u, code)
		}
		before[u] = body
	}
	if len(before) < 3 {
		t.Fatalf("only %d distinct media URLs", len(before))
	}
	addr, dataDir := srv.Cfg.Listen, srv.Cfg.DataDir
	srv.Stop()

	cfg := configFor(t, srv.Cfg.Host, dataDir)
	s3conf := "[media.s3]\nendpoint = \"" + b.Endpoint + "\"\nbucket = \"" + b.Name + "\"\n"
	appendFile(t, cfg, s3conf)
	t.Setenv("PICTOR_S3_ACCESS_KEY", b.AccessKey)
	t.Setenv("PICTOR_S3_SECRET_KEY", b.SecretKey)
	n := fmt.Sprint(len(before)) // small images: a preview may be the same file as its original
	code, out, errOut := runCLI(t, "", "media", "copy", "--to", "s3", "--config", cfg)
	if code != 0 || !strings.Contains(out, n+" files in") || !strings.Contains(out, n+" copied") ||
		!strings.Contains(out, "0 failed; "+n+" verified") || strings.Contains(out+errOut, b.SecretKey) {
		t.Fatalf("copy: %d %q %q", code, out, errOut)
	}
	if code, out, _ := runCLI(t, "", "media", "copy", "--to", "s3", "--config", cfg); code != 0 ||
		!strings.Contains(out, "0 copied (0 bytes), "+n+" already in bucket") {
		t.Fatalf("second copy: %d %q", code, out)
	}
	if code, _, errOut := runCLI(t, "", "media", "copy", "--to", "s3", "--config", configFor(t, "x.example", dataDir)); code != 1 ||
		!strings.Contains(errOut, "[media.s3] endpoint") {
		t.Fatalf("copy without [media.s3]: %d %q", code, errOut)
	}

	// Only the bucket has the files now.
	if err := os.RemoveAll(filepath.Join(dataDir, "media")); err != nil {
		t.Fatal(err)
	}
	srv2 := servertest.Start(t, servertest.Options{DataDir: dataDir, Addr: addr, CA: srv.CA,
		Configure: func(c *config.File) {
			c.Media.Storage = "s3"
			c.Media.S3.Endpoint, c.Media.S3.Bucket = b.Endpoint, b.Name
			c.Media.S3.AccessKey, c.Media.S3.SecretKey = b.AccessKey, b.SecretKey
		}})
	for _, u := range urls {
		code, body := get(t, srv2, strings.TrimPrefix(u, srv2.URL), "", "")
		if code != http.StatusOK || !bytes.Equal(body, before[u]) {
			t.Fatalf("%s after the switch: %d, %d bytes (was %d)", u, code, len(body), len(before[u]))
		}
	}

	// A backup of an instance on S3 names the bucket instead of warning
	// that every file is missing.
	appendFile(t, cfg, "[media]\nstorage = \"s3\"\n")
	backupDir := filepath.Join(t.TempDir(), "backup")
	if code, out, errOut := runCLI(t, "", "backup", backupDir, "--config", cfg); code != 0 ||
		!strings.Contains(out, "S3 bucket \""+b.Name+"\"") || strings.Contains(out, "missing") {
		t.Fatalf("backup on s3: %d %q %q", code, out, errOut)
	}
}

func appendFile(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}
