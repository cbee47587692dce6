package clientip

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestResolve(t *testing.T) {
	cases := []struct {
		name    string
		trusted []string
		peer    string
		xff     []string
		want    string
	}{
		{"no proxies trusted: header ignored", nil, "127.0.0.1:5000", []string{"203.0.113.9"}, "127.0.0.1"},
		{"untrusted peer: header ignored", []string{"127.0.0.1/32"}, "198.51.100.7:5000", []string{"203.0.113.9"}, "198.51.100.7"},
		{"trusted peer, one hop", []string{"127.0.0.1/32"}, "127.0.0.1:5000", []string{"203.0.113.9"}, "203.0.113.9"},
		{"trusted peer, no header", []string{"127.0.0.1/32"}, "127.0.0.1:5000", nil, "127.0.0.1"},
		{"client-written entries left of the real one are ignored", []string{"127.0.0.1/32"}, "127.0.0.1:5000",
			[]string{"6.6.6.6, 203.0.113.9"}, "203.0.113.9"},
		{"chain of trusted proxies", []string{"127.0.0.1/32", "10.0.0.0/8"}, "127.0.0.1:5000",
			[]string{"6.6.6.6, 203.0.113.9, 10.1.2.3"}, "203.0.113.9"},
		{"several header lines", []string{"127.0.0.1/32", "10.0.0.0/8"}, "127.0.0.1:5000",
			[]string{"6.6.6.6", "203.0.113.9", "10.1.2.3"}, "203.0.113.9"},
		{"every hop trusted: the left-most", []string{"127.0.0.0/8", "10.0.0.0/8"}, "127.0.0.1:5000",
			[]string{"10.9.9.9, 10.1.2.3"}, "10.9.9.9"},
		{"malformed entry: the last trusted hop", []string{"127.0.0.1/32"}, "127.0.0.1:5000",
			[]string{"203.0.113.9, junk"}, "127.0.0.1"},
		{"bare address as trusted proxy", []string{"::1"}, "[::1]:5000", []string{"2001:db8::5"}, "2001:db8::5"},
		{"IPv4-mapped peer", []string{"127.0.0.1/32"}, "[::ffff:127.0.0.1]:5000", []string{"203.0.113.9"}, "203.0.113.9"},
		{"entries with ports", []string{"127.0.0.1/32"}, "127.0.0.1:5000", []string{"[2001:db8::5]:443"}, "2001:db8::5"},
		{"v4 entry with port", []string{"127.0.0.1/32"}, "127.0.0.1:5000", []string{"203.0.113.9:1234"}, "203.0.113.9"},
		{"loopback trusted does not trust others", []string{"127.0.0.1/32"}, "[::1]:5000", []string{"203.0.113.9"}, "::1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := New(tc.trusted)
			if err != nil {
				t.Fatal(err)
			}
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.RemoteAddr = tc.peer
			for _, v := range tc.xff {
				req.Header.Add("X-Forwarded-For", v)
			}
			if got := r.Resolve(req).String(); got != tc.want {
				t.Fatalf("Resolve = %s, want %s", got, tc.want)
			}
			var seen string
			r.Middleware(http.HandlerFunc(func(_ http.ResponseWriter, req *http.Request) { seen = Of(req) })).
				ServeHTTP(httptest.NewRecorder(), req)
			if seen != tc.want {
				t.Fatalf("Of behind Middleware = %s, want %s", seen, tc.want)
			}
		})
	}
}

func TestOfWithoutMiddleware(t *testing.T) {
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.RemoteAddr = "127.0.0.1:5000"
	req.Header.Set("X-Forwarded-For", "203.0.113.9")
	if got := Of(req); got != "127.0.0.1" {
		t.Fatalf("Of = %s, want the peer", got)
	}
}

func TestNewRefusesMalformed(t *testing.T) {
	for _, c := range []string{"10.0.0.0/33", "proxy.example", ""} {
		if _, err := New([]string{c}); err == nil {
			t.Errorf("New(%q) accepted", c)
		}
	}
}
