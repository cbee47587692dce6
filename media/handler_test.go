package media

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestFilesHandler(t *testing.T) {
	f, dir := newFiles(t)
	img := encodeJPEGT(t, gradient(16, 16))
	name, err := f.Put(t.Context(), img, TypeJPEG)
	if err != nil {
		t.Fatal(err)
	}
	webpName, err := f.Put(t.Context(), fixture(t, "opaque-48x32.lossy.webp"), TypeWebP)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(filepath.Dir(dir), "secret.txt"), []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.StripPrefix("/media/", f.Handler()))
	defer srv.Close()
	etag := `"` + strings.TrimSuffix(name, ".jpg") + `"`

	cases := []struct {
		name     string
		method   string
		path     string // sent as is, not cleaned
		header   map[string]string
		status   int
		wantType string
		wantBody []byte
	}{
		{"activity+json accept, empty UA", "GET", "/media/" + name,
			map[string]string{"Accept": "application/activity+json", "User-Agent": ""}, 200, TypeJPEG, img},
		{"ld+json accept", "GET", "/media/" + name,
			map[string]string{"Accept": `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`}, 200, TypeJPEG, img},
		{"signature ignored", "GET", "/media/" + name,
			map[string]string{"Signature": `keyId="https://x.example/actor#k",signature="AAAA"`}, 200, TypeJPEG, img},
		{"webp", "GET", "/media/" + webpName, nil, 200, TypeWebP, nil},
		{"head", "HEAD", "/media/" + name, map[string]string{"User-Agent": ""}, 200, TypeJPEG, []byte{}},
		{"etag match", "GET", "/media/" + name, map[string]string{"If-None-Match": etag}, 304, "", []byte{}},
		{"missing", "GET", "/media/" + strings.Repeat("0", 64) + ".jpg", nil, 404, "", nil},
		{"traversal", "GET", "/media/../secret.txt", nil, 404, "", nil},
		{"encoded traversal", "GET", "/media/..%2fsecret.txt", nil, 404, "", nil},
		{"directory listing", "GET", "/media/", nil, 404, "", nil},
		{"dot", "GET", "/media/.", nil, 404, "", nil},
		{"wrong extension", "GET", "/media/" + strings.TrimSuffix(name, ".jpg") + ".png", nil, 404, "", nil},
		{"post", "POST", "/media/" + name, nil, 405, "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, srv.URL, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.URL.Opaque = tc.path // keep ".." and escapes exactly as written
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "*" {
				t.Errorf("Access-Control-Allow-Origin = %q", got)
			}
			if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q", got)
			}
			if resp.StatusCode == 404 && strings.Contains(string(body), "secret") {
				t.Fatal("leaked the outside file")
			}
			if tc.status != 200 {
				return
			}
			checkServedImage(t, resp, body, tc.wantType, tc.wantBody, tc.method)
		})
	}
}

func checkServedImage(t *testing.T, resp *http.Response, body []byte, wantType string, want []byte, method string) {
	t.Helper()
	if got := resp.Header.Get("Content-Type"); got != wantType {
		t.Errorf("Content-Type = %q, want %q", got, wantType)
	}
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") || !strings.Contains(cc, "max-age=31536000") {
		t.Errorf("Cache-Control = %q", cc)
	}
	if resp.Header.Get("ETag") == "" {
		t.Error("no ETag")
	}
	if method == "HEAD" {
		if len(body) != 0 {
			t.Errorf("HEAD returned %d body bytes", len(body))
		}
		if resp.Header.Get("Content-Length") == "" {
			t.Error("HEAD without Content-Length")
		}
		return
	}
	if want != nil && string(body) != string(want) {
		t.Errorf("body differs: %d bytes, want %d", len(body), len(want))
	}
	if n, _ := strconv.Atoi(resp.Header.Get("Content-Length")); n != len(body) {
		t.Errorf("Content-Length %d, body %d", n, len(body))
	}
}
