// Package clientip tells which address a request came from, for everything
// that keys on the client: API rate limits, sign-in limits and streaming
// slots. Behind a reverse proxy the TCP peer is the proxy, so the client is
// read from X-Forwarded-For, but only when the peer is one of the configured
// trusted proxies; from anyone else the header could be forged.
package clientip

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// maxHops bounds how many X-Forwarded-For entries are read, so a long forged
// header costs nothing.
const maxHops = 32

// Resolver finds a request's client address. The zero value trusts no proxy.
// It is safe for concurrent use.
type Resolver struct {
	trusted []netip.Prefix
}

// New returns a Resolver trusting the proxies in cidrs ("10.0.0.0/8",
// "::1/128"; a bare address means that address alone). A malformed entry
// is an error naming it.
func New(cidrs []string) (*Resolver, error) {
	r := &Resolver{}
	for _, c := range cidrs {
		c = strings.TrimSpace(c)
		p, err := netip.ParsePrefix(c)
		if err != nil {
			a, aerr := netip.ParseAddr(c)
			if aerr != nil {
				return nil, fmt.Errorf("trusted proxy %q is not an address or CIDR", c)
			}
			p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
		}
		if p.Addr().Is4In6() {
			p = netip.PrefixFrom(p.Addr().Unmap(), max(p.Bits()-96, 0))
		}
		r.trusted = append(r.trusted, p.Masked())
	}
	return r, nil
}

func (r *Resolver) isTrusted(a netip.Addr) bool {
	for _, p := range r.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Resolve returns the client address of req: the TCP peer, unless the peer
// is a trusted proxy, in which case X-Forwarded-For is read from the right
// (the entry the nearest proxy added) past every trusted hop, and the first
// untrusted entry is the client. Anything left of it could be written by the
// client itself and is ignored. When every hop is trusted, the left-most
// one is taken; a malformed entry where the client should be means the
// last trusted hop stands for the client.
func (r *Resolver) Resolve(req *http.Request) netip.Addr {
	peer := peerAddr(req.RemoteAddr)
	if !peer.IsValid() || !r.isTrusted(peer) {
		return peer
	}
	hops := forwardedHops(req.Header.Values("X-Forwarded-For"))
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(hops[i])
		if err != nil {
			return client
		}
		client = a.Unmap()
		if !r.isTrusted(client) {
			return client
		}
	}
	return client
}

// forwardedHops returns the last maxHops entries of the X-Forwarded-For
// header lines, in order, with ports and brackets stripped.
func forwardedHops(lines []string) []string {
	var hops []string
	for _, l := range lines {
		for _, h := range strings.Split(l, ",") {
			hops = append(hops, stripPort(strings.TrimSpace(h)))
		}
	}
	if len(hops) > maxHops {
		hops = hops[len(hops)-maxHops:]
	}
	return hops
}

func stripPort(h string) string {
	if host, _, err := net.SplitHostPort(h); err == nil {
		return host
	}
	return strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
}

func peerAddr(remote string) netip.Addr {
	if ap, err := netip.ParseAddrPort(remote); err == nil {
		return ap.Addr().Unmap()
	}
	a, err := netip.ParseAddr(remote)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}

// ContextKey is the context key under which a request's client address is
// recorded, as a *netip.Addr. Middleware records it; a server that builds
// its own per-request context (to allocate once per request) may answer
// it itself.
type ContextKey struct{}

// Middleware resolves each request's client address once and records it
// in the request context for Of.
func (r *Resolver) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		a := r.Resolve(req)
		next.ServeHTTP(w, req.WithContext(context.WithValue(req.Context(), ContextKey{}, &a)))
	})
}

// Of returns the client address of req as a string: the one Middleware
// recorded, else the TCP peer (a handler mounted without the middleware
// trusts no proxy). It is the one function every per-client limit keys on.
// An unparsable peer is returned as is.
func Of(req *http.Request) string {
	if a, ok := req.Context().Value(ContextKey{}).(*netip.Addr); ok && a.IsValid() {
		return a.String()
	}
	if a := peerAddr(req.RemoteAddr); a.IsValid() {
		return a.String()
	}
	if host, _, err := net.SplitHostPort(req.RemoteAddr); err == nil {
		return host
	}
	return req.RemoteAddr
}
