package media

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/pictor-social/pictor/internal/testkit/s3test"
)

func TestMain(m *testing.M) { os.Exit(s3test.Main(m)) }

// storageFactories opens each Storage implementation empty: the local
// folder and a bucket on a real S3 server (VersityGW, real SigV4).
var storageFactories = []struct {
	name string
	open func(t *testing.T) Storage
}{
	{"local", func(t *testing.T) Storage { f, _ := newFiles(t); return f }},
	{"s3", func(t *testing.T) Storage { return newS3(t) }},
}

func newS3(t testing.TB) *S3 {
	t.Helper()
	b := s3test.New(t)
	s, err := NewS3(context.Background(), S3Options{Endpoint: b.Endpoint, Region: b.Region, Bucket: b.Name,
		PathStyle: true, AccessKey: b.AccessKey, SecretKey: b.SecretKey, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Both storages keep the same contract: content-addressed names, reads
// (whole and from an offset), stat, idempotent delete, not-exist errors for
// missing objects and for every name Put could not have produced.
func TestStorageConformance(t *testing.T) {
	for _, sf := range storageFactories {
		t.Run(sf.name, func(t *testing.T) {
			st := sf.open(t)
			ctx := t.Context()
			data := bytes.Repeat([]byte("pictor media "), 10_000) // 130 kB
			cases := []struct {
				name string
				run  func(t *testing.T) error
			}{
				{"put names by content", func(t *testing.T) error {
					for _, typ := range []string{TypeJPEG, TypePNG, TypeGIF, TypeWebP} {
						for range 2 {
							name, err := st.Put(ctx, data, typ)
							if err != nil || name != NameFor(data, typ) {
								return errors.Join(err, errors.New("name "+name))
							}
						}
					}
					return nil
				}},
				{"unsupported type", func(t *testing.T) error {
					if _, err := st.Put(ctx, data, "image/svg+xml"); err == nil {
						return errors.New("svg accepted")
					}
					return nil
				}},
				{"open reads back, seek reads a range", func(t *testing.T) error {
					name, err := st.Put(ctx, data, TypePNG)
					if err != nil {
						return err
					}
					return checkObject(ctx, st, name, data)
				}},
				{"stat", func(t *testing.T) error {
					name, _ := st.Put(ctx, data[:100], TypeGIF)
					info, err := st.Stat(ctx, name)
					if err != nil || info.Size != 100 || info.ModTime.IsZero() {
						return errors.Join(err, errors.New("bad stat"))
					}
					return nil
				}},
				{"delete", func(t *testing.T) error {
					name, _ := st.Put(ctx, data[:7], TypeWebP)
					if err := st.Delete(ctx, name); err != nil {
						return err
					}
					if _, err := st.Open(ctx, name); !errors.Is(err, fs.ErrNotExist) {
						return errors.Join(errors.New("open after delete"), err)
					}
					return st.Delete(ctx, name) // deleting again is fine
				}},
				{"missing", func(t *testing.T) error {
					name := strings.Repeat("0", 64) + ".jpg"
					_, errOpen := st.Open(ctx, name)
					_, errStat := st.Stat(ctx, name)
					if !errors.Is(errOpen, fs.ErrNotExist) || !errors.Is(errStat, fs.ErrNotExist) {
						return errors.Join(errors.New("missing object"), errOpen, errStat)
					}
					return nil
				}},
				{"bad names", func(t *testing.T) error {
					for _, bad := range []string{"", ".", "..", "../secret.txt", "/etc/passwd", "secret.txt",
						strings.Repeat("a", 64), strings.Repeat("a", 64) + ".txt", strings.Repeat("A", 64) + ".jpg",
						strings.Repeat("a", 63) + "/.jpg", "../" + strings.Repeat("a", 61) + ".jpg"} {
						_, errOpen := st.Open(ctx, bad)
						_, errStat := st.Stat(ctx, bad)
						errDel := st.Delete(ctx, bad)
						if !errors.Is(errOpen, fs.ErrNotExist) || !errors.Is(errStat, fs.ErrNotExist) ||
							!errors.Is(errDel, fs.ErrNotExist) {
							return errors.New("bad name " + bad + " not refused")
						}
					}
					return nil
				}},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					if err := tc.run(t); err != nil {
						t.Fatal(err)
					}
				})
			}
		})
	}
}

// checkObject reads name whole, then from an offset after a Seek, then
// after seeking back.
func checkObject(ctx context.Context, st Storage, name string, want []byte) error {
	obj, err := st.Open(ctx, name)
	if err != nil {
		return err
	}
	defer obj.Close()
	if obj.Size != int64(len(want)) {
		return errors.New("wrong size")
	}
	got, err := io.ReadAll(obj)
	if err != nil || !bytes.Equal(got, want) {
		return errors.Join(err, errors.New("whole read differs"))
	}
	from, n := len(want)/3, len(want)/3
	if _, err := obj.Seek(int64(from), io.SeekStart); err != nil {
		return err
	}
	part := make([]byte, n)
	if _, err := io.ReadFull(obj, part); err != nil || !bytes.Equal(part, want[from:from+n]) {
		return errors.Join(err, errors.New("ranged read differs"))
	}
	if _, err := obj.Seek(-10, io.SeekEnd); err != nil {
		return err
	}
	tail, err := io.ReadAll(obj)
	if err != nil || !bytes.Equal(tail, want[len(want)-10:]) {
		return errors.Join(err, errors.New("tail read differs"))
	}
	return nil
}

// Objects carry their type and cache policy, so a bucket or CDN serving
// public_url answers as /media/ does; a wrong secret or bucket fails NewS3.
func TestS3ObjectsAndStartupCheck(t *testing.T) {
	s := newS3(t)
	name, err := s.Put(t.Context(), encodePNGT(t, gradient(8, 8)), TypePNG)
	if err != nil {
		t.Fatal(err)
	}
	oi, err := s.client.StatObject(t.Context(), s.bucket, name, minio.StatObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if oi.ContentType != TypePNG || oi.Metadata.Get("Cache-Control") != cacheControl {
		t.Errorf("object type %q, cache-control %q", oi.ContentType, oi.Metadata.Get("Cache-Control"))
	}
	// The signed payload hash is the name's: damaged bytes are refused.
	other := []byte("not the bytes of this name")
	if err := s.put(t.Context(), name, bytes.NewReader(other), int64(len(other))); err == nil {
		t.Error("bytes not matching the name's hash were stored")
	}
	b := s3test.New(t)
	good := S3Options{Endpoint: b.Endpoint, Region: b.Region, Bucket: b.Name, PathStyle: true,
		AccessKey: b.AccessKey, SecretKey: b.SecretKey, Timeout: 5 * time.Second}
	cases := []struct {
		name   string
		change func(o *S3Options)
		want   string
	}{
		{"wrong secret", func(o *S3Options) { o.SecretKey = "wrong" + o.SecretKey }, "not reachable"},
		{"missing bucket", func(o *S3Options) { o.Bucket = "no-such-bucket" }, "does not exist"},
		{"bad endpoint", func(o *S3Options) { o.Endpoint = "s3.example" }, "must be http(s)"},
		{"nothing listening", func(o *S3Options) { o.Endpoint = "http://127.0.0.1:1" }, "not reachable"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := good
			tc.change(&o)
			_, err := NewS3(t.Context(), o)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), b.SecretKey) {
				t.Fatalf("NewS3: %v, want an error about %q without the secret", err, tc.want)
			}
		})
	}
}

// The /media/ handler serves S3 objects as it serves local files, to any
// fetcher: full, HEAD, conditional and range requests.
func TestHandlerServesS3(t *testing.T) {
	s := newS3(t)
	img := encodeJPEGT(t, photoLike(300, 200))
	name, err := s.Put(t.Context(), img, TypeJPEG)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.StripPrefix("/media/", NewHandler(s)))
	defer srv.Close()
	etag := `"` + strings.TrimSuffix(name, ".jpg") + `"`
	cases := []struct {
		name    string
		method  string
		path    string
		header  map[string]string
		status  int
		body    []byte
		noCheck bool
	}{
		{"bluesky-like", "GET", name, map[string]string{"User-Agent": "Bluesky Cardyb/1.1", "Accept": "*/*"}, 200, img, false},
		{"mastodon-like", "GET", name, map[string]string{"User-Agent": "http.rb/5.1.1 (Mastodon/4.3.0; +https://m.example/)",
			"Accept": "application/activity+json"}, 200, img, false},
		{"head", "HEAD", name, map[string]string{"User-Agent": ""}, 200, []byte{}, false},
		{"range", "GET", name, map[string]string{"Range": "bytes=100-199"}, 206, img[100:200], true},
		{"etag match", "GET", name, map[string]string{"If-None-Match": etag}, 304, []byte{}, true},
		{"missing", "GET", strings.Repeat("0", 64) + ".jpg", nil, 404, nil, true},
		{"bad name", "GET", "..%2f" + name, nil, 404, nil, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, srv.URL, nil)
			req.URL.Opaque = "/media/" + tc.path
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Fatalf("status %d nosniff %q, want %d", resp.StatusCode, resp.Header.Get("X-Content-Type-Options"), tc.status)
			}
			if tc.body != nil && !bytes.Equal(body, tc.body) {
				t.Fatalf("body %d bytes, want %d", len(body), len(tc.body))
			}
			if !tc.noCheck {
				checkServedImage(t, resp, body, TypeJPEG, tc.body, tc.method)
			}
		})
	}
}

// media.Copy uploads a folder's files, skips those already there, and a
// second run copies nothing.
func TestCopyToS3(t *testing.T) {
	src, _ := newFiles(t)
	dst := newS3(t)
	ctx := t.Context()
	var names []string
	for i := range 3 {
		name, err := src.Put(ctx, encodePNGT(t, gradient(10+i, 10)), TypePNG)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	if _, err := dst.Put(ctx, encodePNGT(t, gradient(10, 10)), TypePNG); err != nil { // already there
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src.dir, ".put-123"), []byte("partial"), 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := Copy(ctx, src, dst, nil)
	if err != nil || res.Files != 3 || res.Copied != 2 || res.Skipped != 1 || res.Failed != 0 || res.Bytes == 0 {
		t.Fatalf("copy: %+v, %v", res, err)
	}
	for _, name := range names {
		want, _ := os.ReadFile(filepath.Join(src.dir, name))
		if err := checkObject(ctx, dst, name, want); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	if res, err := Copy(ctx, src, dst, nil); err != nil || res.Copied != 0 || res.Skipped != 3 {
		t.Fatalf("second copy: %+v, %v", res, err)
	}
}
