package hotdoc

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
)

func TestMatches(t *testing.T) {
	cases := []struct {
		header string
		want   bool
	}{
		{"", false},
		{`"abc"`, true},
		{`W/"abc"`, true},
		{`"x", "abc"`, true},
		{`"x",W/"abc" `, true},
		{`*`, true},
		{`"abcd"`, false},
		{`abc`, false},
		{`"x",`, false},
	}
	for _, tc := range cases {
		if got := Matches(tc.header, `"abc"`); got != tc.want {
			t.Errorf("Matches(%q) = %v, want %v", tc.header, got, tc.want)
		}
	}
}

// A 200 carries the body, its length, the given headers and the ETag; a
// matching If-None-Match gets 304 with the ETag and Vary but no body, type
// or length; HEAD gets the headers without the body; a different document
// has a different tag.
func TestServe(t *testing.T) {
	body := []byte(`{"a":1}`)
	d := New(body, "Content-Type", "application/json", "vary", "Accept")
	serve := func(method, inm string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, "/x", nil)
		if inm != "" {
			r.Header.Set("If-None-Match", inm)
		}
		w := httptest.NewRecorder()
		d.Serve(w, r)
		return w
	}
	w := serve("GET", "")
	if w.Code != 200 || w.Body.String() != string(body) || w.Header().Get("Content-Length") != strconv.Itoa(len(body)) ||
		w.Header().Get("Content-Type") != "application/json" || w.Header().Get("Vary") != "Accept" ||
		w.Header().Get("ETag") != d.ETag() || d.ETag() == "" {
		t.Fatalf("GET: %d %q %v", w.Code, w.Body, w.Header())
	}
	w = serve("GET", `"other", `+d.ETag())
	if w.Code != http.StatusNotModified || w.Body.Len() != 0 || w.Header().Get("ETag") != d.ETag() ||
		w.Header().Get("Vary") != "Accept" || w.Header().Get("Content-Type") != "" || w.Header().Get("Content-Length") != "" {
		t.Fatalf("conditional GET: %d %q %v", w.Code, w.Body, w.Header())
	}
	w = serve("HEAD", "")
	if w.Code != 200 || w.Body.Len() != 0 || w.Header().Get("Content-Length") != strconv.Itoa(len(body)) {
		t.Fatalf("HEAD: %d %q %v", w.Code, w.Body, w.Header())
	}
	if w = serve("GET", `"stale"`); w.Code != 200 {
		t.Fatalf("stale tag: %d", w.Code)
	}
	if New([]byte(`{"a":2}`)).ETag() == d.ETag() {
		t.Fatal("two documents share a tag")
	}
}

// Serving a kept document allocates nothing beyond what the response
// writer does.
func TestServeAllocatesNothing(t *testing.T) {
	d := New([]byte(`{"a":1}`), "Content-Type", "application/json")
	r := httptest.NewRequest("GET", "/x", nil)
	w := &nullWriter{h: http.Header{}}
	if n := testing.AllocsPerRun(100, func() { d.Serve(w, r) }); n != 0 {
		t.Fatalf("%v allocations per request", n)
	}
}

type nullWriter struct{ h http.Header }

func (w *nullWriter) Header() http.Header         { return w.h }
func (w *nullWriter) WriteHeader(int)             {}
func (w *nullWriter) Write(p []byte) (int, error) { return len(p), nil }
