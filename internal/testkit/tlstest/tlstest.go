// Package tlstest makes a throwaway certificate authority for tests, so that
// Pictor's test servers and third-party peers (Fedify, browsers) can talk real
// HTTPS to each other on loopback. Fedify resolves acct: handles over https
// only, which is why loopback federation tests need this at all.
package tlstest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// CA is an in-memory test certificate authority with one leaf certificate
// valid for 127.0.0.1, ::1 and localhost. All methods are safe for concurrent
// use. Files it writes live in the test's temporary directory and vanish with it.
type CA struct {
	t       testing.TB
	pool    *x509.CertPool
	caPEM   []byte
	leaf    tls.Certificate
	certPEM []byte // leaf certificate followed by the CA certificate
	keyPEM  []byte

	once     sync.Once
	caFile   string
	certFile string
	keyFile  string
}

// New makes a fresh CA and leaf certificate for the test t. It calls t.Fatal
// if key generation fails.
func New(t testing.TB) *CA {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("generate CA key: %v", err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "Pictor test CA", Organization: []string{"Pictor tests"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(48 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatalf("create CA certificate: %v", err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatalf("parse CA certificate: %v", err)
	}

	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("generate leaf key: %v", err)
	}
	leafTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "localhost"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(47 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, caCert, &leafKey.PublicKey, caKey)
	if err != nil {
		t.Fatalf("create leaf certificate: %v", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(leafKey)
	if err != nil {
		t.Fatalf("marshal leaf key: %v", err)
	}

	ca := &CA{t: t, pool: x509.NewCertPool()}
	ca.pool.AddCert(caCert)
	ca.caPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	leafPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leafDER})
	ca.certPEM = append(leafPEM, ca.caPEM...)
	ca.keyPEM = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	ca.leaf, err = tls.X509KeyPair(ca.certPEM, ca.keyPEM)
	if err != nil {
		t.Fatalf("load leaf key pair: %v", err)
	}
	return ca
}

// ServerTLS returns a new TLS config that serves the leaf certificate. The
// caller may modify the returned config.
func (ca *CA) ServerTLS() *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{ca.leaf},
		MinVersion:   tls.VersionTLS12,
	}
}

// CertPool returns a pool holding only the CA certificate. Callers must not
// modify it.
func (ca *CA) CertPool() *x509.CertPool { return ca.pool }

// Client returns a new HTTP client that trusts the CA (and nothing else), uses
// no proxy and times out after 30 seconds. Its idle connections are closed when
// the test ends.
func (ca *CA) Client() *http.Client {
	tr := &http.Transport{
		TLSClientConfig:     &tls.Config{RootCAs: ca.pool, MinVersion: tls.VersionTLS12},
		ForceAttemptHTTP2:   true,
		MaxIdleConnsPerHost: 8,
		IdleConnTimeout:     30 * time.Second,
	}
	ca.t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// NewServer starts an httptest server on 127.0.0.1 that serves h over HTTPS
// with the leaf certificate, and closes it when the test ends. Its URL has the
// form https://127.0.0.1:PORT; reach it with Client.
func (ca *CA) NewServer(h http.Handler) *httptest.Server {
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = ca.ServerTLS()
	srv.StartTLS()
	ca.t.Cleanup(srv.Close)
	return srv
}

// PEMFile returns the path of a PEM file holding the CA certificate, suitable
// for NODE_EXTRA_CA_CERTS or a browser's trust flags.
func (ca *CA) PEMFile() string {
	ca.writeFiles()
	return ca.caFile
}

// LeafFiles returns the paths of PEM files holding the leaf certificate chain
// (leaf then CA) and its PKCS#8 private key, for servers outside Go such as the
// Fedify peer.
func (ca *CA) LeafFiles() (certFile, keyFile string) {
	ca.writeFiles()
	return ca.certFile, ca.keyFile
}

func (ca *CA) writeFiles() {
	ca.once.Do(func() {
		dir := ca.t.TempDir()
		ca.caFile = filepath.Join(dir, "ca.pem")
		ca.certFile = filepath.Join(dir, "leaf.pem")
		ca.keyFile = filepath.Join(dir, "leaf-key.pem")
		for _, f := range []struct {
			path string
			data []byte
		}{{ca.caFile, ca.caPEM}, {ca.certFile, ca.certPEM}, {ca.keyFile, ca.keyPEM}} {
			if err := os.WriteFile(f.path, f.data, 0o600); err != nil {
				ca.t.Fatalf("write %s: %v", f.path, err)
			}
		}
	})
}
