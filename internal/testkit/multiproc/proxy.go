// Package multiproc runs one Pictor instance as several `pictor serve`
// processes for tests, as an operator runs it past one machine: the
// processes share one PostgreSQL database and one S3 bucket and sit behind a
// reverse proxy that is the instance's public HTTPS address.
package multiproc

import (
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/pictor-social/pictor/internal/testkit/tlstest"
)

// RoundRobin is the Route value that leaves a request to the rotation.
const RoundRobin = -1

// Proxy is a TLS reverse proxy on loopback that spreads requests over
// backends in turn, as a load balancer in front of several processes does.
// It passes WebSocket upgrades and event streams through, keeps the Host
// header and adds X-Forwarded-For and X-Forwarded-Proto.
type Proxy struct {
	// URL is https://127.0.0.1:PORT, trusted through the CA given to
	// NewProxy; Host is its host and port.
	URL, Host string

	backends []*url.URL
	route    func(*http.Request) int
	next     atomic.Uint64
	served   []atomic.Int64
}

// NewProxy starts a proxy for backends (http://host:port origins) serving
// ca's leaf certificate; it stops when t ends. route, if not nil, may pin a
// request to the backend of the index it returns (RoundRobin for the
// rotation), so a test can make "posted through A, streamed from B"
// certain instead of likely.
func NewProxy(t testing.TB, ca *tlstest.CA, backends []string, route func(*http.Request) int) *Proxy {
	t.Helper()
	p := &Proxy{route: route, served: make([]atomic.Int64, len(backends))}
	for _, b := range backends {
		u, err := url.Parse(b)
		if err != nil {
			t.Fatalf("multiproc: backend %q: %v", b, err)
		}
		p.backends = append(p.backends, u)
	}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(p.backends[p.pick(r.In)])
			r.Out.Host = r.In.Host
			r.SetXForwarded()
		},
		FlushInterval: -1, // server-sent events go out as they come
	}
	srv := ca.NewServer(rp)
	p.URL = srv.URL
	p.Host = srv.Listener.Addr().String()
	return p
}

// pick chooses the backend of r and counts it.
func (p *Proxy) pick(r *http.Request) int {
	i := RoundRobin
	if p.route != nil {
		i = p.route(r)
	}
	if i < 0 || i >= len(p.backends) {
		i = int((p.next.Add(1) - 1) % uint64(len(p.backends)))
	}
	p.served[i].Add(1)
	return i
}

// Served returns how many requests each backend was given so far.
func (p *Proxy) Served() []int64 {
	n := make([]int64, len(p.served))
	for i := range p.served {
		n[i] = p.served[i].Load()
	}
	return n
}
