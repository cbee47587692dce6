package e2e

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/pictor-social/pictor/server/servertest"
)

// `pictor serve` with an event-stream client and a WebSocket client
// connected exits 0 promptly on SIGTERM, and the WebSocket client gets close
// code 1001 (issue 14 soak: it took the whole 15 s grace period and exited 1).
func TestServeSIGTERMWithStreamsOpen(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the pictor binary")
	}
	dir := t.TempDir()
	bin := buildPictor(t, dir)
	addr, sock := heldSocket(t)
	cfg := filepath.Join(dir, "pictor.toml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`host = %q
scheme = "http"
listen = %q
data_dir = %q
log_level = "warn"
`, addr, addr, filepath.Join(dir, "data"))), 0o600); err != nil {
		t.Fatal(err)
	}
	runPictor(t, bin, cfg, "user", "create", "alice")
	cmd := startPictor(t, bin, cfg, sock)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stopped := false
	defer func() {
		if !stopped {
			cmd.Process.Kill()
			<-exited
		}
	}()
	base := "http://" + addr
	servertest.Eventually(t, time.Minute, "server up", func() bool {
		resp, err := http.Get(base + "/api/v1/instance")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/api/v1/streaming/public", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if first, _ := bufio.NewReader(resp.Body).ReadString('\n'); resp.StatusCode != http.StatusOK || !strings.HasPrefix(first, ":") {
		t.Fatalf("event stream: %d %q", resp.StatusCode, first)
	}
	c, _, err := websocket.Dial(ctx, "ws://"+addr+"/api/v1/streaming?stream=public", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	wsErr := make(chan error, 1)
	go func() {
		for {
			if _, _, err := c.Read(ctx); err != nil {
				wsErr <- err
				return
			}
		}
	}()

	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		stopped = true
		if err != nil {
			t.Fatalf("pictor serve exited with %v after %v", err, time.Since(start))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("pictor serve still running 10 s after SIGTERM")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("exit took %v", d)
	}
	select {
	case err := <-wsErr:
		if code := websocket.CloseStatus(err); code != websocket.StatusGoingAway {
			t.Errorf("WebSocket closed with %v (%v), want 1001", code, err)
		}
	case <-ctx.Done():
		t.Fatal("WebSocket still open")
	}
}
