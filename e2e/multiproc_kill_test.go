package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pictor-social/pictor/internal/testkit/pgtest"
	"github.com/pictor-social/pictor/internal/testkit/tlstest"
	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/store"
)

// Two `pictor serve` processes on one PostgreSQL database fan a post out to
// 2,000 followers with 2,000 distinct inboxes on HTTPS hosts that verify
// every signature. One process is killed with SIGKILL in the middle (once a
// quarter of the inboxes have the post, a tenth of them from that process);
// the other sends everything else, and the deliveries the dead one had claimed
// once their lease (delivery_lease, 6 s here) lapses: every inbox gets the
// Create, and only deliveries claimed and not recorded at the kill are sent
// twice (issue 10: "kill -9 of one process in the middle of a 2,000-inbox
// fan-out: the other finishes every delivery after the lease expires; none
// lost"). The processes are built without the race detector.
func TestKillOneOfTwoProcessesDuringFanOut(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the pictor binary")
	}
	const followers, hosts, workers = 2000, 8, 8
	dbURL := pgtest.NewDatabase(t)
	dir := t.TempDir()
	bin := buildPictor(t, dir)
	ca := tlstest.New(t)
	addrA, sockA := heldSocket(t)
	addrB, sockB := heldSocket(t)
	config := func(name, listen string) string {
		cfg := filepath.Join(dir, name+".toml")
		if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`host = %q
scheme = "http"
listen = %q
data_dir = %q
log_level = "warn"
[database]
driver = "postgres"
url = %q
pool_size = 4
[federation]
allow_private_addresses = true
delivery_workers = %d
per_host_concurrency = 4
delivery_timeout = "3s"
delivery_lease = "6s"
`, addrA, listen, filepath.Join(dir, "data"), dbURL, workers)), 0o600); err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	cfgA, cfgB := config("a", addrA), config("b", addrB)
	runPictor(t, bin, cfgA, "user", "create", "alice")

	ctx := context.Background()
	db, err := store.OpenPostgres(ctx, dbURL, store.Options{ReadConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	alice, sink := aliceSink(t, db, hosts, ca.ServerTLS())
	inboxes := insertFollowers(t, db, alice, sink.Hosts(), followers)

	env := append(os.Environ(), "SSL_CERT_FILE="+ca.PEMFile())
	a := startServe(t, bin, cfgA, sockA, env)
	b := startServe(t, bin, cfgB, sockB, env)
	defer func() { b.Process.Kill(); b.Wait() }()
	waitReady(t, addrA)
	waitReady(t, addrB)
	runPictor(t, bin, cfgA, "post", "--as", "alice", "two processes, one of them doomed")

	// Kill A once a quarter of the inboxes have the post and a tenth came
	// from A (told apart by the connections it holds open to the sink).
	fromA := 0
	servertest.Eventually(t, 2*time.Minute, "a quarter of the fan-out, a tenth from A", func() bool {
		_, total, _ := sink.Snapshot()
		if total < followers/4 {
			return false
		}
		fromA = sentBy(t, a.Process.Pid, sink.Peers())
		return fromA >= followers/10
	})
	// A dies with deliveries claimed and unanswered: the sink holds the
	// next request A sends, so the takeover below always has rows to take.
	sink.Hold(func(conn string) bool {
		conns, err := connsOf(a.Process.Pid)
		return err == nil && conns[conn]
	})
	servertest.Eventually(t, time.Minute, "a request of A held", func() bool { return sink.Held() > 0 })
	a.Process.Kill()
	a.Wait()
	sink.Release()
	_, totalAtKill, _ := sink.Snapshot()
	if totalAtKill >= followers {
		t.Fatalf("the fan-out finished before the kill (%d deliveries)", totalAtKill)
	}
	killed := time.Now()

	awaitFanOut(t, db, sink, followers)
	finished := time.Since(killed)

	sts, err := db.AccountStatuses(ctx, alice.ID, nil, store.Page{Limit: 1})
	if err != nil || len(sts) != 1 {
		t.Fatalf("alice's post: %v %v", sts, err)
	}
	rows, err := db.DeliveriesOf(ctx, sts[0].URI+"/activity")
	if err != nil {
		t.Fatal(err)
	}
	// A row the dead process claimed and never recorded was claimed again
	// by the survivor after the lease: its second attempt (the sink always
	// accepts, so no row is retried for any other reason).
	attempts := map[string]int{}
	takenOver := 0
	for _, r := range rows {
		attempts[r.Inbox] = r.Attempts
		if r.State != "done" {
			t.Errorf("delivery to %s is %s", r.Inbox, r.State)
		}
		if r.Attempts > 1 {
			takenOver++
		}
	}
	got, total, bad := sink.Snapshot()
	dups := duplicates(t, got, inboxes, func(in string, n int) {
		if attempts[in] < 2 {
			t.Errorf("inbox %s got the post %d times but it was claimed once", in, n)
		}
	})
	t.Logf("%d deliveries before the kill (at least %d of them from the killed process), %d in all, %d duplicates, %d rows taken over from the killed process, finished %v after the kill",
		totalAtKill, fromA, total, dups, takenOver, finished.Round(time.Millisecond))
	if len(rows) != followers || bad != 0 {
		t.Fatalf("%d delivery rows, %d bad signatures", len(rows), bad)
	}
	// The killed process held at most 4 × delivery_workers claimed rows.
	if takenOver == 0 || takenOver > 4*workers || dups > takenOver {
		t.Fatalf("%d rows taken over (want 1 to %d), %d duplicates (at most those)", takenOver, 4*workers, dups)
	}
}

// startServe runs `pictor serve` with env on the listening socket sock, as
// startPictor does, until the test kills it.
func startServe(t *testing.T, bin, cfg string, sock *os.File, env []string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("/bin/sh", "-c", `LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" serve --config "$1"`, bin, cfg)
	cmd.ExtraFiles = []*os.File{sock}
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

// waitReady polls the process at addr until /readyz answers 200.
func waitReady(t *testing.T, addr string) {
	t.Helper()
	u := (&url.URL{Scheme: "http", Host: addr, Path: "/readyz"}).String()
	servertest.Eventually(t, time.Minute, "ready: "+addr, func() bool {
		resp, err := http.Get(u)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

// sentBy sums the deliveries in perConn (aptest.Sink.Peers: by
// "CLIENT-IP:PORT SINK-IP:PORT") that came on TCP connections process pid
// holds open, found through Linux's /proc: the socket inodes among its file
// descriptors, and their addresses in /proc/net/tcp. The senders keep their
// connections to the sink open, so this counts nearly all of a live
// process's deliveries.
func sentBy(t *testing.T, pid int, perConn map[string]int) int {
	t.Helper()
	conns, err := connsOf(pid)
	if err != nil {
		t.Fatalf("the connections of process %d (this test needs Linux's /proc): %v", pid, err)
	}
	n := 0
	for conn := range conns {
		n += perConn[conn]
	}
	return n
}

// connsOf returns the TCP connections of process pid, each named
// "LOCAL-IP:PORT REMOTE-IP:PORT" (as aptest.Sink names a sender's).
func connsOf(pid int) (map[string]bool, error) {
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return nil, err
	}
	inodes := map[string]bool{}
	for _, fd := range fds {
		link, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name()))
		if inode, ok := strings.CutPrefix(link, "socket:["); ok && err == nil {
			inodes[strings.TrimSuffix(inode, "]")] = true
		}
	}
	b, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		return nil, err
	}
	conns := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n")[1:] {
		// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
		f := strings.Fields(line)
		if len(f) >= 10 && inodes[f[9]] {
			conns[procAddr(f[1])+" "+procAddr(f[2])] = true
		}
	}
	return conns, nil
}

// procAddr turns an IPv4 address of /proc/net/tcp ("0100007F:1F90", the
// address in host byte order on little-endian machines) into "127.0.0.1:8080".
func procAddr(s string) string {
	ip, port, _ := strings.Cut(s, ":")
	v, err1 := strconv.ParseUint(ip, 16, 32)
	p, err2 := strconv.ParseUint(port, 16, 16)
	if err1 != nil || err2 != nil {
		return ""
	}
	return fmt.Sprintf("%d.%d.%d.%d:%d", byte(v), byte(v>>8), byte(v>>16), byte(v>>24), p)
}
