package web_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/static"
	"github.com/pictor-social/pictor/store"
)

// benchPosts is the store size of the Explore benchmark (issue 5).
const benchPosts = 100_000

var (
	benchOnce sync.Once
	benchSrv  *servertest.Server
	benchIDs  []int64 // status ids, oldest first
)

// benchServer fills one server with benchPosts public image posts by 500
// accounts (and one followers-only post in ten, which Explore must skip).
func benchServer(b *testing.B) *servertest.Server {
	benchOnce.Do(func() {
		// PICTOR_BENCH_DIR reuses a data folder filled by an earlier run.
		dir := os.Getenv("PICTOR_BENCH_DIR")
		if _, err := os.Stat(filepath.Join(dir, "pictor.db")); dir != "" && err == nil {
			benchSrv = servertest.Start(b, servertest.Options{DataDir: dir})
			loadBenchIDs(b, benchSrv)
			return
		}
		dir, err := os.MkdirTemp("", "pictor-bench-")
		if err != nil {
			b.Fatal(err)
		}
		benchSrv = servertest.Start(b, servertest.Options{DataDir: dir})
		start := time.Now()
		fillBench(b, benchSrv)
		b.Logf("filled %d posts in %v (PICTOR_BENCH_DIR=%s reuses them)", benchPosts, time.Since(start), dir)
	})
	return benchSrv
}

// loadBenchIDs pages through the gallery of a reused data folder.
func loadBenchIDs(b *testing.B, srv *servertest.Server) {
	p := store.Page{Limit: 1000}
	for {
		list, err := srv.DB.LocalGallery(context.Background(), p)
		if err != nil {
			b.Fatal(err)
		}
		if len(list) == 0 {
			break
		}
		for _, st := range list {
			benchIDs = append(benchIDs, st.ID)
		}
		p.MaxID = list[len(list)-1].ID
	}
	slices.Reverse(benchIDs)
}

func fillBench(b *testing.B, srv *servertest.Server) {
	ctx := context.Background()
	var accounts []int64
	for i := 0; i < 500; i++ {
		accounts = append(accounts, srv.CreateUser(b, fmt.Sprintf("user%d", i), "").ID)
	}
	t0 := time.Now().Add(-benchPosts * time.Minute)
	const batch = 5000
	for n := 0; n < benchPosts; n += batch {
		err := srv.DB.Write(ctx, func(tx *store.Tx) error {
			for i := n; i < n+batch; i++ {
				a := accounts[i%len(accounts)]
				vis := store.VisibilityPublic
				if i%10 == 9 {
					vis = store.VisibilityPrivate
				}
				st := store.Status{URI: fmt.Sprintf("%s/users/u/statuses/%d", srv.URL, i), AccountID: a, Local: true,
					Content: "<p>Post " + fmt.Sprint(i) + " with an image</p>", Visibility: vis, Generated: true,
					CreatedAt: t0.Add(time.Duration(i) * time.Minute)}
				if err := tx.InsertStatus(ctx, &st); err != nil {
					return err
				}
				m := store.MediaAttachment{AccountID: a, StatusID: st.ID, FileName: fmt.Sprintf("f%d.jpg", i),
					ThumbName: fmt.Sprintf("t%d.jpg", i), MediaType: "image/jpeg", Width: 1024, Height: 1024,
					ThumbWidth: 640, ThumbHeight: 640, Blurhash: "LEHV6nWB2yk8pyo0adR*.7kCMdnj",
					Description:      "AI-generated image (builtin pictor-abstract-1). Prompt: a lighthouse number " + fmt.Sprint(i),
					GeneratorBackend: "builtin", GeneratorModel: "pictor-abstract-1", Prompt: "a lighthouse number " + fmt.Sprint(i)}
				if err := tx.InsertMedia(ctx, &m); err != nil {
					return err
				}
				benchIDs = append(benchIDs, st.ID)
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkExplore measures the server time of Explore pages (the first page
// and pages deep in the keyset) over benchPosts posts, with p50 and p99, and
// reports the bytes of the HTML page and of the CSS and JS it loads.
//
//	go test ./web -run '^$' -bench Explore -benchtime 2000x
func BenchmarkExplore(b *testing.B) {
	srv := benchServer(b)
	h := srv.Handler()
	cases := []struct {
		name  string
		maxID func(i int) int64
	}{
		{"first-page", func(int) int64 { return 0 }},
		// Any page but the last few, which hold fewer than a page of posts.
		{"deep-pages", func(i int) int64 { return benchIDs[1000+(i*7919)%(len(benchIDs)-1000)] }},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			var size, gz int
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				path := "/"
				if id := tc.maxID(i); id != 0 {
					path += "?max_id=" + store.FormatID(id)
				}
				req := httptest.NewRequest(http.MethodGet, path, nil)
				req.Header.Set("Accept", "text/html")
				rec := httptest.NewRecorder()
				start := time.Now()
				h.ServeHTTP(rec, req)
				lat = append(lat, time.Since(start))
				if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `class="card"`) {
					b.Fatalf("%s: %d", path, rec.Code)
				}
				if size = rec.Body.Len(); gz == 0 {
					gz = gzipLen(rec.Body.Bytes())
				}
			}
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(size), "html-bytes")
			b.ReportMetric(float64(gz), "html-gzip-bytes")
		})
	}
	for _, f := range []string{"css/pictor.css", "js/pictor.js"} {
		data, err := static.FS.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("%s: %d bytes, %d gzipped", f, len(data), gzipLen(data))
	}
}

func gzipLen(data []byte) int {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	io.Copy(zw, bytes.NewReader(data))
	zw.Close()
	return buf.Len()
}
