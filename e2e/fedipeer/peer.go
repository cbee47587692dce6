// Package fedipeer starts a real Fedify server (e2e/fedify/peer.mjs) on
// loopback HTTPS and drives it from Go tests, so that Pictor can be tested
// against third-party ActivityPub software rather than against itself.
//
// A Peer hosts the actors "bob" and "carol". It verifies HTTP signatures on its
// inbox (Fedify's default), auto-accepts follows and records every activity it
// accepted, which tests read with Inbox and WaitInbox.
package fedipeer

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pictor-social/pictor/internal/testkit/modroot"
	"github.com/pictor-social/pictor/internal/testkit/tlstest"
)

// startTimeout bounds how long a peer may take to print READY. It starts in
// about a second; the margin is for a loaded machine running tests with -race.
const startTimeout = 60 * time.Second

// Options tune a peer. The zero value is what Start uses.
type Options struct {
	// NoSharedInbox leaves endpoints.sharedInbox out of the actor documents,
	// so that senders must use the personal inboxes.
	NoSharedInbox bool
	// LogLevel is Fedify's log level on stderr (debug, info, warning, error);
	// empty means warning. Lines are forwarded to t.Log.
	LogLevel string
}

// Peer is a running Fedify server. Its methods may be called from several
// goroutines. The process is killed when the test that started it ends.
type Peer struct {
	// URL is the peer's origin, https://127.0.0.1:PORT.
	URL string
	// Host is the peer's host and port, as it appears in handles.
	Host   string
	client *http.Client
}

// Start starts a peer that serves HTTPS with ca's leaf certificate and trusts
// ca, so it can reach Pictor's test server. It skips or fails the test as
// RequireDeps does when node or e2e/node_modules are missing.
func Start(t testing.TB, ca *tlstest.CA) *Peer {
	t.Helper()
	return StartWith(t, ca, Options{})
}

// StartWith is Start with options.
func StartWith(t testing.TB, ca *tlstest.CA, opts Options) *Peer {
	t.Helper()
	return Launch(t, ca, opts)()
}

// Launch starts a peer as StartWith does but returns at once, so the test
// can prepare other things while node starts; the function it returns
// waits until the peer is ready and must be called on the test's
// goroutine.
func Launch(t testing.TB, ca *tlstest.CA, opts Options) func() *Peer {
	t.Helper()
	d := requireDeps(t)
	certFile, keyFile := ca.LeafFiles()
	args := []string{filepath.Join(d.e2eDir, "fedify", "peer.mjs"), "--cert", certFile, "--key", keyFile, "--port", "0"}
	if opts.NoSharedInbox {
		args = append(args, "--no-shared-inbox")
	}
	cmd := exec.Command(d.node, args...)
	cmd.Dir = d.e2eDir
	cmd.Env = append(os.Environ(), "NODE_EXTRA_CA_CERTS="+ca.PEMFile(), "FEDIFY_LOG="+opts.LogLevel)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatalf("fedipeer: %v", err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatalf("fedipeer: %v", err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("fedipeer: start node: %v", err)
	}

	var readers sync.WaitGroup
	ready := make(chan int, 1)
	readers.Add(2)
	go func() {
		defer readers.Done()
		forwardLines(t, "fedify peer: ", stderr)
	}()
	go func() {
		defer readers.Done()
		readReady(t, stdout, ready)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		readers.Wait() // no t.Log may happen after the test is done
		_ = cmd.Wait()
	})

	// The timeout counts from the launch, and a peer that became ready
	// while the test did other things is taken whatever time it is.
	timeout := time.After(startTimeout)
	return func() *Peer {
		t.Helper()
		var port int
		var ok bool
		select {
		case port, ok = <-ready:
		default:
			select {
			case port, ok = <-ready:
			case <-timeout:
				t.Fatalf("fedipeer: no READY line within %v", startTimeout)
			}
		}
		if !ok {
			t.Fatalf("fedipeer: node exited before it was ready (its stderr is in the log above)")
		}
		host := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		return &Peer{URL: "https://" + host, Host: host, client: ca.Client()}
	}
}

// readReady sends the port from the first "READY <port>" line on ready, or
// closes ready when the output ends first; later lines go to t.Log.
func readReady(t testing.TB, r io.Reader, ready chan<- int) {
	sc := bufio.NewScanner(r)
	sent := false
	for sc.Scan() {
		line := sc.Text()
		if port, ok := strings.CutPrefix(line, "READY "); ok && !sent {
			if n, err := strconv.Atoi(strings.TrimSpace(port)); err == nil {
				ready <- n
				sent = true
				continue
			}
		}
		t.Log("fedify peer stdout: " + line)
	}
	if !sent {
		close(ready)
	}
}

func forwardLines(t testing.TB, prefix string, r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		t.Log(prefix + sc.Text())
	}
	_, _ = io.Copy(io.Discard, r) // an over-long line must not block the peer
}

// ActorURL returns the id of the local actor as ("bob" or "carol").
func (p *Peer) ActorURL(as string) string { return p.URL + "/users/" + as }

// Handle returns the fediverse handle of the local actor as, e.g.
// "@bob@127.0.0.1:40123".
func (p *Peer) Handle(as string) string { return "@" + as + "@" + p.Host }

type deps struct {
	node   string
	e2eDir string
}

// RequireDeps checks that node is on PATH and that e2e/node_modules holds
// Fedify. When either is missing it skips the test, unless PICTOR_E2E=1 is set
// (as ./e2e/test.sh does), in which case it fails it: there a missing peer is
// a broken setup, not an optional extra.
func RequireDeps(t testing.TB) {
	t.Helper()
	requireDeps(t)
}

func requireDeps(t testing.TB) deps {
	t.Helper()
	d, err := findDeps()
	if err != nil {
		if os.Getenv("PICTOR_E2E") == "1" {
			t.Fatalf("fedipeer: %v (run ./e2e/test.sh, or `npm ci` in e2e/)", err)
		}
		t.Skipf("fedipeer: %v; set PICTOR_E2E=1 to make this a failure", err)
	}
	return d
}

func findDeps() (deps, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return deps{}, errors.New("node is not on PATH")
	}
	root, err := modroot.Find()
	if err != nil {
		return deps{}, err
	}
	e2eDir := filepath.Join(root, "e2e")
	marker := filepath.Join(e2eDir, "node_modules", "@fedify", "fedify", "package.json")
	if _, err := os.Stat(marker); err != nil {
		return deps{}, fmt.Errorf("e2e/node_modules lacks @fedify/fedify")
	}
	return deps{node: node, e2eDir: e2eDir}, nil
}
