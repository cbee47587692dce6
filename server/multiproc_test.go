package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pictor-social/pictor/config"
	"github.com/pictor-social/pictor/internal/testkit/pgtest"
	"github.com/pictor-social/pictor/server/servertest"
)

// startPair starts two server processes of one instance on one PostgreSQL
// database, as behind a load balancer; b's handler is served on its own
// loopback address (its URL field names the instance, a's address).
func startPair(t *testing.T) (a *servertest.Server, b *servertest.Server, bURL string) {
	t.Helper()
	dbURL := pgtest.NewDatabase(t)
	pg := func(c *config.File) { c.Database = config.Database{Driver: "postgres", URL: dbURL, PoolSize: 4} }
	a = servertest.Start(t, servertest.Options{Plain: true, Configure: pg})
	host := strings.TrimPrefix(a.URL, "http://")
	b = servertest.Start(t, servertest.Options{Plain: true, Configure: func(c *config.File) { pg(c); c.Host = host }})
	hb := httptest.NewServer(b.Handler())
	t.Cleanup(hb.Close)
	return a, b, hb.URL
}

// call makes an API request to base with the instance's Host header and
// decodes the JSON answer into out.
func call(t *testing.T, host, base, method, path, token string, form url.Values, out any) {
	t.Helper()
	req, err := http.NewRequest(method, base+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %s", method, path, resp.Status)
	}
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatal(err)
		}
	}
}

// A client streaming from process B sees the update and the notification
// of a post made through process A: the hub's events cross processes
// through PostgreSQL NOTIFY.
func TestStreamingAcrossProcesses(t *testing.T) {
	a, _, bURL := startPair(t)
	host := strings.TrimPrefix(a.URL, "http://")
	alice := accessToken(t, a, "alice")
	bob := accessToken(t, a, "bob")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, bURL+"/api/v1/streaming/user", nil)
	req.Host = host
	req.Header.Set("Authorization", "Bearer "+bob)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("stream from B: %s", resp.Status)
	}
	events := servertest.SSEEvents(resp.Body)
	// B's relay LISTENs once its workers run: post until an update
	// arrives (each post is a new direct message to bob).
	seen := map[string]bool{}
	deadline := time.After(20 * time.Second)
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for i := 0; !seen["update"] || !seen["notification"]; i++ {
		if !seen["update"] {
			var st struct{ ID string }
			call(t, host, a.URL, http.MethodPost, "/api/v1/statuses", alice,
				url.Values{"status": {fmt.Sprintf("@bob hello %d", i)}, "visibility": {"direct"}}, &st)
		}
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatal("stream from B ended")
			}
			seen[ev[0]] = true
		case <-tick.C:
		case <-deadline:
			t.Fatalf("events seen from B within 20s: %v; want update and notification", seen)
		}
	}
}

// Posts with one Idempotency-Key sent at once to two processes make one
// status: both answers carry its id.
func TestIdempotencyKeyAcrossProcesses(t *testing.T) {
	a, _, bURL := startPair(t)
	host := strings.TrimPrefix(a.URL, "http://")
	alice := accessToken(t, a, "alice")
	for round := 0; round < 5; round++ {
		key := fmt.Sprint("key-", round)
		ids := make(chan string, 2)
		for _, base := range []string{a.URL, bURL} {
			go func() {
				req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/statuses",
					strings.NewReader(url.Values{"status": {"once " + key}}.Encode()))
				req.Host = host
				req.Header.Set("Authorization", "Bearer "+alice)
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Idempotency-Key", key)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					ids <- err.Error()
					return
				}
				defer resp.Body.Close()
				var st struct{ ID string }
				json.NewDecoder(resp.Body).Decode(&st)
				ids <- resp.Status + " " + st.ID
			}()
		}
		first, second := <-ids, <-ids
		if first != second || !strings.HasPrefix(first, "200 ") {
			t.Fatalf("round %d: answers %q and %q, want one status", round, first, second)
		}
	}
}
