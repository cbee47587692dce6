package server_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pictor-social/pictor/config"
	"github.com/pictor-social/pictor/genimage"
	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/store"
)

const metricsToken = "test-metrics-token-0123456789"

func scrape(t *testing.T, client *http.Client, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestMetrics scrapes both exposition points after some traffic: routes are
// labelled by template (bounded), the queues and pools are there, and the
// token is enforced on both.
func TestMetrics(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{Configure: func(c *config.File) {
		c.Metrics = config.Metrics{Listen: "127.0.0.1:0", Token: metricsToken}
	}})
	alice := srv.CreateUser(t, "alice", "")
	if _, err := srv.Gen.Submit(context.Background(), genimage.SubmitRequest{AccountID: alice.ID, Kind: store.JobDraft,
		Prompt: "a lighthouse", Source: genimage.SourceCLI}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/api/v1/instance", "/users/alice", "/users/nobody", "/no/such/path/12345", "/livez"} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+p, nil)
		req.Header.Set("Accept", "application/activity+json")
		resp, err := srv.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}

	main := srv.URL + "/metrics"
	for _, tok := range []string{"", "wrong-token-wrong-token"} {
		if code, _ := scrape(t, srv.Client, main, tok); code != http.StatusUnauthorized {
			t.Fatalf("main listener, token %q: %d, want 401", tok, code)
		}
	}
	code, body := scrape(t, srv.Client, main, metricsToken)
	if code != http.StatusOK {
		t.Fatalf("main listener with the token: %d", code)
	}
	for _, want := range []string{
		`pictor_http_requests_total{code="2xx",method="GET",route="/api/v1/instance"} 1`,
		`pictor_http_requests_total{code="2xx",method="GET",route="/users/{name}"} 1`,
		`pictor_http_requests_total{code="4xx",method="GET",route="/users/{name}"} 1`,
		`pictor_http_requests_total{code="4xx",method="GET",route="unmatched"} 1`,
		`pictor_http_request_duration_seconds_bucket{method="GET",route="/livez",le="+Inf"} 1`,
		`pictor_delivery_queue{host_class="healthy"} 0`,
		`pictor_delivery_queue{host_class="unreachable"} 0`,
		`pictor_inbox_backlog 0`,
		`pictor_inbox_processed_total{result="done"}`,
		`pictor_generation_jobs{backend="builtin",state=`,
		`pictor_remote_media_queue 0`,
		`pictor_push_queue 0`,
		`pictor_db_open_connections{pool="write"}`,
		`pictor_db_max_open_connections{pool="write"} 1`,
		`pictor_db_wait_count_total{pool="read"}`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("exposition lacks %s", want)
		}
	}
	if strings.Contains(body, "nobody") || strings.Contains(body, "12345") {
		t.Error("a raw path leaked into a label")
	}

	var addr string
	servertest.Eventually(t, 10*time.Second, "metrics listener bound", func() bool {
		addr = srv.MetricsAddr()
		return addr != ""
	})
	sep := "http://" + addr + "/metrics"
	if code, _ := scrape(t, http.DefaultClient, sep, ""); code != http.StatusUnauthorized {
		t.Fatalf("separate listener without the token: %d, want 401", code)
	}
	if code, body := scrape(t, http.DefaultClient, sep, metricsToken); code != http.StatusOK ||
		!strings.Contains(body, "pictor_http_requests_total") {
		t.Fatalf("separate listener: %d", code)
	}
	if code, _ := scrape(t, http.DefaultClient, "http://"+addr+"/api/v1/instance", metricsToken); code != http.StatusNotFound {
		t.Fatalf("separate listener serves the API: %d", code)
	}
}

// Without [metrics] settings there is no /metrics anywhere.
func TestMetricsOffByDefault(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	if code, _ := scrape(t, srv.Client, srv.URL+"/metrics", metricsToken); code != http.StatusNotFound {
		t.Fatalf("/metrics with metrics off: %d, want 404", code)
	}
	if srv.MetricsAddr() != "" {
		t.Fatal("a metrics listener runs with metrics off")
	}
}
