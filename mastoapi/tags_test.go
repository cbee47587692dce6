package mastoapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/pictor-social/pictor/store"
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

// Tag timelines take any[], all[] and none[] (Tusky's multi-hashtag tabs)
// with local, remote and only_media, and page through the merged ranges.
func TestTagTimelineAnyAllNone(t *testing.T) {
	e := start(t)
	alice, tok := e.login(t, "alice", "read write")
	id := func(st map[string]any) string { return st["id"].(string) }
	cats := id(e.post(t, tok, "only #cats"))
	dogs := id(e.post(t, tok, "only #dogs"))
	both := id(e.post(t, tok, "#cats and #dogs"))
	nsfw := id(e.post(t, tok, "#cats #nsfw"))
	var hidden map[string]any
	e.call(t, req{method: "POST", path: "/api/v1/statuses", token: tok, json: map[string]any{"status": "#cats unlisted", "visibility": "unlisted"}}, 200, &hidden)
	var withMedia map[string]any
	e.call(t, req{method: "POST", path: "/api/v1/statuses", token: tok, json: map[string]any{"status": "#birds",
		"media_ids": []string{e.upload(t, tok, "a bird")}}}, 200, &withMedia)
	birds := id(withMedia)
	_, remotePost := e.remoteWithPost(t, "rita", "remote.test", alice)
	ctx := context.Background()
	if err := e.DB.Write(ctx, func(tx *store.Tx) error { return tx.SetStatusTags(ctx, remotePost.ID, []string{"cats"}) }); err != nil {
		t.Fatal(err)
	}
	far := store.FormatID(remotePost.ID)
	cases := []struct {
		query string
		want  []string
	}{
		{"/cats", []string{far, nsfw, both, cats}},
		{"/cats?any[]=dogs", []string{far, nsfw, both, dogs, cats}},
		{"/cats?any[]=dogs&any[]=birds", []string{far, birds, nsfw, both, dogs, cats}},
		{"/cats?all[]=dogs", []string{both}},
		{"/cats?none[]=nsfw&none[]=dogs", []string{far, cats}},
		{"/cats?any[]=dogs&none[]=cats", []string{dogs}},
		{"/cats?all[]=neverused", nil},
		{"/neverused?any[]=dogs", nil}, // Mastodon: an unknown hashtag's timeline is empty
		{"/cats?local=true", []string{nsfw, both, cats}},
		{"/cats?remote=true", []string{far}},
		{"/cats?any[]=birds&only_media=true", []string{birds}},
		{"/cats?any[]=%23Dogs&any[]=bad tag", []string{far, nsfw, both, dogs, cats}},
	}
	for _, c := range cases {
		if got := e.idsAt(t, "", "/api/v1/timelines/tag"+strings.ReplaceAll(c.query, " ", "%20")); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.query, got, c.want)
		}
	}
	if slices.Contains(e.idsAt(t, "", "/api/v1/timelines/tag/cats"), id(hidden)) {
		t.Error("an unlisted post is in the tag timeline")
	}
	// Paging walks the merged ranges without gaps or repeats.
	all := []string{far, birds, nsfw, both, dogs, cats}
	var seen []string
	path := "/api/v1/timelines/tag/cats?any[]=dogs&any[]=birds&limit=2"
	for range 4 {
		resp := e.do(t, req{method: "GET", path: path})
		var list []map[string]any
		json.NewDecoder(resp.Body).Decode(&list)
		resp.Body.Close()
		for _, st := range list {
			seen = append(seen, id(st))
		}
		next := nextLink(resp.Header.Get("Link"))
		if next == "" {
			break
		}
		path = strings.TrimPrefix(next, e.URL)
	}
	if !slices.Equal(seen, all) {
		t.Fatalf("paged %v, want %v", seen, all)
	}
	var newer []map[string]any
	e.call(t, req{method: "GET", path: "/api/v1/timelines/tag/cats?any[]=dogs&min_id=" + both + "&limit=1"}, 200, &newer)
	if len(newer) != 1 || id(newer[0]) != nsfw {
		t.Fatalf("min_id page %v", newer)
	}
}

// nextLink returns the rel="next" URL of a Link header, or "".
func nextLink(h string) string {
	for _, part := range strings.Split(h, ",") {
		if strings.Contains(part, `rel="next"`) {
			u, _, _ := strings.Cut(strings.TrimSpace(part), ">")
			return strings.TrimPrefix(u, "<")
		}
	}
	return ""
}
