package safehttp

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

func TestAllowed(t *testing.T) {
	cases := []struct {
		ip            string
		public, local bool // allowed without / with allowPrivate
	}{
		{"127.0.0.1", false, true},
		{"::1", false, true},
		{"10.1.2.3", false, true},
		{"192.168.1.1", false, true},
		{"172.16.0.1", false, true},
		{"100.64.0.1", false, true},
		{"169.254.169.254", false, false}, // cloud metadata: never
		{"0.0.0.0", false, false},
		{"224.0.0.1", false, false},
		{"fe80::1", false, false},
		{"::ffff:127.0.0.1", false, true},
		{"93.184.216.34", true, true},
		{"2606:4700::1111", true, true},
	}
	for _, tc := range cases {
		ip := netip.MustParseAddr(tc.ip)
		if got := Allowed(ip, false); got != tc.public {
			t.Errorf("Allowed(%s, false) = %v", tc.ip, got)
		}
		if got := Allowed(ip, true); got != tc.local {
			t.Errorf("Allowed(%s, true) = %v", tc.ip, got)
		}
	}
}

func TestClientRefusesLoopbackUnlessAllowed(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(r.Header.Get("User-Agent")))
	}))
	defer srv.Close()
	_, err := New(Options{}).Get(srv.URL)
	if !errors.Is(err, ErrForbiddenAddress) {
		t.Fatalf("loopback fetch: err = %v, want ErrForbiddenAddress", err)
	}
	resp, err := New(Options{AllowPrivate: true, UserAgent: "pictor-test"}).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := ReadAll(resp.Body, 100)
	if string(b) != "pictor-test" {
		t.Fatalf("user agent = %q", b)
	}
}

func TestReadAllLimit(t *testing.T) {
	if _, err := ReadAll(strings.NewReader("12345"), 4); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v", err)
	}
	if b, err := ReadAll(strings.NewReader("1234"), 4); err != nil || string(b) != "1234" {
		t.Fatalf("b = %q, err = %v", b, err)
	}
}
