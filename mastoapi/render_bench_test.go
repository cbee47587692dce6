package mastoapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/pictor-social/pictor/config"
	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/store"
)

// BenchmarkTimelinePages measures the whole server handler (middleware,
// authentication, queries, rendering and JSON) for a page of each
// timeline of issue 9, in process and without the network, so that
// allocations per request are exact:
//
//	go test -run '^$' -bench BenchmarkTimelinePages -benchmem ./mastoapi/
//
// Add -memprofile mem.out and read it with go tool pprof -sample_index
// alloc_space. The data is small (60 posts); cmd/pictor-bench read measures
// the same pages at 1,000,000 statuses.
func BenchmarkTimelinePages(b *testing.B) {
	srv := servertest.Start(b, servertest.Options{Plain: true, Configure: func(f *config.File) { f.API.RateLimit = 0 }})
	e := &env{Server: srv}
	alice := srv.CreateUser(b, "alice", "")
	bob := srv.CreateUser(b, "bob", "")
	aTok, bTok := e.token(b, alice.ID, "read write follow"), e.token(b, bob.ID, "read write follow")
	h := srv.Handler()
	call := func(method, path, tok, body string) {
		w := &discardWriter{h: http.Header{}}
		r := newBenchRequest(b, method, srv.URL+path, tok, body)
		h.ServeHTTP(w, r)
		if w.status != 200 {
			b.Fatalf("%s %s: %d", method, path, w.status)
		}
	}
	call("POST", "/api/v1/accounts/"+store.FormatID(alice.ID)+"/follow", bTok, "")
	for i := 0; i < 60; i++ {
		text := fmt.Sprintf(`{"status":"Post number %d with a few words of text, a \"quote\" and a link https://example.com/%d #bench @bob"}`, i, i)
		call("POST", "/api/v1/statuses", aTok, text)
	}
	for _, tl := range []struct{ name, path string }{
		{"account-statuses", "/api/v1/accounts/" + store.FormatID(alice.ID) + "/statuses?limit=20"},
		{"public-local", "/api/v1/timelines/public?local=true&limit=20"},
		{"tag", "/api/v1/timelines/tag/bench?limit=20"},
		{"home", "/api/v1/timelines/home?limit=40"},
	} {
		b.Run(tl.name, func(b *testing.B) {
			r := newBenchRequest(b, "GET", srv.URL+tl.path, bTok, "")
			w := &discardWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				w.status, w.n = 0, 0
				h.ServeHTTP(w, r)
				if w.status != 200 || w.n < 1000 {
					b.Fatalf("%s: %d, %d bytes", tl.path, w.status, w.n)
				}
			}
		})
	}
}

func newBenchRequest(b *testing.B, method, url, tok, body string) *http.Request {
	var r *http.Request
	var err error
	if body != "" {
		r, err = http.NewRequest(method, url, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
	} else {
		r, err = http.NewRequest(method, url, nil)
	}
	if err != nil {
		b.Fatal(err)
	}
	r.RemoteAddr = "127.0.0.1:1234"
	r.Header.Set("Authorization", "Bearer "+tok)
	return r
}

// discardWriter is a ResponseWriter that counts the body.
type discardWriter struct {
	h         http.Header
	status, n int
}

func (w *discardWriter) Header() http.Header { return w.h }

func (w *discardWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *discardWriter) Write(p []byte) (int, error) {
	w.WriteHeader(200)
	w.n += len(p)
	return len(p), nil
}
