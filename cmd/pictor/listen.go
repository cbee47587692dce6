package main

import (
	"fmt"
	"net"
	"os"
	"strconv"
)

// listenFDStart is the first file descriptor systemd passes to a
// socket-activated service (sd_listen_fds(3)).
const listenFDStart = 3

// listen opens the server's listening socket. Under systemd socket
// activation (LISTEN_PID is this process and LISTEN_FDS is 1) it takes the
// socket it was handed, so the port stays open across restarts and the
// server needs no privilege to bind it; otherwise it listens on addr.
func listen(addr string) (net.Listener, error) {
	pid, _ := strconv.Atoi(os.Getenv("LISTEN_PID"))
	if pid != os.Getpid() {
		return listenTCP(addr)
	}
	n, err := strconv.Atoi(os.Getenv("LISTEN_FDS"))
	if err != nil || n != 1 {
		return nil, fmt.Errorf("socket activation: LISTEN_FDS=%q, want exactly one socket", os.Getenv("LISTEN_FDS"))
	}
	os.Unsetenv("LISTEN_PID")
	os.Unsetenv("LISTEN_FDS")
	os.Unsetenv("LISTEN_FDNAMES")
	f := os.NewFile(listenFDStart, "activated-socket")
	defer f.Close() // FileListener holds its own duplicate
	ln, err := net.FileListener(f)
	if err != nil {
		return nil, fmt.Errorf("socket activation: fd %d: %w", listenFDStart, err)
	}
	return ln, nil
}

func listenTCP(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	return ln, nil
}
