package multiproc

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pictor-social/pictor/internal/testkit/modroot"
	"github.com/pictor-social/pictor/internal/testkit/pgtest"
	"github.com/pictor-social/pictor/internal/testkit/s3test"
	"github.com/pictor-social/pictor/internal/testkit/tlstest"
	"github.com/pictor-social/pictor/store"
)

// readyTimeout bounds how long the processes of a cluster may take to
// answer /readyz: the first start migrates an empty database.
const readyTimeout = 60 * time.Second

// ClusterOptions tune StartCluster. The zero value runs two processes.
type ClusterOptions struct {
	// Processes is how many `pictor serve` processes run; 0 means 2.
	Processes int
	// CA serves the proxy's certificate and is trusted by the processes for
	// their outbound HTTPS (federation, Web Push); nil makes one.
	CA *tlstest.CA
	// Route pins requests to a process (see NewProxy); nil rotates all.
	Route func(*http.Request) int
	// Config is TOML appended to every process's configuration file (keys
	// of sections the cluster does not write itself).
	Config string
}

// Cluster is one instance served by several processes on one PostgreSQL
// database and one S3 bucket, behind a Proxy.
type Cluster struct {
	// URL is the instance's public address (the proxy's), Host its host.
	URL, Host string
	CA        *tlstest.CA
	Proxy     *Proxy
	// Backends are the processes' own addresses (plain HTTP on loopback):
	// requests sent there directly reach one process for certain; give
	// them Host so the process takes them for the instance's.
	Backends []string
	// DB is a store handle of the test's own on the cluster's database,
	// for setting up and checking what the processes did.
	DB     *store.DB
	Bucket s3test.Bucket
	// Client trusts CA.
	Client *http.Client

	bin, dir, dbURL string
	configs         []string
}

// StartCluster builds the pictor binary (once per test binary, without the
// race detector), makes a fresh database (pgtest) and bucket (s3test) and
// starts the processes with their sockets already listening (systemd's
// socket activation), then waits until each answers /readyz. Everything is
// stopped when t ends. It skips or fails t as pgtest and s3test do without
// PostgreSQL or VersityGW. A package that uses it runs its tests through
// Main.
func StartCluster(t testing.TB, opts ClusterOptions) *Cluster {
	t.Helper()
	if opts.Processes == 0 {
		opts.Processes = 2
	}
	if opts.CA == nil {
		opts.CA = tlstest.New(t)
	}
	began := time.Now()
	dbURL := pgtest.NewDatabase(t)
	bucket := s3test.New(t)
	bin := Binary(t)
	built := time.Now()
	c := &Cluster{CA: opts.CA, Bucket: bucket, Client: opts.CA.Client(), bin: bin, dir: t.TempDir(), dbURL: dbURL}

	socks := make([]*os.File, opts.Processes)
	for i := range socks {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		if socks[i], err = ln.(*net.TCPListener).File(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { socks[i].Close() })
		c.Backends = append(c.Backends, "http://"+ln.Addr().String())
	}
	c.Proxy = NewProxy(t, opts.CA, c.Backends, opts.Route)
	c.URL, c.Host = c.Proxy.URL, c.Proxy.Host

	for i := range socks {
		cfg := filepath.Join(c.dir, fmt.Sprintf("pictor%d.toml", i))
		if err := os.WriteFile(cfg, []byte(c.config(i, bucket)+opts.Config), 0o600); err != nil {
			t.Fatal(err)
		}
		c.configs = append(c.configs, cfg)
	}
	env := c.env(dbURL)
	exited := make([]<-chan struct{}, len(socks))
	procs := make([]*os.Process, len(socks))
	for i, sock := range socks {
		exited[i], procs[i] = c.serve(t, i, sock, env)
	}
	// Runs before each process's own cleanup: all stop at once.
	t.Cleanup(func() {
		for _, p := range procs {
			p.Signal(syscall.SIGTERM)
		}
	})
	for i := range socks {
		c.awaitReady(t, i, exited[i])
	}
	t.Logf("multiproc: %d processes ready in %v (database, bucket and binary %v)", opts.Processes,
		time.Since(built).Round(time.Millisecond), built.Sub(began).Round(time.Millisecond))
	ctx := context.Background()
	db, err := store.OpenPostgres(ctx, dbURL, store.Options{ReadConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c.DB = db
	return c
}

// config is the configuration file of process i.
func (c *Cluster) config(i int, b s3test.Bucket) string {
	return fmt.Sprintf(`host = %q
scheme = "https"
listen = "127.0.0.1:0"
data_dir = %q
log_level = "warn"
trusted_proxies = ["127.0.0.1/32"]

[database]
driver = "postgres"
pool_size = 4

[federation]
allow_private_addresses = true

[media]
storage = "s3"

[media.s3]
endpoint = %q
region = %q
bucket = %q
path_style = true
`, c.Host, filepath.Join(c.dir, fmt.Sprintf("data%d", i)), b.Endpoint, b.Region, b.Name)
}

// env is the environment of every pictor process: the secrets the README
// says to pass that way, and the test CA trusted for outbound HTTPS (Go
// reads SSL_CERT_FILE in place of the system's bundle).
func (c *Cluster) env(dbURL string) []string {
	return append(os.Environ(), "PICTOR_DATABASE_URL="+dbURL, "PICTOR_S3_ACCESS_KEY="+c.Bucket.AccessKey,
		"PICTOR_S3_SECRET_KEY="+c.Bucket.SecretKey, "SSL_CERT_FILE="+c.CA.PEMFile())
}

// serve starts process i on sock; its output goes to t's log when t ends
// (and at once with PICTOR_TEST_LOG set).
func (c *Cluster) serve(t testing.TB, i int, sock *os.File, env []string) (<-chan struct{}, *os.Process) {
	t.Helper()
	cmd := exec.Command("/bin/sh", "-c", `LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" serve --config "$1"`, c.bin, c.configs[i])
	cmd.ExtraFiles = []*os.File{sock}
	cmd.Env = env
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if os.Getenv("PICTOR_TEST_LOG") != "" {
		cmd.Stdout, cmd.Stderr = io.MultiWriter(out, os.Stderr), io.MultiWriter(out, os.Stderr)
	}
	// The process dies with the test binary even if the cleanup never runs.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() {
		err := cmd.Wait()
		fmt.Fprintf(out, "exit: %v\n", err)
		close(exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		stopping := time.Now()
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
		t.Logf("pictor process %d stopped in %v:\n%s", i, time.Since(stopping).Round(time.Millisecond), out.String())
	})
	return exited, cmd.Process
}

// awaitReady polls process i's /readyz until it answers 200; it fails t
// at once if the process exits (its output is logged at the end).
func (c *Cluster) awaitReady(t testing.TB, i int, exited <-chan struct{}) {
	t.Helper()
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(readyTimeout)
	var last string
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			t.Fatalf("multiproc: process %d exited before it was ready", i)
		default:
		}
		resp, err := client.Get(c.Backends[i] + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		time.Sleep(50 * time.Millisecond) // poll interval; the deadline bounds the wait
	}
	t.Fatalf("multiproc: process %d not ready within %v: %s", i, readyTimeout, last)
}

// Pictor runs a pictor command (e.g. "user", "create", "alice") with
// process 0's configuration and returns its output; stdin, if not empty,
// is its input. A failure fails t.
func (c *Cluster) Pictor(t testing.TB, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(c.bin, append(args, "--config", c.configs[0])...)
	cmd.Env = c.env(c.dbURL)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("pictor %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// lockedBuffer collects a process's output from two pipes.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var (
	build    sync.Once
	buildDir string
	buildBin string
	buildErr error
)

// Binary returns the path of a pictor binary built from this module once
// per test binary, without cgo and without the race detector (the
// processes are the system under test here, not the race detector's
// subject; built plain they start and run several times faster).
func Binary(t testing.TB) string {
	t.Helper()
	build.Do(func() { buildBinary(context.Background()) })
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildBin
}

func buildBinary(ctx context.Context) {
	root, err := modroot.Find()
	if err != nil {
		buildErr = err
		return
	}
	if buildDir, err = os.MkdirTemp("", "pictor-multiproc-"); err != nil {
		buildErr = err
		return
	}
	buildBin = filepath.Join(buildDir, "pictor")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", buildBin, "./cmd/pictor")
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) } // go cleans up its work folder
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		buildErr = fmt.Errorf("go build ./cmd/pictor: %v\n%s", err, out)
	}
}

// Main runs a package's tests and then removes the binary Binary built and
// stops the S3 gateway: func TestMain(m *testing.M) { os.Exit(multiproc.Main(m)) }.
// In the full suite (PICTOR_E2E=1, no -run) it starts the build at once,
// beside the package's first tests, so the test that needs the binary
// finds it ready; a build still running at the end is stopped.
func Main(m *testing.M) int {
	flag.Parse()
	ctx, cancel := context.WithCancel(context.Background())
	if run := flag.Lookup("test.run"); os.Getenv("PICTOR_E2E") == "1" && run != nil && run.Value.String() == "" {
		go build.Do(func() { buildBinary(ctx) })
	}
	code := s3test.Main(m)
	cancel()
	build.Do(func() {}) // waits for a build in progress
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	return code
}
