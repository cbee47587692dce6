package mastoapi_test

import (
	"fmt"
	"net/url"
	"testing"
)

func TestTrendsStatusesAndTags(t *testing.T) {
	e := start(t)
	_, alice := e.login(t, "alice", "read write")
	_, bob := e.login(t, "bob", "read write")
	_, carol := e.login(t, "carol", "read write")
	image := func(token, text string) string {
		var st map[string]any
		e.call(t, req{method: "POST", path: "/api/v1/statuses", token: token,
			json: map[string]any{"status": text, "media_ids": []string{e.upload(t, token, "a picture")}}}, 200, &st)
		return st["id"].(string)
	}
	a := image(alice, "dusk #Sunset")
	b := image(bob, "dawn #sunset")
	c := image(carol, "a cat #cats")
	textOnly := e.post(t, bob, "words only #words")["id"].(string)
	act := func(token, id, verb string) {
		e.call(t, req{method: "POST", path: "/api/v1/statuses/" + id + "/" + verb, token: token}, 200, nil)
	}
	act(bob, a, "favourite")
	act(carol, a, "reblog") // a: 1 + 2
	act(carol, b, "favourite")
	act(alice, b, "favourite") // b: 2
	act(alice, textOnly, "favourite")
	act(carol, c, "favourite") // c: liked only by its author, which does not count
	statuses := func(q string) ([]string, map[string]*url.URL) {
		var list []map[string]any
		resp := e.call(t, req{method: "GET", path: "/api/v1/trends/statuses" + q}, 200, &list)
		for _, st := range list {
			if m, _ := st["media_attachments"].([]any); len(m) != 1 || st["account"] == nil {
				t.Fatalf("trending status shape %v", st)
			}
		}
		return statusIDs(list), links(t, resp)
	}
	if got, _ := statuses(""); fmt.Sprint(got) != fmt.Sprint([]string{a, b}) {
		t.Fatalf("trending %v, want [%s %s]", got, a, b)
	}
	got, l := statuses("?limit=1")
	if fmt.Sprint(got) != fmt.Sprint([]string{a}) || l["next"] == nil || l["prev"] != nil ||
		l["next"].Query().Get("offset") != "1" {
		t.Fatalf("first page %v %v", got, l)
	}
	got, l = statuses("?" + l["next"].RawQuery)
	if fmt.Sprint(got) != fmt.Sprint([]string{b}) || l["prev"] == nil || l["prev"].Query().Get("offset") != "0" {
		t.Fatalf("second page %v %v", got, l)
	}
	if got, _ = statuses("?limit=1&offset=2"); len(got) != 0 {
		t.Fatalf("third page %v", got)
	}

	for _, path := range []string{"/api/v1/trends/tags", "/api/v1/trends"} {
		var tags []map[string]any
		e.call(t, req{method: "GET", path: path, token: alice}, 200, &tags)
		var names []string
		for _, tg := range tags {
			names = append(names, tg["name"].(string))
			if h, _ := tg["history"].([]any); len(h) != 7 || tg["url"] == nil || tg["following"] != false {
				t.Fatalf("%s: tag shape %v", path, tg)
			}
		}
		if fmt.Sprint(names) != "[sunset cats]" {
			t.Fatalf("%s: tags %v", path, names)
		}
		today := tags[0]["history"].([]any)[0].(map[string]any)
		if today["uses"] != "2" || today["accounts"] != "2" {
			t.Fatalf("%s: sunset today %v", path, today)
		}
	}
	var one []map[string]any
	e.call(t, req{method: "GET", path: "/api/v1/trends/tags?limit=1&offset=1"}, 200, &one)
	if len(one) != 1 || one[0]["name"] != "cats" {
		t.Fatalf("tags page 2: %v", one)
	}
}
