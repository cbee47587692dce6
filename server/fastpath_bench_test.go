package server_test

import (
	"bufio"
	"bytes"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/pictor-social/pictor/activitypub"
	"github.com/pictor-social/pictor/internal/testkit/testkeys"
	"github.com/pictor-social/pictor/server/servertest"
)

// BenchmarkHotDocuments measures the four small documents of issue 9
// (WebFinger, NodeInfo, the actor unsigned and signed) through the whole
// server handler chain, independent of machine load: ns/op and allocs/op
// per request, and cpu-ns/op: the process's CPU time (user and system,
// getrusage) per request, which waiting for a core on a loaded machine does
// not inflate the way it does ns/op (wall time). "handler" calls the server's http.Handler with a reused
// response writer (the chain alone); "loopback" sends raw HTTP/1.1 on one
// keep-alive connection to the real server (net/http's reading, header
// parsing and writing included, plus a minimal client that allocates
// nothing per request). Not part of the suite:
//
//	go test -run '^$' -bench HotDocuments -benchmem ./server/
func BenchmarkHotDocuments(b *testing.B) {
	s := servertest.Start(b, servertest.Options{Plain: true})
	s.CreateUser(b, "alice", "")
	host := s.URL[len("http://"):]
	key, _ := testkeys.Next()
	sreq, _ := http.NewRequest("GET", s.URL+"/users/alice", nil)
	if err := activitypub.SignRequest(sreq, nil, "http://remote.test/users/bob#main-key", key, time.Now()); err != nil {
		b.Fatal(err)
	}
	as2 := "application/activity+json"
	cases := []struct {
		name, path string
		header     http.Header
	}{
		{"webfinger", "/.well-known/webfinger?resource=acct:alice@" + host, http.Header{"Accept": {"application/jrd+json"}}},
		{"nodeinfo", "/nodeinfo/2.0", http.Header{"Accept": {"application/json"}}},
		{"actor", "/users/alice", http.Header{"Accept": {as2}}},
		{"actor-signed", "/users/alice", http.Header{"Accept": {as2}, "Date": {sreq.Header.Get("Date")},
			"Signature": {sreq.Header.Get("Signature")}}},
	}
	h := s.Handler()
	for _, tc := range cases {
		b.Run(tc.name+"/handler", func(b *testing.B) {
			r := httptest.NewRequest("GET", tc.path, nil)
			r.Host = host
			r.RemoteAddr = "127.0.0.1:40000"
			r.Header = tc.header.Clone()
			r.Header.Set("User-Agent", "pictor-bench")
			w := &discardWriter{h: http.Header{}}
			h.ServeHTTP(w, r)
			if w.status != http.StatusOK {
				b.Fatalf("%s: %d", tc.path, w.status)
			}
			b.ReportAllocs()
			b.ResetTimer()
			cpu := processCPU()
			for b.Loop() {
				clear(w.h)
				w.status = 0
				h.ServeHTTP(w, r)
			}
			b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
		})
		b.Run(tc.name+"/loopback", func(b *testing.B) {
			var raw bytes.Buffer
			raw.WriteString("GET " + tc.path + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: pictor-bench\r\n")
			for k, vs := range tc.header {
				raw.WriteString(k + ": " + vs[0] + "\r\n")
			}
			raw.WriteString("\r\n")
			c, err := net.Dial("tcp", host)
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			br := bufio.NewReaderSize(c, 64<<10)
			body := make([]byte, 64<<10)
			roundTrip := func() {
				if _, err := c.Write(raw.Bytes()); err != nil {
					b.Fatal(err)
				}
				if err := readResponse(br, body); err != nil {
					b.Fatal(err)
				}
			}
			roundTrip()
			b.ReportAllocs()
			b.ResetTimer()
			cpu := processCPU()
			for b.Loop() {
				roundTrip()
			}
			b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}

// processCPU returns the process's user and system CPU time in ns.
func processCPU() int64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// readResponse reads one 200 response with a Content-Length and discards
// it, allocating nothing.
func readResponse(br *bufio.Reader, scratch []byte) error {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(line, []byte("HTTP/1.1 200 ")) {
		return errors.New("status line " + string(line))
	}
	n := -1
	for {
		line, err = br.ReadSlice('\n')
		if err != nil {
			return err
		}
		if len(line) <= 2 {
			break
		}
		if v, ok := bytes.CutPrefix(line, []byte("Content-Length: ")); ok {
			n, _ = strconv.Atoi(string(bytes.TrimSpace(v)))
		}
	}
	if n < 0 {
		return errors.New("no Content-Length")
	}
	for n > 0 {
		m, err := br.Read(scratch[:min(n, len(scratch))])
		if err != nil {
			return err
		}
		n -= m
	}
	return nil
}

// discardWriter is a reusable http.ResponseWriter that keeps only the
// status.
type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header { return w.h }

func (w *discardWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *discardWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return len(p), nil
}
