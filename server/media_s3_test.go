package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pictor-social/pictor/config"
	"github.com/pictor-social/pictor/internal/testkit/s3test"
	"github.com/pictor-social/pictor/server/servertest"
)

func TestMain(m *testing.M) { os.Exit(s3test.Main(m)) }

// startOnS3 starts a server whose media live in a fresh bucket of the
// test S3 server; publicURL is [media.s3] public_url.
func startOnS3(t *testing.T, publicURL string) (*servertest.Server, s3test.Bucket) {
	t.Helper()
	b := s3test.New(t)
	srv := servertest.Start(t, servertest.Options{Configure: func(c *config.File) {
		c.Media.Storage = "s3"
		c.Media.S3 = config.MediaS3{Endpoint: b.Endpoint, Region: b.Region, Bucket: b.Name, PathStyle: true,
			AccessKey: b.AccessKey, SecretKey: b.SecretKey, PublicURL: publicURL, Timeout: c.Media.S3.Timeout}
	}})
	return srv, b
}

// uploadMedia uploads a small PNG through POST /api/v2/media and returns the
// attachment's id, url and preview_url.
func uploadMedia(t *testing.T, s *servertest.Server, token string, seed uint8) (id, url, preview string) {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 64, 48))
	for i := range img.Pix {
		img.Pix[i] = uint8(i) ^ seed
	}
	img.Set(0, 0, color.NRGBA{A: 255})
	var raw, body bytes.Buffer
	png.Encode(&raw, img)
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "upload.png")
	fw.Write(raw.Bytes())
	mw.Close()
	req, _ := http.NewRequest("POST", s.URL+"/api/v2/media", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := s.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m struct {
		ID         string `json:"id"`
		URL        string `json:"url"`
		PreviewURL string `json:"preview_url"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil || resp.StatusCode != http.StatusOK || m.URL == "" {
		t.Fatalf("upload: %d %+v %v", resp.StatusCode, m, err)
	}
	return m.ID, m.URL, m.PreviewURL
}

// fetchAs GETs url with the given User-Agent and Accept.
func fetchAs(t *testing.T, s *servertest.Server, url, ua, accept string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("User-Agent", ua)
	req.Header.Set("Accept", accept)
	resp, err := s.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

// With storage = "s3", uploads land in the bucket (not on disk) and the
// media URLs the API gives are served by Pictor from the bucket to Bluesky's
// and Mastodon's fetchers alike.
func TestMediaStoredInS3AndServed(t *testing.T) {
	srv, b := startOnS3(t, "")
	token := accessToken(t, srv, "alice")
	_, url, preview := uploadMedia(t, srv, token, 1)
	if !strings.HasPrefix(url, srv.URL+"/media/") {
		t.Fatalf("url %q is not served by Pictor", url)
	}
	name := strings.TrimPrefix(url, srv.URL+"/media/")
	stored, err := os.ReadFile(filepath.Join(b.Dir, name))
	if err != nil {
		t.Fatalf("object not in the bucket: %v", err)
	}
	if entries, _ := os.ReadDir(filepath.Join(srv.Cfg.DataDir, "media")); len(entries) != 0 {
		t.Errorf("%d files in the local media folder", len(entries))
	}
	fetchers := []struct{ ua, accept string }{
		{"Bluesky Cardyb/1.1", "*/*"},
		{"http.rb/5.1.1 (Mastodon/4.3.0; +https://mastodon.example/)", "application/activity+json, */*"},
		{"", ""},
	}
	for _, u := range []string{url, preview} {
		for _, f := range fetchers {
			resp, body := fetchAs(t, srv, u, f.ua, f.accept)
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" ||
				resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.ContentLength != int64(len(body)) {
				t.Fatalf("%s as %q: %d %q nosniff=%q length %d/%d", u, f.ua, resp.StatusCode,
					resp.Header.Get("Content-Type"), resp.Header.Get("X-Content-Type-Options"), resp.ContentLength, len(body))
			}
			if u == url && !bytes.Equal(body, stored) {
				t.Fatalf("served %d bytes, the bucket holds %d", len(body), len(stored))
			}
		}
	}
}

// With public_url, every media URL (API entities, ActivityPub attachments
// and icons, pages) points at it, and /media/NAME (URLs federated before)
// redirects there, for any fetcher.
func TestMediaPublicURL(t *testing.T) {
	const cdn = "https://cdn.example/pictor-media"
	srv, _ := startOnS3(t, cdn+"/")
	token := accessToken(t, srv, "alice")
	id, url, preview := uploadMedia(t, srv, token, 2)
	if !strings.HasPrefix(url, cdn+"/") || !strings.HasPrefix(preview, cdn+"/") {
		t.Fatalf("entity urls %q %q do not use public_url", url, preview)
	}
	name := strings.TrimPrefix(url, cdn+"/")
	noRedirects := *srv.Client
	noRedirects.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	for _, c := range []struct {
		method, path, ua, accept string
		status                   int
		location                 string
	}{
		{"GET", "/media/" + name, "Bluesky Cardyb/1.1", "*/*", http.StatusFound, cdn + "/" + name},
		{"GET", "/media/" + name, "", "application/activity+json", http.StatusFound, cdn + "/" + name},
		{"HEAD", "/media/" + name, "http.rb/5.1.1 (Mastodon/4.3.0)", "image/*", http.StatusFound, cdn + "/" + name},
		{"GET", "/media/pictor.db", "", "*/*", http.StatusNotFound, ""},
		{"GET", "/media/" + strings.TrimSuffix(name, path.Ext(name)) + ".exe", "", "*/*", http.StatusNotFound, ""},
	} {
		req, _ := http.NewRequest(c.method, srv.URL+c.path, nil)
		req.Header.Set("User-Agent", c.ua)
		req.Header.Set("Accept", c.accept)
		resp, err := noRedirects.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.status || resp.Header.Get("Location") != c.location ||
			resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s %s as %q: %d to %q (nosniff %q), want %d to %q", c.method, c.path, c.ua, resp.StatusCode,
				resp.Header.Get("Location"), resp.Header.Get("X-Content-Type-Options"), c.status, c.location)
		}
	}
	_, avatar, _ := uploadAvatar(t, srv, token)
	if !strings.HasPrefix(avatar, cdn+"/") {
		t.Fatalf("avatar %q does not use public_url", avatar)
	}
	body := fmt.Sprintf(`{"status":"on a CDN","media_ids":[%q]}`, id)
	req, _ := http.NewRequest("POST", srv.URL+"/api/v1/statuses", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := srv.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var st struct{ ID, URI string }
	json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	_, note := fetchAs(t, srv, st.URI, "", "application/activity+json")
	if !strings.Contains(string(note), `"url":"`+url+`"`) {
		t.Errorf("note attachment does not use public_url: %s", note)
	}
	_, actor := fetchAs(t, srv, srv.URL+"/users/alice", "", "application/activity+json")
	if !strings.Contains(string(actor), `"url":"`+avatar+`"`) {
		t.Errorf("actor icon does not use public_url: %s", actor)
	}
	_, page := fetchAs(t, srv, srv.URL+"/@alice/"+st.ID, "Mozilla/5.0", "text/html")
	if !strings.Contains(string(page), `src="`+preview+`"`) && !strings.Contains(string(page), `src="`+url+`"`) {
		t.Errorf("post page does not use public_url")
	}
}

// uploadAvatar sets a PNG avatar through update_credentials and returns the
// account entity's avatar URL.
func uploadAvatar(t *testing.T, s *servertest.Server, token string) (int, string, []byte) {
	t.Helper()
	var raw, body bytes.Buffer
	png.Encode(&raw, image.NewGray(image.Rect(0, 0, 32, 32)))
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("avatar", "avatar.png")
	fw.Write(raw.Bytes())
	mw.Close()
	req, _ := http.NewRequest("PATCH", s.URL+"/api/v1/accounts/update_credentials", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := s.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a struct{ Avatar string }
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &a); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("update_credentials: %d %s", resp.StatusCode, b)
	}
	return resp.StatusCode, a.Avatar, b
}
