package main

import (
	"bytes"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"
)

// runFloor measures the floor under `read`'s small documents: the server
// CPU per request of a bare net/http server (the same http.Server settings
// as pictor serve, no middleware) answering a fixed 1 KB JSON document,
// loaded exactly as `read` loads Pictor. What `read` measures above this
// for WebFinger, NodeInfo and the actor is Pictor's own cost.
func runFloor(args []string) error {
	fs := flag.NewFlagSet("floor", flag.ExitOnError)
	duration := fs.Duration("duration", 5*time.Second, "load time")
	workers := fs.Int("workers", 2, "load generator workers (wrk's threads)")
	conns := fs.Int("conns", 8, "connections per worker")
	fs.Parse(args)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	ln.Close()
	self, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.Command(self, "floor-serve", addr)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}()
	base := "http://" + addr
	for i := 0; ; i++ {
		if resp, err := http.Get(base + "/doc"); err == nil {
			resp.Body.Close()
			break
		}
		if i == 100 {
			return fmt.Errorf("floor server did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *workers * *conns,
		MaxConnsPerHost: *workers * *conns, DisableCompression: true}, Timeout: time.Minute}
	ep := endpoint{name: "floor", path: "/doc", header: http.Header{"Accept": {"application/activity+json"}}}
	load(client, base, ep, *workers**conns, time.Second, cmd.Process.Pid) // warm-up
	res := load(client, base, ep, *workers**conns, *duration, cmd.Process.Pid)
	fmt.Printf("%-22s %9s %9s %9s %13s\n", "endpoint", "req/s", "p50", "p99", "CPU/request")
	fmt.Printf("%-22s %9.0f %9v %9v %10.0f µs\n", "bare net/http", res.rps, res.p50, res.p99, res.cpuPerReq)
	return nil
}

// runFloorServe is the child of runFloor.
func runFloorServe(args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("usage: floor-serve ADDR")
	}
	body := append(bytes.Repeat([]byte(`{"a":"0123456789abcdef"},`), 40), '\n')
	length := strconv.Itoa(len(body))
	hs := &http.Server{Addr: args[0], ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 2 * time.Minute,
		WriteTimeout: 10 * time.Minute, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/activity+json; charset=utf-8")
			w.Header().Set("Content-Length", length)
			w.Write(body)
		})}
	return hs.ListenAndServe()
}
