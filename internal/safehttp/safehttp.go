// Package safehttp builds the outbound HTTP client used for every request to
// another server: its dialer refuses loopback, private, link-local and other
// special addresses unless allowed, so a remote document cannot make Pictor
// reach its own network (SSRF), and every request has a time limit.
package safehttp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// ErrForbiddenAddress is returned (wrapped) when a request would reach an
// address the policy refuses.
var ErrForbiddenAddress = errors.New("address not allowed")

// ErrTooLarge is returned by ReadAll when the body exceeds its limit.
var ErrTooLarge = errors.New("response too large")

// Options configures New.
type Options struct {
	AllowPrivate bool           // allow loopback and private ranges (tests, LAN setups)
	Timeout      time.Duration  // whole-request limit; 0 means 10 s
	RootCAs      *x509.CertPool // nil means the system pool (tests pass their CA)
	UserAgent    string         // sent when the request has none
}

// New returns a client that enforces the address policy on every dial,
// including each redirect hop, and follows at most 3 redirects.
func New(opts Options) *http.Client {
	if opts.Timeout == 0 {
		opts.Timeout = 10 * time.Second
	}
	dialer := &net.Dialer{
		Timeout:   5 * time.Second,
		KeepAlive: 30 * time.Second,
		Control: func(network, address string, _ syscall.RawConn) error {
			return checkAddress(address, opts.AllowPrivate)
		},
	}
	tr := &http.Transport{
		DialContext:           dialer.DialContext,
		TLSClientConfig:       &tls.Config{RootCAs: opts.RootCAs, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: opts.Timeout,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	var rt http.RoundTripper = tr
	if opts.UserAgent != "" {
		rt = userAgent{next: tr, ua: opts.UserAgent}
	}
	return &http.Client{
		Transport: rt,
		Timeout:   opts.Timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 3 {
				return errors.New("too many redirects")
			}
			return nil
		},
	}
}

type userAgent struct {
	next http.RoundTripper
	ua   string
}

func (u userAgent) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Header.Get("User-Agent") == "" {
		r = r.Clone(r.Context())
		r.Header.Set("User-Agent", u.ua)
	}
	return u.next.RoundTrip(r)
}

// checkAddress refuses the dial target unless it is a public unicast address
// (or allowPrivate is set and it is loopback or private).
func checkAddress(address string, allowPrivate bool) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, address)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, address)
	}
	if !Allowed(ip, allowPrivate) {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, ip)
	}
	return nil
}

// ReadAll reads at most limit bytes of r; a longer body gives ErrTooLarge.
func ReadAll(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
	}
	return b, nil
}

// WithTimeout returns ctx bounded by d when d > 0.
func WithTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, d)
}
