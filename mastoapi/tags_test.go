package mastoapi_test

import (
	"fmt"
	"net/url"
	"testing"
)

func TestFollowedTagBringsPostsIntoHome(t *testing.T) {
	e := start(t)
	_, tok := e.login(t, "alice", "read write follow")
	_, carolTok := e.login(t, "carol", "read write") // alice does not follow carol

	var tag map[string]any
	e.call(t, req{method: "POST", path: "/api/v1/tags/%23Fox/follow", token: tok}, 200, &tag)
	if tag["name"] != "fox" || tag["following"] != true || tag["url"] == nil || tag["id"] == nil {
		t.Fatalf("followed %v", tag)
	}
	e.call(t, req{method: "POST", path: "/api/v1/tags/fox/follow", token: tok}, 200, nil) // idempotent

	public := e.post(t, carolTok, "a #FOX in the snow")["id"].(string)
	var unlisted map[string]any
	e.call(t, req{method: "POST", path: "/api/v1/statuses", token: carolTok,
		json: map[string]any{"status": "quiet #fox", "visibility": "unlisted"}}, 200, &unlisted)
	e.post(t, carolTok, "no tag here")
	home := func() string {
		var list []map[string]any
		e.call(t, req{method: "GET", path: "/api/v1/timelines/home", token: tok}, 200, &list)
		return fmt.Sprint(statusIDs(list))
	}
	if got, want := home(), fmt.Sprint([]string{public}); got != want {
		t.Fatalf("home %s, want %s", got, want)
	}

	var shown map[string]any
	e.call(t, req{method: "GET", path: "/api/v1/tags/Fox", token: tok}, 200, &shown)
	hist, _ := shown["history"].([]any)
	if shown["following"] != true || len(hist) != 7 {
		t.Fatalf("tag %v", shown)
	}
	if today := hist[0].(map[string]any); today["uses"] != "2" || today["accounts"] != "1" || today["day"] == "" {
		t.Fatalf("today %v", today)
	}
	var anon map[string]any
	e.call(t, req{method: "GET", path: "/api/v1/tags/fox"}, 200, &anon)
	if _, ok := anon["following"]; ok {
		t.Fatalf("anonymous tag has following: %v", anon)
	}
	var unseen map[string]any
	e.call(t, req{method: "GET", path: "/api/v1/tags/neverused", token: tok}, 200, &unseen)
	if unseen["name"] != "neverused" || unseen["following"] != false {
		t.Fatalf("unseen tag %v", unseen)
	}
	for _, bad := range []string{"/api/v1/tags/a-b", "/api/v1/tags/123", "/api/v1/tags/" + url.PathEscape("no space")} {
		var body map[string]any
		e.call(t, req{method: "GET", path: bad, token: tok}, 404, &body)
		if body["error"] == nil {
			t.Errorf("%s: %v", bad, body)
		}
	}
	e.call(t, req{method: "POST", path: "/api/v1/tags/a-b/follow", token: tok}, 404, nil)

	e.call(t, req{method: "POST", path: "/api/v1/tags/fox/unfollow", token: tok}, 200, &tag)
	if tag["following"] != false {
		t.Fatalf("unfollowed %v", tag)
	}
	e.post(t, carolTok, "another #fox")
	if got, want := home(), fmt.Sprint([]string{public}); got != want {
		t.Fatalf("home after unfollow %s, want %s", got, want)
	}
}

func TestFollowedTagsPaging(t *testing.T) {
	e := start(t)
	_, tok := e.login(t, "alice", "read write follow")
	for _, name := range []string{"one", "two", "three"} {
		e.call(t, req{method: "POST", path: "/api/v1/tags/" + name + "/follow", token: tok}, 200, nil)
	}
	page := func(q string) ([]string, map[string]*url.URL) {
		var list []map[string]any
		resp := e.call(t, req{method: "GET", path: "/api/v1/followed_tags" + q, token: tok}, 200, &list)
		var names []string
		for _, tg := range list {
			if tg["following"] != true {
				t.Fatalf("followed tag %v", tg)
			}
			names = append(names, tg["name"].(string))
		}
		return names, links(t, resp)
	}
	got, l := page("?limit=2")
	if fmt.Sprint(got) != "[three two]" || l["next"] == nil {
		t.Fatalf("first page %v %v", got, l)
	}
	got, l = page("?" + l["next"].RawQuery)
	if fmt.Sprint(got) != "[one]" || l["next"] != nil {
		t.Fatalf("second page %v %v", got, l)
	}
	got, _ = page("")
	if fmt.Sprint(got) != "[three two one]" {
		t.Fatalf("all %v", got)
	}
}
