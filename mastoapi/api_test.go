package mastoapi_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func TestScopesAndTokens(t *testing.T) {
	e := start(t)
	_, readTok := e.login(t, "alice", "read")
	_, writeTok := e.login(t, "bob", "read write")
	body := map[string]any{"status": "hello"}
	cases := []struct {
		name  string
		token string
		want  int
	}{
		{"no token", "", http.StatusUnauthorized},
		{"unknown token", "not-a-token", http.StatusUnauthorized},
		{"read token cannot post", readTok, http.StatusForbidden},
		{"write token posts", writeTok, http.StatusOK},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out map[string]any
			e.call(t, req{method: "POST", path: "/api/v1/statuses", token: tc.token, json: body}, tc.want, &out)
			if tc.want != http.StatusOK {
				if msg, _ := out["error"].(string); msg == "" {
					t.Fatalf("error body %v has no error message", out)
				}
			}
		})
	}
	// Reading works with the read token; revocation takes effect at once.
	e.call(t, req{method: "GET", path: "/api/v1/timelines/home", token: readTok}, 200, nil)
	e.call(t, req{method: "GET", path: "/api/v1/accounts/verify_credentials", token: readTok}, 200, nil)
}

var linkRE = regexp.MustCompile(`<([^>]+)>; rel="(next|prev)"`)

// links parses a Link header into rel → URL.
func links(t *testing.T, resp *http.Response) map[string]*url.URL {
	t.Helper()
	out := map[string]*url.URL{}
	for _, m := range linkRE.FindAllStringSubmatch(resp.Header.Get("Link"), -1) {
		u, err := url.Parse(m[1])
		if err != nil {
			t.Fatal(err)
		}
		out[m[2]] = u
	}
	return out
}

func statusIDs(list []map[string]any) []string {
	var out []string
	for _, s := range list {
		out = append(out, s["id"].(string))
	}
	return out
}

func TestHomeTimelinePaginationAndLinks(t *testing.T) {
	e := start(t)
	_, tok := e.login(t, "alice", "read write")
	var ids []string // oldest first
	for i := 0; i < 5; i++ {
		ids = append(ids, e.post(t, tok, fmt.Sprintf("post %d", i))["id"].(string))
	}
	page := func(q string) ([]string, map[string]*url.URL) {
		t.Helper()
		var list []map[string]any
		resp := e.call(t, req{method: "GET", path: "/api/v1/timelines/home" + q, token: tok}, 200, &list)
		return statusIDs(list), links(t, resp)
	}
	got, l := page("?limit=2")
	if fmt.Sprint(got) != fmt.Sprint([]string{ids[4], ids[3]}) {
		t.Fatalf("first page %v", got)
	}
	if l["next"] == nil || l["next"].Query().Get("max_id") != ids[3] || l["next"].Query().Get("limit") != "2" {
		t.Fatalf("next link %v", l["next"])
	}
	if l["prev"] == nil || l["prev"].Query().Get("min_id") != ids[4] {
		t.Fatalf("prev link %v", l["prev"])
	}
	if !strings.HasPrefix(l["next"].String(), e.URL+"/api/v1/timelines/home?") {
		t.Fatalf("next link is not absolute: %s", l["next"])
	}
	// Follow next links to the end: a short page has no next link.
	got, l = page("?" + l["next"].RawQuery)
	if fmt.Sprint(got) != fmt.Sprint([]string{ids[2], ids[1]}) {
		t.Fatalf("second page %v", got)
	}
	got, l = page("?" + l["next"].RawQuery)
	if fmt.Sprint(got) != fmt.Sprint([]string{ids[0]}) || l["next"] != nil {
		t.Fatalf("last page %v, next %v", got, l["next"])
	}
	// min_id gives the page just newer, still newest first; since_id the newest.
	got, _ = page("?min_id=" + ids[1] + "&limit=2")
	if fmt.Sprint(got) != fmt.Sprint([]string{ids[3], ids[2]}) {
		t.Fatalf("min_id page %v", got)
	}
	got, _ = page("?since_id=" + ids[1] + "&limit=2")
	if fmt.Sprint(got) != fmt.Sprint([]string{ids[4], ids[3]}) {
		t.Fatalf("since_id page %v", got)
	}
	// Nothing newer: empty list, no Link header.
	got, l = page("?min_id=" + ids[4])
	if len(got) != 0 || len(l) != 0 {
		t.Fatalf("after newest: %v %v", got, l)
	}
	// Limits are clamped to 1..40; junk ids are ignored as Mastodon does.
	got, _ = page("?limit=0")
	if len(got) != 1 {
		t.Fatalf("limit=0 gave %d", len(got))
	}
	got, _ = page("?limit=1000&max_id=abc")
	if len(got) != 5 {
		t.Fatalf("limit=1000 gave %d", len(got))
	}
}

func TestBadInput(t *testing.T) {
	e := start(t)
	_, tok := e.login(t, "alice", "read write follow")
	big := strings.Repeat("a", 2<<20)
	cases := []struct {
		name string
		rq   req
		want int
	}{
		{"unknown status", req{method: "GET", path: "/api/v1/statuses/12345"}, 404},
		{"malformed status id", req{method: "GET", path: "/api/v1/statuses/abc"}, 404},
		{"unknown account", req{method: "GET", path: "/api/v1/accounts/999"}, 404},
		{"unknown media", req{method: "GET", path: "/api/v1/media/999"}, 404},
		{"unknown notification", req{method: "GET", path: "/api/v1/notifications/999"}, 404},
		{"follow unknown account", req{method: "POST", path: "/api/v1/accounts/999/follow"}, 404},
		{"favourite unknown status", req{method: "POST", path: "/api/v1/statuses/999/favourite"}, 404},
		{"malformed JSON", req{method: "POST", path: "/api/v1/statuses", raw: `{"status": "x"`, rawType: "application/json"}, 400},
		{"malformed form", req{method: "POST", path: "/api/v1/statuses", raw: `status=%zz`, rawType: "application/x-www-form-urlencoded"}, 400},
		{"oversize body", req{method: "POST", path: "/api/v1/statuses", form: url.Values{"status": {big}}}, 413},
		{"empty status", req{method: "POST", path: "/api/v1/statuses", json: map[string]any{"status": ""}}, 422},
		{"bad visibility", req{method: "POST", path: "/api/v1/statuses", json: map[string]any{"status": "x", "visibility": "secret"}}, 422},
		{"too long", req{method: "POST", path: "/api/v1/statuses", json: map[string]any{"status": strings.Repeat("x", 501)}}, 422},
		{"unknown media id", req{method: "POST", path: "/api/v1/statuses", json: map[string]any{"status": "x", "media_ids": []string{"1"}}}, 422},
		{"garbage media id", req{method: "POST", path: "/api/v1/statuses", json: map[string]any{"status": "x", "media_ids": []string{"x"}}}, 422},
		{"poll", req{method: "POST", path: "/api/v1/statuses", json: map[string]any{"status": "x", "poll": map[string]any{"options": []string{"a", "b"}}}}, 422},
		{"upload without file", req{method: "POST", path: "/api/v2/media", multipart: map[string]string{"description": "x"}}, 422},
		{"upload not an image", req{method: "POST", path: "/api/v2/media", files: map[string][]byte{"file": []byte("just text, no image")}}, 422},
		{"upload decompression bomb", req{method: "POST", path: "/api/v2/media", files: map[string][]byte{"file": bombPNG(t)}}, 422},
		{"upload oversize", req{method: "POST", path: "/api/v1/media", files: map[string][]byte{"file": make([]byte, 17<<20)}}, 413},
		{"bad focus", req{method: "POST", path: "/api/v2/media", files: map[string][]byte{"file": testPNG(t, 8, 8)}, multipart: map[string]string{"focus": "2,0"}}, 422},
		{"bad marker id", req{method: "POST", path: "/api/v1/markers", json: map[string]any{"home": map[string]any{"last_read_id": "x"}}}, 422},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.rq.token = tok
			var out map[string]any
			e.call(t, tc.rq, tc.want, &out)
			if msg, _ := out["error"].(string); msg == "" {
				t.Fatalf("error body %v lacks an error message", out)
			}
		})
	}
}

func TestCORSPreflightOnStatuses(t *testing.T) {
	e := start(t)
	resp := e.do(t, req{method: "OPTIONS", path: "/api/v1/statuses", header: map[string]string{
		"Origin": "https://elk.zone", "Access-Control-Request-Method": "POST",
		"Access-Control-Request-Headers": "authorization,content-type,idempotency-key"}})
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent && resp.StatusCode != http.StatusOK {
		t.Fatalf("preflight status %d", resp.StatusCode)
	}
	h := resp.Header
	if h.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(h.Get("Access-Control-Allow-Methods"), "POST") ||
		!strings.Contains(strings.ToLower(h.Get("Access-Control-Allow-Headers")), "idempotency-key") {
		t.Fatalf("preflight headers %v", h)
	}
	_, tok := e.login(t, "alice", "read")
	resp = e.call(t, req{method: "GET", path: "/api/v1/timelines/home", token: tok, header: map[string]string{"Origin": "https://elk.zone"}}, 200, nil)
	if !strings.Contains(resp.Header.Get("Access-Control-Expose-Headers"), "Link") || resp.Header.Get("X-RateLimit-Limit") == "" ||
		resp.Header.Get("X-RateLimit-Remaining") == "" {
		t.Fatalf("response headers %v", resp.Header)
	}
}
