package e2e

import (
	"bytes"
	"io"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pictor-social/pictor/e2e/fedipeer"
	"github.com/pictor-social/pictor/e2e/multiproc"
	"github.com/pictor-social/pictor/internal/testkit/tlstest"
)

// The federation and client-library suites once more, against one instance
// served by two `pictor serve` processes on one PostgreSQL database and one
// S3 bucket (VersityGW) behind a TLS proxy that is the instance's address
// (issue 10). Every post made through the client API goes to process A and
// every streaming connection to process B (postOnAStreamOnB), so the
// scripts' "a new post streams to its author" and the reply's notification
// cross processes on every run; everything else alternates between the
// two, so sign-in pages, uploads, timelines, WebFinger, actor and media
// fetches and the peer's deliveries land on both. The Fedify scenario, the
// two client scripts and the media checks share the cluster and one Fedify
// peer and run at the same time.
func TestClusterInterop(t *testing.T) {
	t.Parallel() // one of e2e's longest tests (e2e/README.md, Suite time); it mostly waits
	node, dir := requireClientDeps(t)
	began := time.Now()
	ca := tlstest.New(t)
	peerReady := fedipeer.Launch(t, ca, fedipeer.Options{}) // node starts while the cluster does
	c := multiproc.StartCluster(t, multiproc.ClusterOptions{CA: ca, Route: postOnAStreamOnB})
	peer := peerReady()
	scenarios := time.Now()
	t.Logf("cluster and Fedify peer ready in %v", scenarios.Sub(began).Round(time.Millisecond))
	defer func() { t.Logf("scenarios done in %v", time.Since(scenarios).Round(time.Millisecond)) }()
	tg := clusterTarget(c)
	// Subtests started from goroutines run at once, whatever -parallel
	// says (t.Parallel would run two at a time on two cores).
	together(t, map[string]func(*testing.T){
		"fedify":  func(t *testing.T) { fedifyScenario(t, tg, peer) },
		"clients": func(t *testing.T) { clientScenario(t, node, dir, tg, peer) },
		"media":   func(t *testing.T) { clusterMedia(t, c, tg) },
	})
	if n := c.Proxy.Served(); n[0] == 0 || n[1] == 0 {
		t.Errorf("requests per process %v: the proxy did not spread them", n)
	} else {
		t.Logf("requests per process: %v", n)
	}
}

// together runs each function as a subtest, all at the same time, and
// returns when all have ended.
func together(t *testing.T, subtests map[string]func(*testing.T)) {
	var wg sync.WaitGroup
	for name, f := range subtests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t.Run(name, f)
		}()
	}
	wg.Wait()
}

// postOnAStreamOnB routes the cluster's requests: posting statuses to
// process A (0), streaming to process B (1), the rest in turn.
func postOnAStreamOnB(r *http.Request) int {
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/api/v1/statuses":
		return 0
	case strings.HasPrefix(r.URL.Path, "/api/v1/streaming"):
		return 1
	}
	return multiproc.RoundRobin
}

// An image uploaded through process A is an object in the bucket, listed by
// process B, and served by B and through the proxy to any fetcher (empty
// or odd User-Agent, any Accept) with its own Content-Type and nosniff.
func clusterMedia(t *testing.T, c *multiproc.Cluster, tg *target) {
	u := tg.signIn(t, "mediauser")
	id, mediaURL := u.uploadTo(c.Backends[0], testPNG(t, 9), "uploaded through A")
	name, ok := strings.CutPrefix(mediaURL, tg.URL+"/media/")
	if !ok {
		t.Fatalf("media url %q is not under %s/media/", mediaURL, tg.URL)
	}
	stored, err := os.ReadFile(filepath.Join(c.Bucket.Dir, name))
	if err != nil {
		t.Fatalf("object %s not in the bucket: %v", name, err)
	}
	var m struct{ URL, Description string }
	u.do("GET", c.Backends[1]+"/api/v1/media/"+id, "", nil, &m)
	if m.URL != mediaURL || m.Description != "uploaded through A" {
		t.Fatalf("process B lists the upload as %+v", m)
	}
	want := mime.TypeByExtension(path.Ext(name))
	for _, base := range []string{c.Backends[1], tg.URL} {
		for _, fetcher := range []struct{ ua, accept string }{
			{"", "application/activity+json"},         // Bridgy Fed, Bluesky's CDN
			{"Bluesky Cardyb/1.1", "*/*"},             // link cards
			{"http.rb/5.1.1 (Mastodon/4.3.0)", "*/*"}, // Mastodon's media fetcher
		} {
			req, _ := http.NewRequest("GET", base+"/media/"+name, nil)
			req.Host = tg.Host
			req.Header.Set("User-Agent", fetcher.ua)
			req.Header.Set("Accept", fetcher.accept)
			resp, err := tg.Client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != want ||
				resp.Header.Get("X-Content-Type-Options") != "nosniff" || !bytes.Equal(body, stored) {
				t.Errorf("%s/media/%s as %q: %s %q nosniff=%q, %d bytes (want %q, %d bytes)", base, name, fetcher.ua,
					resp.Status, resp.Header.Get("Content-Type"), resp.Header.Get("X-Content-Type-Options"),
					len(body), want, len(stored))
			}
		}
	}
}
