package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/pictor-social/pictor/activitypub"
	"github.com/pictor-social/pictor/store"
)

type readFlags struct {
	data                readData
	duration            time.Duration
	workers, conns      int
	only, dir, pictor   string
	cpuProfile, rateKey string
	db                  string // PostgreSQL URL of the copied data, or "" for SQLite
}

func runRead(ctx context.Context, args []string) error {
	var o readFlags
	fs := flag.NewFlagSet("read", flag.ExitOnError)
	fs.IntVar(&o.data.statuses, "statuses", 1_000_000, "remote statuses (the home timeline reads half of them)")
	fs.IntVar(&o.data.authors, "authors", 10_000, "remote authors")
	fs.IntVar(&o.data.follows, "follows", 5_000, "remote authors the reader follows")
	fs.IntVar(&o.data.localPosts, "local", 2_000, "alice's public posts (every other one with an image and #bench)")
	fs.IntVar(&o.data.tokens, "tokens", 2_000, "reader access tokens, used round-robin to stay under the API rate limit")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "load time per endpoint")
	fs.IntVar(&o.workers, "workers", 2, "load generator workers (wrk's threads)")
	fs.IntVar(&o.conns, "conns", 8, "connections per worker")
	fs.StringVar(&o.only, "only", "", "comma-separated endpoint names to run (default: all)")
	fs.StringVar(&o.dir, "dir", "", "data folder to keep and reuse between runs (default: a fresh temporary one)")
	fs.StringVar(&o.pictor, "pictor", "", "pictor binary (default: go build ./cmd/pictor)")
	fs.StringVar(&o.db, "db", "", "postgres://… database holding a copy of -dir's seeded data (pictor db copy): serve from it ([database] driver = \"postgres\")")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "endpoint name: run only it and write the server's CPU profile to read-<name>.pprof")
	fs.Parse(args)
	tmp, err := os.MkdirTemp("", "pictor-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if o.dir == "" {
		o.dir = tmp
	}
	if o.pictor, err = pictorBinary(o.pictor, tmp); err != nil {
		return err
	}
	return readBench(ctx, o)
}

// endpoint is one read the benchmark loads, with its goal in µs of server
// CPU per request (issue 9).
type endpoint struct {
	name   string
	goal   int
	path   string
	header http.Header
	tokens int        // add one of this many reader tokens, round-robin
	signed [][]string // pre-signed header sets (Date, Signature, ...), round-robin
}

func readBench(ctx context.Context, o readFlags) error {
	addr, err := benchAddr(o.dir)
	if err != nil {
		return err
	}
	cfg := filepath.Join(o.dir, "pictor.toml")
	base := "http://" + addr
	urls := activitypub.URLs{Base: base}
	if _, err := os.Stat(filepath.Join(o.dir, "seeded")); err != nil {
		if o.db != "" {
			return fmt.Errorf("-db: seed -dir on SQLite first, then copy it with pictor db copy --to %s", store.RedactURL(o.db))
		}
		if err := seedReadDir(ctx, o, cfg, addr, urls); err != nil {
			return err
		}
	}
	var dbCPU func() int64
	if o.db != "" {
		b, err := os.ReadFile(cfg)
		if err != nil {
			return err
		}
		cfg = filepath.Join(o.dir, "pictor-postgres.toml")
		if err := os.WriteFile(cfg, append(b, "\n"+databaseSection(o.db)...), 0o600); err != nil {
			return err
		}
		if dbCPU, err = postgresCPU(ctx, o.db); err != nil {
			return err
		}
	}
	if err := dropMediaFetches(ctx, filepath.Join(o.dir, "data", "pictor.db"), o.db); err != nil {
		return err
	}
	cmd := exec.Command(o.pictor, "serve", "--config", cfg)
	cmd.Stderr = os.Stderr
	profile := ""
	if o.cpuProfile != "" {
		// The profile covers the whole serve run, so only that endpoint runs.
		o.only = o.cpuProfile
		profile, _ = filepath.Abs("read-" + o.cpuProfile + ".pprof")
		cmd.Env = append(os.Environ(), "PICTOR_CPUPROFILE="+profile)
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() {
		// SIGTERM lets serve finish its CPU profile.
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
		if profile != "" {
			fmt.Printf("server CPU profile: %s (go tool pprof -top %s %s)\n", profile, o.pictor, profile)
		}
	}()
	if err := waitUp(base); err != nil {
		return err
	}
	time.Sleep(2 * time.Second)
	idle := procStatusKB(cmd.Process.Pid, "VmRSS")
	eps, err := readEndpoints(base, addr, o.data.tokens)
	if err != nil {
		return err
	}
	fmt.Printf("pictor serve pid %d on %s, %d workers × %d connections, %v per endpoint\n",
		cmd.Process.Pid, o.dir, o.workers, o.conns, o.duration)
	fmt.Printf("%-22s %9s %9s %9s %13s %8s\n", "endpoint", "req/s", "p50", "p99", "CPU/request", "goal")
	if dbCPU != nil {
		fmt.Println("(CPU/request is pictor's; PostgreSQL's own follows as db CPU/request)")
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: o.workers * o.conns,
		MaxConnsPerHost: o.workers * o.conns, DisableCompression: true}, Timeout: time.Minute}
	var peak int64
	for _, ep := range eps {
		if o.only != "" && !strings.Contains(","+o.only+",", ","+ep.name+",") {
			continue
		}
		if err := checkEndpoint(client, base, ep, 0); err != nil {
			return err
		}
		load(client, base, ep, o.workers*o.conns, time.Second, cmd.Process.Pid) // warm-up
		var db0 int64
		if dbCPU != nil {
			db0 = dbCPU()
		}
		res := load(client, base, ep, o.workers*o.conns, o.duration, cmd.Process.Pid)
		if res.errors > 0 {
			return fmt.Errorf("%s: %d requests failed (first: %s)", ep.name, res.errors, res.firstErr)
		}
		dbCol := ""
		if dbCPU != nil && res.rps > 0 {
			n := res.rps * o.duration.Seconds()
			dbCol = fmt.Sprintf("  db %.0f µs", float64(dbCPU()-db0)*1e6/clockTicks/n)
		}
		fmt.Printf("%-22s %9.0f %9v %9v %10.0f µs %5d µs %s%s\n", ep.name, res.rps, res.p50, res.p99, res.cpuPerReq, ep.goal,
			verdict(res.cpuPerReq, ep.goal), dbCol)
		peak = max(peak, procStatusKB(cmd.Process.Pid, "VmRSS"))
	}
	fmt.Printf("resident memory of pictor serve: %d MB idle (goal ≤ 40 MB), %d MB after load\n", idle/1024, peak/1024)
	return nil
}

func verdict(got float64, goal int) string {
	if got <= float64(goal) {
		return "met"
	}
	return "over"
}

// benchAddr returns the listen address kept in dir, or picks a free one.
func benchAddr(dir string) (string, error) {
	if b, err := os.ReadFile(filepath.Join(dir, "addr")); err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr, os.WriteFile(filepath.Join(dir, "addr"), []byte(addr), 0o600)
}

func seedReadDir(ctx context.Context, o readFlags, cfg, addr string, urls activitypub.URLs) error {
	os.WriteFile(cfg, []byte(fmt.Sprintf("host = %q\nscheme = \"http\"\nlisten = %q\ndata_dir = %q\nlog_level = \"warn\"\n"+
		"[federation]\nallow_private_addresses = true\n", addr, addr, filepath.Join(o.dir, "data"))), 0o600)
	for _, name := range []string{"alice", "reader"} {
		if out, err := exec.Command(o.pictor, "user", "create", name, "--config", cfg).CombinedOutput(); err != nil {
			return fmt.Errorf("user create %s: %v: %s", name, err, out)
		}
	}
	start := time.Now()
	fmt.Printf("seeding %d statuses by %d authors (once per -dir)...\n", o.data.statuses, o.data.authors)
	if err := seedRead(ctx, filepath.Join(o.dir, "data", "pictor.db"), urls, o.data); err != nil {
		return err
	}
	fmt.Printf("  seeded in %v\n", time.Since(start).Round(time.Second))
	return os.WriteFile(filepath.Join(o.dir, "seeded"), nil, 0o600)
}

// readEndpoints lists the reads of issue 9. The signed actor GET carries a
// draft-cavage signature by a remote actor served on loopback.
func readEndpoints(base, addr string, tokens int) ([]endpoint, error) {
	aliceID, err := accountID(base, "alice")
	if err != nil {
		return nil, err
	}
	ap := http.Header{"Accept": {"application/activity+json"}}
	signed, err := signedActorGets(base + "/users/alice")
	if err != nil {
		return nil, err
	}
	return []endpoint{
		{name: "webfinger", goal: 25, path: "/.well-known/webfinger?resource=acct:alice@" + addr},
		{name: "nodeinfo", goal: 25, path: "/nodeinfo/2.0"},
		{name: "actor", goal: 25, path: "/users/alice", header: ap},
		{name: "actor-signed", goal: 60, path: "/users/alice", header: ap, signed: signed},
		{name: "account-statuses", goal: 300, path: "/api/v1/accounts/" + aliceID + "/statuses?limit=20", tokens: tokens},
		{name: "public-local", goal: 300, path: "/api/v1/timelines/public?local=true&limit=20", tokens: tokens},
		{name: "tag", goal: 300, path: "/api/v1/timelines/tag/" + benchTag + "?limit=20", tokens: tokens},
		{name: "home", goal: 400, path: "/api/v1/timelines/home?limit=40", tokens: tokens},
	}, nil
}

func accountID(base, name string) (string, error) {
	resp, err := http.Get(base + "/api/v1/accounts/lookup?acct=" + name)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	_, rest, ok := strings.Cut(string(b), `"id":"`)
	id, _, _ := strings.Cut(rest, `"`)
	if !ok || id == "" {
		return "", fmt.Errorf("lookup %s: %d %s", name, resp.StatusCode, b)
	}
	return id, nil
}

// signedActorGets signs 64 GETs of url by one remote actor; they are reused
// round-robin (a signature stays valid for its Date's freshness window).
func signedActorGets(url string) ([][]string, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	ra := &remoteActors{keys: []*rsa.PrivateKey{key}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	ra.base = "http://" + ln.Addr().String()
	go http.Serve(ln, ra)
	var out [][]string
	for i := 0; i < 64; i++ {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("Accept", "application/activity+json")
		if err := activitypub.SignRequest(req, nil, ra.base+"/users/a0#main-key", key, time.Now()); err != nil {
			return nil, err
		}
		var kv []string
		for _, h := range []string{"Date", "Signature", "Digest"} {
			if v := req.Header.Get(h); v != "" {
				kv = append(kv, h, v)
			}
		}
		out = append(out, kv)
	}
	return out, nil
}

// loadResult is what one endpoint's load measured.
type loadResult struct {
	rps, cpuPerReq float64
	p50, p99       time.Duration
	errors         int
	firstErr       string
}

// load runs conns connections against ep for d and measures latency, rate,
// and the server's CPU time (utime+stime of pid) per request.
func load(client *http.Client, base string, ep endpoint, conns int, d time.Duration, pid int) loadResult {
	var next, errs atomic.Int64
	var firstErr atomic.Value
	lats := make([][]time.Duration, conns)
	cpu0 := cpuTicks(pid)
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for c := 0; c < conns; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for time.Now().Before(deadline) {
				i := int(next.Add(1))
				t0 := time.Now()
				if err := doGet(client, base, ep, i); err != nil {
					if errs.Add(1) == 1 {
						firstErr.Store(err.Error())
					}
					continue
				}
				lats[c] = append(lats[c], time.Since(t0))
			}
		}(c)
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu := cpuTicks(pid) - cpu0
	var all []time.Duration
	for _, l := range lats {
		all = append(all, l...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	res := loadResult{errors: int(errs.Load())}
	if s, ok := firstErr.Load().(string); ok {
		res.firstErr = s
	}
	if n := len(all); n > 0 {
		res.rps = float64(n) / elapsed.Seconds()
		res.p50, res.p99 = all[n/2].Round(time.Microsecond), all[n*99/100].Round(time.Microsecond)
		res.cpuPerReq = float64(cpu) * 1e6 / clockTicks / float64(n+res.errors)
	}
	return res
}

// checkEndpoint makes one request and fails unless it answers 200.
func checkEndpoint(client *http.Client, base string, ep endpoint, i int) error {
	if err := doGet(client, base, ep, i); err != nil {
		return fmt.Errorf("%s: %w", ep.name, err)
	}
	return nil
}

func doGet(client *http.Client, base string, ep endpoint, i int) error {
	req, _ := http.NewRequest(http.MethodGet, base+ep.path, nil)
	for k, v := range ep.header {
		req.Header[k] = v
	}
	if ep.tokens > 0 {
		req.Header.Set("Authorization", "Bearer "+benchToken(i%ep.tokens))
	}
	if len(ep.signed) > 0 {
		kv := ep.signed[i%len(ep.signed)]
		for j := 0; j+1 < len(kv); j += 2 {
			req.Header.Set(kv[j], kv[j+1])
		}
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	n, _ := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || n < 20 {
		return fmt.Errorf("GET %s: %d, %d bytes", ep.path, resp.StatusCode, n)
	}
	return nil
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat's times (100 on Linux).
const clockTicks = 100

// cpuTicks returns utime+stime of pid from /proc/PID/stat, in clock ticks.
func cpuTicks(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name may hold spaces; fields restart after its ')'.
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(fields[11], 10, 64)
	st, _ := strconv.ParseInt(fields[12], 10, 64)
	return ut + st
}
