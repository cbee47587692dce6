package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"flag"
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
	"sync/atomic"
	"time"

	"github.com/pictor-social/pictor/activitypub"
)

type inboxFlags struct {
	requests, actors, conns int
	pictor                  string
	db                      string // PostgreSQL server URL, or "" for SQLite
}

func runInbox(ctx context.Context, args []string) error {
	var o inboxFlags
	fs := flag.NewFlagSet("inbox", flag.ExitOnError)
	fs.IntVar(&o.requests, "requests", 20000, "signed Create activities to POST")
	fs.IntVar(&o.actors, "actors", 50, "remote actors that sign them")
	fs.IntVar(&o.conns, "conns", 32, "concurrent connections")
	fs.StringVar(&o.pictor, "pictor", "", "pictor binary (default: go build ./cmd/pictor)")
	fs.StringVar(&o.db, "db", "", "postgres://… server URL (its user may CREATE DATABASE): run on a fresh PostgreSQL database, dropped afterwards")
	fs.Parse(args)
	if o.db != "" {
		url, drop, err := freshDatabase(ctx, o.db)
		if err != nil {
			return err
		}
		defer drop()
		o.db = url
	}
	dir, err := os.MkdirTemp("", "pictor-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if o.pictor, err = pictorBinary(o.pictor, dir); err != nil {
		return err
	}
	return inboxBench(ctx, dir, o)
}

// remoteActors serves actor documents for the load generator's signers.
type remoteActors struct {
	base string
	keys []*rsa.PrivateKey
}

func (ra *remoteActors) keyOf(i int) *rsa.PrivateKey { return ra.keys[i%len(ra.keys)] }

func (ra *remoteActors) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		w.WriteHeader(http.StatusAccepted) // Pictor's own deliveries, if any
		return
	}
	i, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/users/a"))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	id := fmt.Sprintf("%s/users/a%d", ra.base, i)
	pemKey, _ := activitypub.EncodePublicKeyPEM(&ra.keyOf(i).PublicKey)
	w.Header().Set("Content-Type", "application/activity+json")
	json.NewEncoder(w).Encode(map[string]any{"@context": []string{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"},
		"id": id, "type": "Person", "preferredUsername": fmt.Sprintf("a%d", i), "inbox": id + "/inbox",
		"publicKey": map[string]string{"id": id + "#main-key", "owner": id, "publicKeyPem": pemKey}})
}

func inboxBench(ctx context.Context, dir string, o inboxFlags) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	ln.Close()
	cfg := filepath.Join(dir, "pictor.toml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("host = %q\nscheme = \"http\"\nlisten = %q\ndata_dir = %q\nlog_level = \"warn\"\n[federation]\nallow_private_addresses = true\n",
		addr, addr, filepath.Join(dir, "data"))+databaseSection(o.db)), 0o600)
	if out, err := exec.Command(o.pictor, "user", "create", "alice", "--config", cfg).CombinedOutput(); err != nil {
		return fmt.Errorf("user create: %v: %s", err, out)
	}
	actors, err := startActors(o.actors)
	if err != nil {
		return err
	}
	cmd := exec.Command(o.pictor, "serve", "--config", cfg)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	base := "http://" + addr
	if err := waitUp(base); err != nil {
		return err
	}
	time.Sleep(2 * time.Second)
	idle := procStatusKB(cmd.Process.Pid, "VmRSS")

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: o.conns, MaxConnsPerHost: o.conns}, Timeout: time.Minute}
	// Warm-up: one activity per actor, so that every key is fetched once.
	warm, err := signedCreates(actors, base, o.actors, 0)
	if err != nil {
		return err
	}
	if _, bad := blast(client, warm, o.conns, cmd.Process.Pid, nil); bad > 0 {
		return fmt.Errorf("%d warm-up requests refused", bad)
	}
	fmt.Printf("signing %d requests ahead of the run...\n", o.requests)
	reqs, err := signedCreates(actors, base, o.requests, o.actors)
	if err != nil {
		return err
	}
	var dbCPU func() int64
	if o.db != "" {
		if dbCPU, err = postgresCPU(ctx, o.db); err != nil {
			return err
		}
	}
	var db0 int64
	if dbCPU != nil {
		db0 = dbCPU()
	}
	cpu0 := cpuTicks(cmd.Process.Pid)
	var peak atomic.Int64
	elapsed, bad := blast(client, reqs, o.conns, cmd.Process.Pid, &peak)
	engine := "SQLite"
	if o.db != "" {
		engine = "PostgreSQL"
	}
	fmt.Printf("inbox (%s): %d signed Create POSTs from %d actors over %d connections in %v: %.0f accepted/s, %d refused\n",
		engine, o.requests, o.actors, o.conns, elapsed.Round(time.Millisecond), float64(o.requests-bad)/elapsed.Seconds(), bad)
	fmt.Printf("  resident memory of pictor serve: %d MB idle, %d MB peak under load\n", idle/1024, peak.Load()/1024)
	applied, err := reportBacklog(ctx, filepath.Join(dir, "data", "pictor.db"), o.db)
	if err != nil {
		return err
	}
	total := elapsed + applied
	n := float64(o.requests - bad)
	fmt.Printf("  accepted and applied: %.0f/s (%d activities in %v)\n", n/total.Seconds(), o.requests-bad, total.Round(time.Millisecond))
	fmt.Printf("  CPU per activity, accepted and applied: pictor %.0f µs", float64(cpuTicks(cmd.Process.Pid)-cpu0)*1e6/clockTicks/n)
	if dbCPU != nil {
		fmt.Printf(", PostgreSQL %.0f µs", float64(dbCPU()-db0)*1e6/clockTicks/n)
	}
	fmt.Println()
	return nil
}

// reportBacklog waits for the inbox workers to apply what was accepted and
// returns how long that took after the last 202.
func reportBacklog(ctx context.Context, path, dbURL string) (time.Duration, error) {
	db, err := openBenchStore(ctx, path, dbURL)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	start := time.Now()
	for time.Since(start) < 10*time.Minute {
		n, err := db.PendingInboxItems(ctx)
		if err != nil {
			return 0, err
		}
		if n == 0 {
			d := time.Since(start)
			fmt.Printf("  processing backlog applied %v after the last 202\n", d.Round(100*time.Millisecond))
			return d, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return 0, fmt.Errorf("inbox backlog not applied in 10 minutes")
}

func startActors(n int) (*remoteActors, error) {
	ra := &remoteActors{}
	for i := 0; i < min(n, 4); i++ {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, err
		}
		k.Precompute()
		ra.keys = append(ra.keys, k)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	ra.base = "http://" + ln.Addr().String()
	go http.Serve(ln, ra)
	return ra, nil
}

func waitUp(base string) error {
	for i := 0; i < 300; i++ {
		if resp, err := http.Get(base + "/.well-known/nodeinfo"); err == nil {
			resp.Body.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("pictor did not start")
}

// preparedPost is one signed request, ready to send.
type preparedPost struct {
	url    string
	body   []byte
	header http.Header
}

// signedCreates signs n Creates of notes mentioning alice on 4 goroutines:
// with seq 0, one from each of n actors (the warm-up); otherwise round-robin
// over seq actors, with ids that do not repeat the warm-up's.
func signedCreates(ra *remoteActors, base string, n, seq int) ([]preparedPost, error) {
	out := make([]preparedPost, n)
	alice := base + "/users/alice"
	var wg sync.WaitGroup
	var firstErr atomic.Value
	workers := 4
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < n; i += workers {
				idx := i // warm-up: one request per actor
				if seq > 0 {
					idx = i % seq
				}
				actor := fmt.Sprintf("%s/users/a%d", ra.base, idx)
				note := fmt.Sprintf("%s/notes/%d-%d", actor, seq, i)
				body, _ := json.Marshal(map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
					"id": note + "/activity", "type": "Create", "actor": actor, "to": []string{"https://www.w3.org/ns/activitystreams#Public"},
					"cc": []string{alice}, "object": map[string]any{"id": note, "type": "Note", "attributedTo": actor,
						"content": "<p>@alice hello</p>", "to": []string{"https://www.w3.org/ns/activitystreams#Public"}, "cc": []string{alice},
						"tag": []any{map[string]string{"type": "Mention", "href": alice, "name": "@alice"}}}})
				req, _ := http.NewRequest(http.MethodPost, alice+"/inbox", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/activity+json")
				if err := activitypub.SignRequest(req, body, actor+"#main-key", ra.keyOf(idx), time.Now()); err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				out[i] = preparedPost{url: req.URL.String(), body: body, header: req.Header}
			}
		}(w)
	}
	wg.Wait()
	if err, ok := firstErr.Load().(error); ok {
		return nil, err
	}
	return out, nil
}

// blast sends the prepared requests over conns connections and returns the
// time taken and how many were not answered 202; it samples the server's
// resident memory into peak (KB) meanwhile.
func blast(client *http.Client, reqs []preparedPost, conns, pid int, peak *atomic.Int64) (time.Duration, int) {
	var next, bad atomic.Int64
	stop := make(chan struct{})
	if peak != nil {
		go func() {
			for {
				if kb := procStatusKB(pid, "VmRSS"); kb > peak.Load() {
					peak.Store(kb)
				}
				select {
				case <-stop:
					return
				case <-time.After(20 * time.Millisecond):
				}
			}
		}()
	}
	start := time.Now()
	var wg sync.WaitGroup
	for c := 0; c < conns; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(reqs) {
					return
				}
				p := reqs[i]
				req, _ := http.NewRequest(http.MethodPost, p.url, bytes.NewReader(p.body))
				req.Header = p.header.Clone()
				resp, err := client.Do(req)
				if err != nil {
					bad.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusAccepted {
					bad.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(stop)
	return elapsed, int(bad.Load())
}
