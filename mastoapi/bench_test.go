package mastoapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/mux"

	"github.com/pictor-social/pictor/mastoapi"
	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/store"
)

// Home timeline benchmark (issue 3): 1,000,000 statuses by 10,000 remote
// accounts, 5,000 of them followed by the reader, so half the statuses are
// in the reader's home feed; one status in ten has an image. Run it with
//
//	PICTOR_BENCH_HOME=1 go test -run '^$' -bench BenchmarkHomeTimeline -benchtime 1x -timeout 30m ./mastoapi/
//
// It builds the data once (a few minutes), then measures GET
// /api/v1/timelines/home?limit=40 over HTTP on loopback: latency percentiles
// one request at a time, and requests per second with 8 concurrent clients;
// then status creation with one image.
func BenchmarkHomeTimeline(b *testing.B) {
	if os.Getenv("PICTOR_BENCH_HOME") == "" {
		b.Skip("set PICTOR_BENCH_HOME=1 to build a 1,000,000-status store and run this benchmark")
	}
	statuses, authors, follows := envInt("PICTOR_BENCH_STATUSES", 1_000_000), 10_000, 5_000
	srv := servertest.Start(b, servertest.Options{Plain: true})
	reader := srv.CreateUser(b, "reader", "")
	start := time.Now()
	buildHome(b, srv.DB, reader, statuses, authors, follows)
	b.Logf("built %d statuses, %d authors, %d follows in %v", statuses, authors, follows, time.Since(start).Round(time.Second))

	e := &env{Server: srv}
	tok := e.token(b, reader.ID, "read write")
	// The API alone, without the per-token rate limit, on plain HTTP.
	api := mastoapi.New(srv.DB, srv.OAuth, srv.Social, srv.Hub, nil, mastoapi.Options{BaseURL: srv.URL, RateLimit: 1 << 30})
	r := mux.NewRouter()
	api.Routes(r)
	ts := httptest.NewServer(r)
	defer ts.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

	get := func() time.Duration {
		req, _ := http.NewRequest("GET", ts.URL+"/api/v1/timelines/home?limit=40", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		t0 := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || n < 1000 {
			b.Fatalf("home: %d, %d bytes", resp.StatusCode, n)
		}
		return time.Since(t0)
	}
	for i := 0; i < 50; i++ { // warm the page cache
		get()
	}
	lat := make([]time.Duration, 2000)
	for i := range lat {
		lat[i] = get()
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	p50, p99 := lat[len(lat)/2], lat[len(lat)*99/100]
	rps := throughput(2000, 8, func() { get() })
	b.ReportMetric(float64(p50.Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
	b.ReportMetric(rps, "home-req/s")
	b.Logf("home timeline limit=40: p50 %v, p99 %v, %.0f req/s (8 clients)", p50, p99, rps)

	create := func() {
		body, ctype := multipartImage(b)
		var m struct{ ID string }
		postJSON(b, client, ts.URL+"/api/v2/media", tok, ctype, body, &m)
		st := fmt.Sprintf(`{"status":"benchmark post","media_ids":[%q]}`, m.ID)
		postJSON(b, client, ts.URL+"/api/v1/statuses", tok, "application/json", bytes.NewBufferString(st), nil)
	}
	crps := throughput(200, 4, create)
	b.ReportMetric(crps, "create-with-image/s")
	b.Logf("status creation with one image (upload + post): %.1f/s (4 clients)", crps)
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// throughput runs n calls of f on c goroutines and returns calls per second.
func throughput(n, c int, f func()) float64 {
	var wg sync.WaitGroup
	jobs := make(chan struct{}, n)
	for i := 0; i < n; i++ {
		jobs <- struct{}{}
	}
	close(jobs)
	t0 := time.Now()
	for i := 0; i < c; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				f()
			}
		}()
	}
	wg.Wait()
	return float64(n) / time.Since(t0).Seconds()
}

var benchImage []byte

func multipartImage(b *testing.B) (*bytes.Buffer, string) {
	if benchImage == nil {
		benchImage = testPNG(b, 1024, 768)
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "photo.png")
	fw.Write(benchImage)
	mw.WriteField("description", "a benchmark image")
	mw.Close()
	return &buf, mw.FormDataContentType()
}

func postJSON(b *testing.B, c *http.Client, u, tok, ctype string, body io.Reader, out any) {
	req, _ := http.NewRequest("POST", u, body)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", ctype)
	resp, err := c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		b.Fatalf("POST %s: %d %s", u, resp.StatusCode, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			b.Fatal(err)
		}
	}
}

// buildHome inserts the benchmark data straight through the store, in
// transactions of 20,000 rows; the home_feed triggers fill the feed.
func buildHome(b *testing.B, db *store.DB, reader store.Account, statuses, authors, follows int) {
	ctx := context.Background()
	ids := make([]int64, authors)
	write := func(fn func(tx *store.Tx) error) {
		if err := db.Write(ctx, fn); err != nil {
			b.Fatal(err)
		}
	}
	write(func(tx *store.Tx) error {
		for i := range ids {
			host := fmt.Sprintf("remote%d.test", i%50)
			a := store.Account{Username: fmt.Sprintf("u%d", i), Domain: host, URI: fmt.Sprintf("https://%s/users/u%d", host, i),
				URL: fmt.Sprintf("https://%s/@u%d", host, i), DisplayName: fmt.Sprintf("Author %d", i), InboxURI: "https://" + host + "/inbox",
				AvatarURL: "https://" + host + "/avatar.png", FollowersCount: 10, StatusesCount: 100}
			if err := tx.InsertAccount(ctx, &a); err != nil {
				return err
			}
			ids[i] = a.ID
		}
		for i := 0; i < follows; i++ {
			if err := tx.UpsertFollow(ctx, &store.Follow{AccountID: reader.ID, TargetAccountID: ids[i*2], Accepted: true}); err != nil {
				return err
			}
		}
		return nil
	})
	base := time.Now().Add(-365 * 24 * time.Hour)
	step := 365 * 24 * time.Hour / time.Duration(statuses)
	const batch = 20_000
	for lo := 0; lo < statuses; lo += batch {
		write(func(tx *store.Tx) error {
			for i := lo; i < min(lo+batch, statuses); i++ {
				author := ids[(i*7919)%authors]
				st := store.Status{AccountID: author, URI: fmt.Sprintf("https://remote.test/s/%d", i),
					Content:    fmt.Sprintf("<p>Status number %d with a few words of text, #tag%d</p>", i, i%100),
					Visibility: store.VisibilityPublic, Language: "en", CreatedAt: base.Add(time.Duration(i) * step)}
				if err := tx.InsertStatus(ctx, &st); err != nil {
					return err
				}
				if i%10 == 0 {
					m := store.MediaAttachment{AccountID: author, StatusID: st.ID, RemoteURL: fmt.Sprintf("https://remote.test/m/%d.jpg", i),
						MediaType: "image/jpeg", Width: 1024, Height: 768, Description: "an image", Blurhash: "LEHV6nWB2yk8pyo0adR*.7kCMdnj"}
					if err := tx.InsertMedia(ctx, &m); err != nil {
						return err
					}
				}
			}
			return nil
		})
	}
}
