// Package servertest starts a whole Pictor server for tests: HTTPS on a
// loopback port with a test CA, a fresh data folder, outbound requests to
// loopback allowed, and the background workers running.
package servertest

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/pictor-social/pictor/activitypub"
	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/config"
	"github.com/pictor-social/pictor/genimage"
	"github.com/pictor-social/pictor/internal/testkit/testkeys"
	"github.com/pictor-social/pictor/internal/testkit/tlstest"
	"github.com/pictor-social/pictor/screening"
	"github.com/pictor-social/pictor/server"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// Options tune Start.
type Options struct {
	CA        *tlstest.CA        // shared with peers; nil makes one
	DataDir   string             // "" means a new t.TempDir()
	Addr      string             // listen address; "" means a free loopback port
	Configure func(*config.File) // adjusts the configuration before start
	Plain     bool               // serve plain HTTP instead of HTTPS
	// GenBackend replaces the configured image backend (tests that must
	// control when generation finishes).
	GenBackend genimage.Backend
	Clock      func() time.Time // the server's clock; nil means time.Now
	// Screener replaces the configured post screening backend.
	Screener screening.Screener
	// GenSyncWait is how long /imagine waits for its post; 0 means two
	// minutes, so a loaded test machine never turns the answer into the
	// "still generating" one (tests of that answer use genimage directly).
	GenSyncWait time.Duration
}

// Server is a running test server.
type Server struct {
	*server.Server
	URL    string // scheme://127.0.0.1:port
	CA     *tlstest.CA
	Client *http.Client // trusts the CA
	stop   func()
}

// Start starts a server and stops it when the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	auth.UseTestPasswordCost()
	activitypub.UseKeySource(testkeys.Next)
	if opts.CA == nil {
		opts.CA = tlstest.New(t)
	}
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.Host = ln.Addr().String()
	cfg.Listen = cfg.Host
	cfg.Scheme = "https"
	if opts.Plain {
		cfg.Scheme = "http"
	}
	cfg.DataDir = opts.DataDir
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	cfg.Federation.AllowPrivateAddresses = true
	cfg.LogLevel = "warn"
	if opts.Configure != nil {
		opts.Configure(&cfg)
	}
	level := slog.LevelWarn
	if os.Getenv("PICTOR_TEST_LOG") != "" {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: level}))
	if opts.GenSyncWait == 0 {
		opts.GenSyncWait = 2 * time.Minute
	}
	srv, err := server.New(context.Background(), cfg, server.Options{Logger: log, RootCAs: opts.CA.CertPool(), Clock: opts.Clock,
		GenBackend: opts.GenBackend, GenSyncWait: opts.GenSyncWait, Screener: opts.Screener})
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	if !opts.Plain {
		ln = tls.NewListener(ln, opts.CA.ServerTLS())
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Run(ctx, ln); err != nil {
			t.Logf("server stopped: %v", err)
		}
	}()
	s := &Server{Server: srv, URL: cfg.BaseURL(), CA: opts.CA, Client: opts.CA.Client()}
	var stopped bool
	s.stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		<-done
		srv.Close()
	}
	t.Cleanup(s.stop)
	return s
}

// Stop stops the server now (it is also stopped at the end of the test).
func (s *Server) Stop() { s.stop() }

// testWriter sends log lines to t.Log.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}

// CreateUser creates a local user with the given password ("" for a fixed
// test password) and returns its account.
func (s *Server) CreateUser(t testing.TB, name, password string) store.Account {
	t.Helper()
	if password == "" {
		password = "correct horse battery"
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.Social.CreateAccount(context.Background(), social.NewAccount{Username: name, PasswordHash: hash})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// Eventually polls cond until it returns true or timeout passes; it fails
// the test with msg on timeout. Use it for effects of background workers.
func Eventually(t testing.TB, timeout time.Duration, msg string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v: %s", timeout, msg)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
