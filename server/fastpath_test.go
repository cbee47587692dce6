package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"testing"

	"github.com/pictor-social/pictor/server/servertest"
)

// WebFinger, NodeInfo and the actor carry an ETag of their exact bytes and
// answer 304 with no body to a request naming it; a changed document gets a
// new tag; the HTML and AS2 representations of /users/{name} never share
// one; errors and redirects pass through unchanged.
func TestConditionalGETOnHotDocuments(t *testing.T) {
	s := servertest.Start(t, servertest.Options{})
	token := accessToken(t, s, "alice")
	host := s.URL[len("https://"):]
	get := func(path, accept, inm string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest("GET", s.URL+path, nil)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		if inm != "" {
			req.Header.Set("If-None-Match", inm)
		}
		resp, err := s.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	const as2 = "application/activity+json"
	for _, tc := range []struct{ path, accept string }{
		{"/.well-known/webfinger?resource=acct:alice@" + host, ""},
		{"/nodeinfo/2.0", ""},
		{"/nodeinfo/2.1", ""},
		{"/users/alice", as2},
	} {
		resp, body := get(tc.path, tc.accept, "")
		etag := resp.Header.Get("ETag")
		if resp.StatusCode != 200 || etag == "" || len(body) == 0 || resp.Header.Get("Content-Length") != strconv.Itoa(len(body)) {
			t.Fatalf("%s: %d, ETag %q, Content-Length %q for %d bytes", tc.path, resp.StatusCode, etag,
				resp.Header.Get("Content-Length"), len(body))
		}
		resp, body = get(tc.path, tc.accept, etag)
		if resp.StatusCode != http.StatusNotModified || len(body) != 0 || resp.Header.Get("ETag") != etag {
			t.Errorf("%s with If-None-Match: %d, %d bytes, ETag %q", tc.path, resp.StatusCode, len(body), resp.Header.Get("ETag"))
		}
		resp, _ = get(tc.path, tc.accept, `"other", W/`+etag)
		if resp.StatusCode != http.StatusNotModified {
			t.Errorf("%s with a weak tag in a list: %d", tc.path, resp.StatusCode)
		}
		resp, _ = get(tc.path, tc.accept, `"stale"`)
		if resp.StatusCode != 200 {
			t.Errorf("%s with a stale tag: %d", tc.path, resp.StatusCode)
		}
	}

	// A changed actor gets a new tag: the old one no longer answers 304.
	resp, _ := get("/users/alice", as2, "")
	old := resp.Header.Get("ETag")
	req, _ := http.NewRequest("PATCH", s.URL+"/api/v1/accounts/update_credentials?display_name=Renamed", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if r, err := s.Client.Do(req); err != nil || r.StatusCode != 200 {
		t.Fatalf("update_credentials: %v %v", r, err)
	} else {
		r.Body.Close()
	}
	resp, body := get("/users/alice", as2, old)
	if resp.StatusCode != 200 || resp.Header.Get("ETag") == old || len(body) == 0 {
		t.Errorf("changed actor: %d, ETag %q (old %q)", resp.StatusCode, resp.Header.Get("ETag"), old)
	}

	// The HTML side of /users/alice is a redirect, untouched, never 304.
	resp, _ = get("/users/alice", "text/html", old)
	if resp.StatusCode == http.StatusNotModified || resp.Header.Get("ETag") != "" {
		t.Errorf("HTML request: %d, ETag %q", resp.StatusCode, resp.Header.Get("ETag"))
	}
	// Errors keep their status and JSON body.
	resp, body = get("/users/nobody", as2, "")
	if resp.StatusCode != 404 || resp.Header.Get("ETag") != "" || len(body) == 0 {
		t.Errorf("unknown actor: %d, ETag %q, %s", resp.StatusCode, resp.Header.Get("ETag"), body)
	}
	resp, _ = get("/nodeinfo/3.0", "", "")
	if resp.StatusCode != 404 {
		t.Errorf("unknown nodeinfo schema: %d", resp.StatusCode)
	}
}

// NodeInfo is encoded once per change of its counts: the same bytes (and
// ETag) until a local post is published, then the new count at once.
func TestNodeInfoRenderedOncePerCount(t *testing.T) {
	s := servertest.Start(t, servertest.Options{})
	token := accessToken(t, s, "alice")
	read := func() (string, float64) {
		t.Helper()
		resp, err := s.Client.Get(s.URL + "/nodeinfo/2.1")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var doc struct {
			Usage struct {
				LocalPosts float64 `json:"localPosts"`
			} `json:"usage"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
			t.Fatal(err)
		}
		return resp.Header.Get("ETag"), doc.Usage.LocalPosts
	}
	etag, posts := read()
	if again, _ := read(); again != etag || posts != 0 {
		t.Fatalf("unchanged NodeInfo re-rendered: %q then %q, %v posts", etag, again, posts)
	}
	req, _ := http.NewRequest("POST", s.URL+"/api/v1/statuses?status=hello", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if r, err := s.Client.Do(req); err != nil || r.StatusCode != 200 {
		t.Fatalf("post: %v %v", r, err)
	} else {
		r.Body.Close()
	}
	if now, posts := read(); now == etag || posts != 1 {
		t.Fatalf("after a post: ETag %q (was %q), %v posts", now, etag, posts)
	}
}
