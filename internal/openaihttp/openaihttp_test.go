package openaihttp

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := []struct {
		header map[string]string
		want   time.Duration
		ok     bool
	}{
		{map[string]string{"Retry-After": "12"}, 12 * time.Second, true},
		{map[string]string{"Retry-After": "1.5"}, 1500 * time.Millisecond, true},
		{map[string]string{"Retry-After": now.Add(time.Minute).Format(http.TimeFormat)}, time.Minute, true},
		{map[string]string{"Retry-After": now.Add(-time.Minute).Format(http.TimeFormat)}, 0, true},
		{map[string]string{"Retry-After": "-3"}, 0, true},
		{map[string]string{"Retry-After-Ms": "250", "Retry-After": "9"}, 250 * time.Millisecond, true},
		{map[string]string{"Retry-After": "soon"}, 0, false},
		{map[string]string{}, 0, false},
	}
	for _, tc := range cases {
		h := http.Header{}
		for k, v := range tc.header {
			h.Set(k, v)
		}
		got, ok := RetryAfter(h, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("RetryAfter(%v) = %v, %v; want %v, %v", tc.header, got, ok, tc.want, tc.ok)
		}
	}
}

func TestLimitBody(t *testing.T) {
	for _, tc := range []struct {
		body  string
		limit int64
		err   error
	}{{"12345", 5, nil}, {"123456", 5, ErrTooLarge}, {"", 0, nil}} {
		got, err := io.ReadAll(LimitBody(io.NopCloser(strings.NewReader(tc.body)), tc.limit))
		if !errors.Is(err, tc.err) || (err == nil && string(got) != tc.body) {
			t.Errorf("read %q with limit %d = %q, %v", tc.body, tc.limit, got, err)
		}
	}
}

func TestDoerRecordsFailures(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/fail" {
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = io.WriteString(w, `{"error":{"code":"rate_limit_exceeded"}}`)
			return
		}
		_, _ = io.WriteString(w, strings.Repeat("x", 100))
	}))
	defer srv.Close()
	d := NewDoer(Detached(&http.Client{Timeout: time.Nanosecond}), 10)
	resp, err := d.Do(mustGet(t, srv.URL+"/fail"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if last := d.Last(); last.Status != 429 || last.Header.Get("Retry-After") != "7" || !strings.Contains(string(last.ErrBody), "rate_limit") {
		t.Fatalf("last = %+v", last)
	}
	resp, err = d.Do(mustGet(t, srv.URL+"/big"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := io.ReadAll(resp.Body); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("big body read: %v, want ErrTooLarge", err)
	}
}

func mustGet(t *testing.T, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestErrorParam(t *testing.T) {
	for body, want := range map[string]string{
		`{"error":{"message":"no","param":"response_format","code":null}}`: "response_format",
		`{"error":{"message":"no","param":null}}`:                          "",
		`{"error":{"message":"no"}}`:                                       "",
		`not json`:                                                         "",
	} {
		if got := ErrorParam([]byte(body)); got != want {
			t.Errorf("ErrorParam(%s) = %q, want %q", body, got, want)
		}
	}
}
