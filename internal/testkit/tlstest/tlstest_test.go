package tlstest_test

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"testing"

	"github.com/pictor-social/pictor/internal/testkit/tlstest"
)

func hello(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "hello") }

func TestClientReachesServerOnEveryLoopbackName(t *testing.T) {
	ca := tlstest.New(t)
	cases := []struct {
		name    string
		network string
		listen  string // address to listen on
		host    string // host to dial, as it appears in the URL
	}{
		{"ipv4", "tcp4", "127.0.0.1:0", "127.0.0.1"},
		{"ipv6", "tcp6", "[::1]:0", "[::1]"},
		{"localhost", "tcp4", "127.0.0.1:0", "localhost"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ln, err := net.Listen(tc.network, tc.listen)
			if err != nil {
				t.Skipf("no %s loopback here: %v", tc.network, err)
			}
			srv := &http.Server{Handler: http.HandlerFunc(hello), TLSConfig: ca.ServerTLS()}
			go srv.ServeTLS(ln, "", "")
			t.Cleanup(func() { srv.Close() })
			_, port, _ := net.SplitHostPort(ln.Addr().String())

			resp, err := ca.Client().Get("https://" + tc.host + ":" + port + "/")
			if err != nil {
				t.Fatalf("GET: %v", err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if string(body) != "hello" {
				t.Fatalf("body = %q, want hello", body)
			}
		})
	}
}

func TestUntrustedClientIsRefused(t *testing.T) {
	ca := tlstest.New(t)
	srv := ca.NewServer(http.HandlerFunc(hello))
	other := tlstest.New(t)
	_, err := other.Client().Get(srv.URL)
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Fatalf("GET with another CA: err = %v, want UnknownAuthorityError", err)
	}
}

func TestFilesMatchTheCertificates(t *testing.T) {
	ca := tlstest.New(t)
	srv := ca.NewServer(http.HandlerFunc(hello))

	data, err := os.ReadFile(ca.PEMFile())
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" {
		t.Fatalf("PEMFile does not start with a certificate block")
	}
	caCert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if !caCert.IsCA {
		t.Fatalf("PEMFile certificate is not a CA")
	}

	certFile, keyFile := ca.LeafFiles()
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatalf("load leaf files: %v", err)
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := leaf.CheckSignatureFrom(caCert); err != nil {
		t.Fatalf("leaf is not signed by the PEMFile CA: %v", err)
	}

	// A pool built only from the file must be enough to reach the server.
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(data)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Get(srv.URL)
	if err != nil {
		t.Fatalf("GET with pool from PEMFile: %v", err)
	}
	resp.Body.Close()
	client.CloseIdleConnections()
}
