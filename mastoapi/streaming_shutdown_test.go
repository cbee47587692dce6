package mastoapi_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// Stopping the server with an event-stream client and a WebSocket client
// connected ends both at once: the event stream's response ends, the
// WebSocket client gets close code 1001 (going away), and the server does not
// sit out its 15 s grace period (issue 14 soak).
func TestShutdownClosesStreams(t *testing.T) {
	e := start(t)
	_, tok := e.login(t, "alice", "read")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	r, _ := http.NewRequestWithContext(ctx, "GET", e.URL+"/api/v1/streaming/user", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	resp, err := e.Client.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	if first, _ := br.ReadString('\n'); !strings.HasPrefix(first, ":") {
		t.Fatalf("first line %q", first)
	}
	c, _, err := websocket.Dial(ctx, wsURL(e, "/api/v1/streaming?stream=user"),
		&websocket.DialOptions{HTTPClient: e.Client, Subprotocols: []string{tok}})
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
	sseDone := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, br)
		sseDone <- err
	}()

	start := time.Now()
	e.Stop()
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("shutdown took %v", d)
	}
	select {
	case err := <-wsErr:
		if code := websocket.CloseStatus(err); code != websocket.StatusGoingAway {
			t.Errorf("WebSocket closed with %v (%v), want 1001", code, err)
		}
	case <-ctx.Done():
		t.Fatal("WebSocket still open")
	}
	select {
	case err := <-sseDone:
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Logf("event stream ended with %v", err)
		}
	case <-ctx.Done():
		t.Fatal("event stream still open")
	}
}
