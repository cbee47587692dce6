package mastoapi_test

import (
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/pictor-social/pictor/config"
	"github.com/pictor-social/pictor/server/servertest"
)

func startWith(t *testing.T, configure func(*config.File)) *env {
	t.Helper()
	return &env{servertest.Start(t, servertest.Options{Configure: configure})}
}

func status(t *testing.T, e *env, rq req) int {
	t.Helper()
	resp := e.do(t, rq)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// The client API limit counts per valid token, else per client address: a
// made-up Authorization header shares its address's bucket.
func TestRateLimitKeysOnValidTokenElseAddress(t *testing.T) {
	e := startWith(t, func(c *config.File) { c.API.RateLimit = 5 })
	_, tok := e.login(t, "alice", "read")
	for i := 0; i < 5; i++ {
		if got := status(t, e, req{method: "GET", path: "/api/v1/instance"}); got != http.StatusOK {
			t.Fatalf("anonymous request %d: %d", i, got)
		}
	}
	cases := []struct {
		name string
		rq   req
		want int
	}{
		{"anonymous past the limit", req{method: "GET", path: "/api/v1/instance"}, http.StatusTooManyRequests},
		{"junk bearer token", req{method: "GET", path: "/api/v1/instance", token: "junk"}, http.StatusTooManyRequests},
		{"other junk bearer token", req{method: "GET", path: "/api/v1/instance", token: "junk2"}, http.StatusTooManyRequests},
		{"junk scheme", req{method: "GET", path: "/api/v1/instance", header: map[string]string{"Authorization": "Basic eDp5"}},
			http.StatusTooManyRequests},
		{"junk access_token", req{method: "GET", path: "/api/v1/instance?access_token=junk"}, http.StatusTooManyRequests},
		{"valid token: its own bucket", req{method: "GET", path: "/api/v1/accounts/verify_credentials", token: tok}, http.StatusOK},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := status(t, e, tc.rq); got != tc.want {
				t.Fatalf("status %d, want %d", got, tc.want)
			}
		})
	}
}

func TestRateLimitZeroTurnsItOff(t *testing.T) {
	e := startWith(t, func(c *config.File) { c.API.RateLimit = 0 })
	for i := 0; i < 20; i++ {
		resp := e.do(t, req{method: "GET", path: "/api/v1/instance"})
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("X-RateLimit-Limit") != "" {
			t.Fatalf("request %d: %d, X-RateLimit-Limit %q", i, resp.StatusCode, resp.Header.Get("X-RateLimit-Limit"))
		}
	}
}

// Anonymous streaming connections take slots per client address, not from
// one pool shared by every anonymous client.
func TestAnonymousStreamsPerAddress(t *testing.T) {
	e := startWith(t, func(c *config.File) { c.TrustedProxies = []string{"127.0.0.1/32", "::1/128"} })
	open := func(from string) int {
		t.Helper()
		r, err := http.NewRequest(http.MethodGet, e.URL+"/api/v1/streaming/public", nil)
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("X-Forwarded-For", from)
		resp, err := e.Client.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode == http.StatusOK {
			t.Cleanup(func() { resp.Body.Close() })
		} else {
			resp.Body.Close()
		}
		return resp.StatusCode
	}
	for i := 0; i < 16; i++ {
		if got := open("203.0.113.1"); got != http.StatusOK {
			t.Fatalf("stream %d: %d", i, got)
		}
	}
	if got := open("203.0.113.1"); got != http.StatusTooManyRequests {
		t.Fatalf("17th stream from one address: %d, want 429", got)
	}
	for i := 0; i < 2; i++ {
		if got := open(fmt.Sprintf("198.51.100.%d", i)); got != http.StatusOK {
			t.Fatalf("a stream from another address: %d, want 200", got)
		}
	}
}
