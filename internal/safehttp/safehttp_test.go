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
		// IPv4 special-purpose registry
		{"0.1.2.3", false, false},
		{"255.255.255.255", false, false},
		{"192.0.0.8", false, true},
		{"192.0.2.1", false, true},
		{"192.31.196.1", false, true},
		{"192.52.193.1", false, true},
		{"192.88.99.1", false, true},
		{"192.175.48.1", false, true},
		{"198.18.0.1", false, true},
		{"198.51.100.7", false, true},
		{"203.0.113.9", false, true},
		{"240.0.0.1", false, true},
		// IPv6 special-purpose registry
		{"::", false, false},
		{"100::1", false, false},
		{"100:0:0:1::1", false, false},
		{"ff02::1", false, false},
		{"fc00::1", false, true},
		{"fd12:3456::1", false, true},
		{"fec0::1", false, true},
		{"2001:2::1", false, true},
		{"2001:10::1", false, true},
		{"2001:20::1", false, true},
		{"2001:db8::1", false, true},
		{"2620:4f:8000::1", false, true},
		{"3fff::1", false, true},
		{"5f00::1", false, true},
		{"64:ff9b:1::a00:1", false, true},
		{"4000::1", false, true}, // reserved outside 2000::/3
		// IPv6 forms carrying an IPv4 address are judged by it
		{"::ffff:10.0.0.1", false, true},
		{"::ffff:169.254.169.254", false, false},
		{"::ffff:0.0.0.0", false, false},
		{"::ffff:93.184.216.34", true, true},
		{"64:ff9b::7f00:1", false, true},              // NAT64 of 127.0.0.1
		{"64:ff9b::a9fe:a9fe", false, false},          // NAT64 of 169.254.169.254
		{"64:ff9b::c0a8:101", false, true},            // NAT64 of 192.168.1.1
		{"64:ff9b::5db8:d822", true, true},            // NAT64 of 93.184.216.34 (DNS64)
		{"2002:7f00:1::1", false, true},               // 6to4 of 127.0.0.1
		{"2002:a9fe:a9fe::1", false, false},           // 6to4 of 169.254.169.254
		{"2002:5db8:d822::1", false, true},            // 6to4 of a public address: deprecated, never public
		{"2001:0:5db8:d822::80ff:fffe", false, true},  // Teredo, client 127.0.0.1
		{"2001:0:5db8:d822::5601:5601", false, false}, // Teredo, client 169.254.169.254
		{"2001:0:a00:1::a247:27dd", false, true},      // Teredo, server 10.0.0.1
		{"::7f00:1", false, true},                     // IPv4-compatible 127.0.0.1
		{"::a9fe:a9fe", false, false},                 // IPv4-compatible 169.254.169.254
		{"::5db8:d822", false, true},                  // IPv4-compatible public: deprecated
		{"fe80::1%eth0", false, false},
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

func TestClientRefusesEmbeddedPrivateAddresses(t *testing.T) {
	for _, u := range []string{
		"http://[64:ff9b::7f00:1]:8080/",
		"http://[2002:7f00:1::1]:8080/",
		"http://[::ffff:a9fe:a9fe]/latest/meta-data/",
		"http://[::7f00:1]:8080/",
		"http://0.0.0.0:8080/",
	} {
		if _, err := New(Options{}).Get(u); !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("GET %s: err = %v, want ErrForbiddenAddress", u, err)
		}
	}
}
