// Package s3test runs a real S3-compatible server for tests: VersityGW's
// posix gateway (Apache-2.0), which checks SigV4 signatures as a real bucket
// does, on a free loopback port. The binary is named by the environment
// variable PICTOR_TEST_VERSITYGW (e2e/test.sh builds it); without it, tests
// that need S3 are skipped, or fail when PICTOR_E2E=1.
//
// One gateway serves a whole test binary: a package that uses it runs its
// tests through Main, and each New gives a fresh empty bucket on it.
package s3test

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// Env is the variable naming the versitygw binary.
const Env = "PICTOR_TEST_VERSITYGW"

// Bucket is an empty bucket on the shared gateway.
type Bucket struct {
	Endpoint  string // http://127.0.0.1:PORT
	Region    string
	Name      string
	AccessKey string
	SecretKey string
	// Dir is the bucket's folder: each object is the file Dir/KEY.
	Dir string
}

type gateway struct {
	endpoint, access, secret, root string
	proc                           *os.Process
	exited                         chan error // receives once the process ends
	err                            error
}

var (
	once    sync.Once
	gw      gateway
	buckets atomic.Int64
)

// Main runs the tests of a package and stops the gateway if one was
// started: func TestMain(m *testing.M) { os.Exit(s3test.Main(m)) }.
func Main(m *testing.M) int {
	code := m.Run()
	if gw.proc != nil {
		gw.proc.Kill()
		<-gw.exited
	}
	if gw.root != "" {
		os.RemoveAll(gw.root)
	}
	return code
}

// New returns a fresh bucket on the gateway, starting it on first use. It
// skips the test when PICTOR_TEST_VERSITYGW is unset, unless PICTOR_E2E=1.
func New(t testing.TB) Bucket {
	t.Helper()
	bin := os.Getenv(Env)
	if bin == "" {
		if os.Getenv("PICTOR_E2E") == "1" {
			t.Fatalf("%s is not set; e2e/test.sh builds versitygw and sets it", Env)
		}
		t.Skipf("%s is not set (path of a versitygw binary)", Env)
	}
	once.Do(func() { gw.err = gw.start(bin) })
	if gw.err != nil {
		t.Fatalf("start versitygw: %v", gw.err)
	}
	name := fmt.Sprintf("pictor-%d", buckets.Add(1))
	dir := filepath.Join(gw.root, name)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return Bucket{Endpoint: gw.endpoint, Region: "us-east-1", Name: name, AccessKey: gw.access,
		SecretKey: gw.secret, Dir: dir}
}

// start runs the gateway on a free loopback port and waits until it
// accepts connections (at most 30 s).
func (g *gateway) start(bin string) error {
	if err := awaitBuild(bin, 12*time.Minute); err != nil {
		return err
	}
	root, err := os.MkdirTemp("", "pictor-s3test-")
	if err != nil {
		return err
	}
	g.root = root
	g.access, g.secret = "PICTORTEST"+randomHex(5), randomHex(20)
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	g.endpoint = "http://" + addr
	var logBuf bytes.Buffer
	cmd := exec.Command(bin, "--access", g.access, "--secret", g.secret, "--port", addr, "posix", root)
	cmd.Stdout, cmd.Stderr = &logBuf, &logBuf
	cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY_ID=", "ROOT_SECRET_ACCESS_KEY=")
	// The gateway dies with the test binary even if Main never runs its cleanup.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Errorf("versitygw exited: %v: %s", err, logBuf.String())
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			g.proc, g.exited = cmd.Process, exited
			return nil
		}
		time.Sleep(20 * time.Millisecond) // poll interval; the deadline above bounds the wait
	}
	cmd.Process.Kill()
	<-exited
	return fmt.Errorf("versitygw did not listen on %s within 30 s: %s", addr, logBuf.String())
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// awaitBuild waits until bin exists: e2e/test.sh builds versitygw in the
// background while the tests start, moves the binary into place whole when
// done, and leaves bin+".failed" if the build failed.
func awaitBuild(bin string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		if _, err := os.Stat(bin); err == nil {
			return nil
		}
		if _, err := os.Stat(bin + ".failed"); err == nil {
			return fmt.Errorf("the versitygw build failed (see %s)", filepath.Join(filepath.Dir(bin), "build.log"))
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no versitygw binary at %s after %v", bin, limit)
		}
		time.Sleep(200 * time.Millisecond) // poll interval of the external build; the deadline bounds it
	}
}
