package e2e

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pictor-social/pictor/activitypub"
	"github.com/pictor-social/pictor/activitypub/aptest"
	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/store"
)

// aliceSink looks up the local account alice and starts a sink of nHosts
// hosts that verifies her signatures, over TLS when tlsCfg is not nil.
func aliceSink(t *testing.T, db *store.DB, nHosts int, tlsCfg *tls.Config) (store.Account, *aptest.Sink) {
	t.Helper()
	alice, err := db.AccountByHandle(context.Background(), "alice", "")
	if err != nil {
		t.Fatal(err)
	}
	pub, err := activitypub.ParsePublicKeyPEM(alice.PublicKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	key := activitypub.PublicKey{ID: alice.PublicKeyID, Owner: alice.URI, Key: pub}
	var sink *aptest.Sink
	if tlsCfg != nil {
		sink, err = aptest.NewTLSSink(nHosts, 0, key, tlsCfg)
	} else {
		sink, err = aptest.NewSink(nHosts, 0, key)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sink.Close)
	return alice, sink
}

// awaitFanOut waits until every one of the followers' inboxes got the post
// and no delivery is pending in db.
func awaitFanOut(t *testing.T, db *store.DB, sink *aptest.Sink, followers int) {
	t.Helper()
	servertest.Eventually(t, 2*time.Minute, "every inbox reached", func() bool {
		got, _, _ := sink.Snapshot()
		return len(got) == followers
	})
	servertest.Eventually(t, time.Minute, "every delivery recorded", func() bool {
		s, err := db.DeliveryStats(context.Background())
		return err == nil && s.Pending == 0
	})
}

// duplicates fails t for each of inboxes the post never reached (got:
// deliveries per inbox), calls check with each inbox that got it more
// than once, and returns the number of extra copies.
func duplicates(t *testing.T, got map[string]int, inboxes []string, check func(inbox string, n int)) int {
	t.Helper()
	dups := 0
	for _, in := range inboxes {
		switch n := got[in]; {
		case n == 0:
			t.Errorf("inbox %s never got the post", in)
		case n > 1:
			dups += n - 1
			check(in, n)
		}
	}
	return dups
}

func runPictor(t *testing.T, bin, cfg string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, append(args, "--config", cfg)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("pictor %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// A pictor process killed with SIGKILL in the middle of a fan-out to 2,000
// followers on 8 hosts without shared inboxes, then restarted, delivers the
// post to every inbox; what was delivered and recorded before the kill is
// not sent again, so duplicates are limited to the rows claimed but not yet
// recorded at the kill, at most 4×delivery_workers (issue 2: "A kill -9 in
// the middle of a fan-out loses no delivery").
func TestCrashDuringFanOut(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the pictor binary")
	}
	t.Parallel() // one of e2e's longest tests (e2e/README.md, Suite time)
	const followers, hosts, workers = 2000, 8, 16
	dir := t.TempDir()
	bin := buildPictor(t, dir)
	addr, sock := heldSocket(t)
	cfg := filepath.Join(dir, "pictor.toml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`host = %q
scheme = "http"
listen = %q
data_dir = %q
log_level = "warn"
[federation]
allow_private_addresses = true
delivery_workers = %d
per_host_concurrency = 4
`, addr, addr, filepath.Join(dir, "data"), workers)), 0o600); err != nil {
		t.Fatal(err)
	}
	runPictor(t, bin, cfg, "user", "create", "alice")

	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(dir, "data", "pictor.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	alice, sink := aliceSink(t, db, hosts, nil)
	inboxes := insertFollowers(t, db, alice, sink.Hosts(), followers)
	runPictor(t, bin, cfg, "post", "--as", "alice", "kill me gently")

	// First run: killed once a quarter of the inboxes have the post.
	first := startPictor(t, bin, cfg, sock)
	servertest.Eventually(t, 2*time.Minute, "a quarter of the fan-out", func() bool {
		_, total, _ := sink.Snapshot()
		return total >= followers/4
	})
	first.Process.Kill()
	first.Wait()
	// Requests the process wrote before it died may still be in the sink's
	// sockets: the count before the kill is final once all are closed.
	servertest.Eventually(t, time.Minute, "the killed process's connections closed", func() bool {
		return sink.Conns() == 0
	})
	before, totalBefore, _ := sink.Snapshot()
	if totalBefore >= followers {
		t.Fatalf("the fan-out finished before the kill (%d deliveries)", totalBefore)
	}

	// Second run: the rest, and nothing recorded as done is sent again.
	second := startPictor(t, bin, cfg, sock)
	defer func() { second.Process.Kill(); second.Wait() }()
	awaitFanOut(t, db, sink, followers)
	got, total, bad := sink.Snapshot()
	dups := duplicates(t, got, inboxes, func(in string, n int) {
		if before[in] == 0 {
			t.Errorf("inbox %s got the post %d times, all after the restart", in, n)
		}
	})
	stats, _ := db.DeliveryStats(ctx)
	t.Logf("%d deliveries before the kill, %d in all, %d duplicates (bound: %d claimed and unrecorded), %d bad signatures, store %+v",
		totalBefore, total, dups, 4*workers, bad, stats)
	if dups > 4*workers || bad != 0 || stats.Done != followers {
		t.Fatalf("%d duplicates, %d bad signatures, store %+v", dups, bad, stats)
	}
}

// insertFollowers stores n remote followers of alice spread over hosts, each
// with its own inbox and no shared inbox, and returns the inbox URLs.
func insertFollowers(t testing.TB, db *store.DB, alice store.Account, hosts []string, n int) []string {
	t.Helper()
	ctx := context.Background()
	inboxes := make([]string, 0, n)
	err := db.Write(ctx, func(tx *store.Tx) error {
		for i := 0; i < n; i++ {
			base := hosts[i%len(hosts)]
			id := fmt.Sprintf("%s/users/f%d", base, i)
			u, err := url.Parse(base)
			if err != nil {
				return err
			}
			a := store.Account{Username: fmt.Sprintf("f%d", i), Domain: u.Host, URI: id,
				InboxURI: id + "/inbox", PublicKeyID: id + "#main-key"}
			if err := tx.InsertAccount(ctx, &a); err != nil {
				return err
			}
			if err := tx.UpsertFollow(ctx, &store.Follow{AccountID: a.ID, TargetAccountID: alice.ID, URI: id + "#follow", Accepted: true}); err != nil {
				return err
			}
			inboxes = append(inboxes, a.InboxURI)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return inboxes
}

// startPictor runs `pictor serve` on the listening socket sock, passed as
// systemd does (fd 3, LISTEN_FDS=1, LISTEN_PID set by the shell that execs
// the server so it names the server's own pid), until the test kills it.
func startPictor(t *testing.T, bin, cfg string, sock *os.File) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("/bin/sh", "-c", `LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" serve --config "$1"`, bin, cfg)
	cmd.ExtraFiles = []*os.File{sock}
	cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

// heldSocket listens on a loopback port for the whole test and returns its
// address and the socket as a file, to hand to each `pictor serve` through
// socket activation: a port closed and re-bound later may meanwhile be taken
// by another test's connection.
func heldSocket(t *testing.T) (addr string, sock *os.File) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	sock, err = ln.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sock.Close() })
	return ln.Addr().String(), sock
}
