package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pictor-social/pictor/server/servertest"
)

var candidateRE = regexp.MustCompile(`type="checkbox" name="media" value="([0-9]+)"( checked)?`)

// The compose page asks for four images; the job page shows them as a grid
// of checkboxes, each with its own alt text; two are posted in one status.
func TestJobPagePicksSeveralCandidates(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	srv.CreateUser(t, "alice", "")
	b := newBrowser(t, srv)
	b.signIn("alice")
	p := b.get("/compose")
	mustContain(t, p, `<select name="n">`, `<option value="4">`)
	p = b.post("/compose/generate", url.Values{"csrf_token": {csrf(t, p)}, "prompt": {"four pears"}, "n": {"4"}})
	m := jobPathRE.FindStringSubmatch(p.Location)
	if p.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("generate: %d %q", p.Status, p.Location)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute) // four 1024² images under -race on a busy machine
	defer cancel()
	if _, err := srv.Gen.Wait(ctx, m[1], 4*time.Minute, nil); err != nil {
		t.Fatal(err)
	}
	p = b.get(p.Location)
	picks := candidateRE.FindAllStringSubmatch(p.Body, -1)
	if len(picks) != 4 || picks[0][2] == "" || picks[1][2] != "" {
		t.Fatalf("%d candidates (first checked: %v)\n%.3000s", len(picks), len(picks) > 0 && picks[0][2] != "", p.Body)
	}
	mustContain(t, p, "Pick one or several images", `name="alt-`+picks[3][1]+`"`, "Alt text of image 4")
	token := csrf(t, p)
	form := url.Values{"csrf_token": {token}, "media": {picks[1][1], picks[3][1]}, "alt-" + picks[1][1]: {"Pear two"},
		"alt-" + picks[3][1]: {""}, "visibility": {"public"}}
	res := b.post("/compose/jobs/"+m[1]+"/post", form)
	if res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("a picked image without alt text was accepted: %d", res.Status)
	}
	// The form comes back with the visitor's picks and texts.
	again := candidateRE.FindAllStringSubmatch(res.Body, -1)
	if len(again) != 4 || again[0][2] != "" || again[1][2] == "" || again[3][2] == "" || !strings.Contains(res.Body, "Pear two</textarea>") {
		t.Fatalf("re-rendered form lost the picks:\n%.3000s", res.Body)
	}
	form.Set("alt-"+picks[3][1], "Pear four")
	res = b.post("/compose/jobs/"+m[1]+"/post", form)
	if res.Status != http.StatusSeeOther {
		t.Fatalf("post: %d\n%.2000s", res.Status, res.Body)
	}
	post := b.get(res.Location)
	mustContain(t, post, "Pear two", "Pear four", "AIGenerated")
	if n := strings.Count(post.Body, `/media/`); n < 2 {
		t.Fatalf("post page shows %d media links", n)
	}
	// The two left are still offered.
	if left := candidateRE.FindAllStringSubmatch(b.get("/compose/jobs/"+m[1]).Body, -1); len(left) != 2 {
		t.Fatalf("%d candidates left, want 2", len(left))
	}
}
