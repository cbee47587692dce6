// Package aptest has test and benchmark helpers for federation: an inbox
// sink on loopback that verifies every delivery's signature.
package aptest

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"

	"github.com/pictor-social/pictor/activitypub"
)

// Sink is a set of loopback HTTP hosts acting as remote inboxes. Every POST
// is verified with one known key; verified ones are answered 202 and counted
// per inbox URL, others 401. Safe for concurrent use.
type Sink struct {
	verifier *activitypub.Verifier
	hosts    []string
	servers  []*http.Server
	done     chan struct{}
	want     int
	scheme   string

	mu    sync.Mutex
	got   map[string]int
	peers map[string]int // verified deliveries by connection (Peers)
	total int
	bad   int
	conns int // open connections (Conns)

	hold func(conn string) bool // requests held (Hold); nil: none
	gate chan struct{}          // closed by Release
	held int                    // requests waiting at the gate
}

// NewSink starts nHosts hosts accepting deliveries signed with key. Done is
// closed once want verified deliveries arrived (want 0: never).
func NewSink(nHosts, want int, key activitypub.PublicKey) (*Sink, error) {
	return NewTLSSink(nHosts, want, key, nil)
}

// NewTLSSink is NewSink with hosts serving HTTPS with cfg (nil: plain
// HTTP), as remote servers do.
func NewTLSSink(nHosts, want int, key activitypub.PublicKey, cfg *tls.Config) (*Sink, error) {
	s := &Sink{got: map[string]int{}, peers: map[string]int{}, done: make(chan struct{}), want: want, scheme: "http"}
	if cfg != nil {
		s.scheme = "https"
	}
	s.verifier = &activitypub.Verifier{Fetch: func(ctx context.Context, keyID string, refresh bool) (activitypub.PublicKey, error) {
		if keyID != key.ID {
			return activitypub.PublicKey{}, fmt.Errorf("unknown key %s", keyID)
		}
		return key, nil
	}}
	for i := 0; i < nHosts; i++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			s.Close()
			return nil, err
		}
		srv := &http.Server{Handler: s, ConnState: s.connState}
		if cfg != nil {
			ln = tls.NewListener(ln, cfg)
		}
		go srv.Serve(ln)
		s.servers = append(s.servers, srv)
		s.hosts = append(s.hosts, s.scheme+"://"+ln.Addr().String())
	}
	return s, nil
}

// Hosts returns the base URLs of the hosts (http://127.0.0.1:port, or
// https://).
func (s *Sink) Hosts() []string { return s.hosts }

// Done is closed when the wanted number of verified deliveries arrived.
func (s *Sink) Done() <-chan struct{} { return s.done }

// ServeHTTP verifies and counts one delivery.
func (s *Sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err == nil {
		_, err = s.verifier.Verify(r, body)
	}
	conn := r.RemoteAddr
	if local, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		conn += " " + local.String()
	}
	if !s.wait(r, conn) {
		return // the sender went away while held: nothing arrived
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.bad++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	s.got[s.scheme+"://"+r.Host+r.URL.Path]++
	s.peers[conn]++
	s.total++
	if s.total == s.want {
		close(s.done)
	}
	w.WriteHeader(http.StatusAccepted)
}

// Hold makes every request that arrives from now on over a connection
// for which held is true wait unanswered and uncounted until Release; one
// whose sender goes away meanwhile is never counted, as if it had not
// arrived. held gets the connection named as Peers names it.
func (s *Sink) Hold(held func(conn string) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hold, s.gate = held, make(chan struct{})
}

// Release lets the held requests through, counted as they are answered.
func (s *Sink) Release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gate != nil {
		close(s.gate)
	}
	s.hold, s.gate = nil, nil
}

// Held returns the number of requests waiting for Release.
func (s *Sink) Held() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.held
}

// wait holds r as Hold says and reports whether it is still to be answered.
func (s *Sink) wait(r *http.Request, conn string) bool {
	s.mu.Lock()
	gate, hold := s.gate, s.hold
	s.mu.Unlock()
	if gate == nil || !hold(conn) {
		return true
	}
	s.mu.Lock()
	s.held++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.held--
		s.mu.Unlock()
	}()
	select {
	case <-gate:
		return true
	case <-r.Context().Done():
		return false
	}
}

func (s *Sink) connState(_ net.Conn, st http.ConnState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch st {
	case http.StateNew:
		s.conns++
	case http.StateClosed, http.StateHijacked:
		s.conns--
	}
}

// Conns returns the number of open connections to the hosts. Once a sender
// is killed it drops to zero only after every request the sender had
// written was read and counted, so a Snapshot taken then is final for it.
func (s *Sink) Conns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

// Snapshot returns verified deliveries per inbox URL, their total and the
// number of refused requests.
func (s *Sink) Snapshot() (perInbox map[string]int, total, bad int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := make(map[string]int, len(s.got))
	for k, v := range s.got {
		c[k] = v
	}
	return c, s.total, s.bad
}

// Peers returns verified deliveries by the connection they came on, named
// "CLIENT-IP:PORT SINK-IP:PORT", which tells senders apart.
func (s *Sink) Peers() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := make(map[string]int, len(s.peers))
	for k, v := range s.peers {
		c[k] = v
	}
	return c
}

// Close stops the hosts.
func (s *Sink) Close() {
	for _, srv := range s.servers {
		srv.Close()
	}
}
