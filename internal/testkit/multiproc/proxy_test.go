package multiproc

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pictor-social/pictor/internal/testkit/tlstest"
)

// The proxy alternates between backends, keeps the Host header, says who
// the client was, and sends a pinned route to its backend every time.
func TestProxyRoundRobinAndRoutes(t *testing.T) {
	var backends []string
	for _, name := range []string{"a", "b"} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, name+" "+r.Host+" "+r.Header.Get("X-Forwarded-For")+" "+r.Header.Get("X-Forwarded-Proto"))
		}))
		t.Cleanup(srv.Close)
		backends = append(backends, srv.URL)
	}
	ca := tlstest.New(t)
	p := NewProxy(t, ca, backends, func(r *http.Request) int {
		if r.URL.Path == "/pinned" {
			return 1
		}
		return RoundRobin
	})
	client := ca.Client()
	get := func(path string) string {
		resp, err := client.Get(p.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	var got []string
	for _, path := range []string{"/", "/", "/pinned", "/pinned", "/", "/"} {
		got = append(got, strings.Fields(get(path))[0])
	}
	if strings.Join(got, "") != "abbbab" {
		t.Errorf("backends %v, want a b b b a b", got)
	}
	if f := strings.Fields(get("/")); f[1] != p.Host || f[2] != "127.0.0.1" || f[3] != "https" {
		t.Errorf("backend saw %v, want host %s from 127.0.0.1 over https", f, p.Host)
	}
	if n := p.Served(); n[0] != 3 || n[1] != 4 {
		t.Errorf("served %v, want [3 4]", n)
	}
}
