package mastoapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/store"
)

// filteredTitles returns the filter titles and keyword matches in a
// status's "filtered".
func filteredTitles(t *testing.T, st map[string]any) []string {
	t.Helper()
	list, ok := st["filtered"].([]any)
	if !ok {
		t.Fatalf("status %v has no filtered array", st["id"])
	}
	var out []string
	for _, r := range list {
		m := r.(map[string]any)
		f := m["filter"].(map[string]any)
		if _, has := f["keywords"]; has {
			t.Errorf("FilterResult filter carries keywords: %v", f)
		}
		out = append(out, fmt.Sprintf("%v %v %v", f["title"], m["keyword_matches"], m["status_matches"]))
	}
	return out
}

// filterWorld: alice posts, bob follows her and filters "#AIgenerated"
// (warn) and "cat" (hide).
func filterWorld(t *testing.T) (e *env, aTok, bTok string, bob store.Account) {
	e = start(t)
	alice, aTok := e.login(t, "alice", "read write follow")
	bob, bTok = e.login(t, "bob", "read write follow")
	e.call(t, req{method: "POST", path: "/api/v1/accounts/" + store.FormatID(alice.ID) + "/follow", token: bTok}, 200, nil)
	all := []string{"home", "notifications", "public", "thread", "account"}
	e.call(t, req{method: "POST", path: "/api/v2/filters", token: bTok, json: map[string]any{"title": "AI", "context": all,
		"keywords_attributes": []map[string]any{{"keyword": "#AIgenerated", "whole_word": true}}}}, 200, nil)
	e.call(t, req{method: "POST", path: "/api/v2/filters", token: bTok, json: map[string]any{"title": "cats", "context": all,
		"filter_action": "hide", "keywords_attributes": []map[string]any{{"keyword": "cat", "whole_word": true}}}}, 200, nil)
	return e, aTok, bTok, bob
}

func TestFiltersApplyToTimelines(t *testing.T) {
	e, aTok, bTok, _ := filterWorld(t)
	fox := e.post(t, aTok, "a red fox #AIgenerated")
	cat := e.post(t, aTok, "a plain cat")
	hello := e.post(t, aTok, "hello world")
	timeline := func(path, token string) ([]map[string]any, *http.Response) {
		t.Helper()
		var list []map[string]any
		resp := e.call(t, req{method: "GET", path: path, token: token}, 200, &list)
		return list, resp
	}
	// Home, two at a time: the cat is left out, yet the next link continues
	// after it, so paging neither skips nor repeats.
	list, resp := timeline("/api/v1/timelines/home?limit=2", bTok)
	next := links(t, resp)["next"]
	if fmt.Sprint(statusIDs(list)) != fmt.Sprint([]any{hello["id"]}) || next == nil || next.Query().Get("max_id") != cat["id"] {
		t.Fatalf("home page 1: %v, next %v", statusIDs(list), next)
	}
	list, _ = timeline("/api/v1/timelines/home?"+next.RawQuery, bTok)
	if len(list) != 1 || list[0]["id"] != fox["id"] {
		t.Fatalf("home page 2: %v", statusIDs(list))
	}
	if got := filteredTitles(t, list[0]); fmt.Sprint(got) != "[AI [#AIgenerated] <nil>]" {
		t.Fatalf("fox filtered = %v", got)
	}
	for _, path := range []string{"/api/v1/timelines/public", "/api/v1/accounts/" + fox["account"].(map[string]any)["id"].(string) + "/statuses"} {
		list, _ = timeline(path, bTok)
		if fmt.Sprint(statusIDs(list)) != fmt.Sprint([]any{hello["id"], fox["id"]}) || len(filteredTitles(t, list[0])) != 0 ||
			len(filteredTitles(t, list[1])) != 1 {
			t.Fatalf("%s: %v", path, statusIDs(list))
		}
	}
	list, _ = timeline("/api/v1/timelines/tag/aigenerated", bTok)
	if len(list) != 1 || len(filteredTitles(t, list[0])) != 1 {
		t.Fatalf("tag timeline %v", list)
	}
	// Others are not affected by bob's filters.
	for _, token := range []string{"", aTok} {
		if list, _ = timeline("/api/v1/timelines/public", token); len(list) != 3 || len(filteredTitles(t, list[1])) != 0 {
			t.Fatalf("public for %q: %v", token, statusIDs(list))
		}
	}
	// On its own, a hidden status is shown with the hide filter named.
	var single map[string]any
	e.call(t, req{method: "GET", path: "/api/v1/statuses/" + cat["id"].(string), token: bTok}, 200, &single)
	if got := filteredTitles(t, single); fmt.Sprint(got) != "[cats [cat] <nil>]" {
		t.Fatalf("single cat filtered = %v", got)
	}
}

func TestFiltersApplyToThreadsNotificationsAndBoosts(t *testing.T) {
	e, aTok, bTok, _ := filterWorld(t)
	_, cTok := e.login(t, "carol", "read write")
	root := e.post(t, aTok, "root")
	var reply, reply2 map[string]any
	e.call(t, req{method: "POST", path: "/api/v1/statuses", token: aTok, json: map[string]any{"status": "cat reply",
		"in_reply_to_id": root["id"]}}, 200, &reply)
	e.call(t, req{method: "POST", path: "/api/v1/statuses", token: aTok, json: map[string]any{"status": "#AIgenerated reply",
		"in_reply_to_id": root["id"]}}, 200, &reply2)
	var thread struct{ Descendants []map[string]any }
	e.call(t, req{method: "GET", path: "/api/v1/statuses/" + root["id"].(string) + "/context", token: bTok}, 200, &thread)
	if len(thread.Descendants) != 1 || thread.Descendants[0]["id"] != reply2["id"] || len(filteredTitles(t, thread.Descendants[0])) != 1 {
		t.Fatalf("thread %v", thread.Descendants)
	}
	// Mentions: the cat one is dropped, the AI one carries the warning.
	e.post(t, aTok, "@bob look, a cat")
	warned := e.post(t, aTok, "@bob look #AIgenerated")
	var notes []map[string]any
	e.call(t, req{method: "GET", path: "/api/v1/notifications", token: bTok}, 200, &notes)
	if len(notes) != 1 || notes[0]["status"].(map[string]any)["id"] != warned["id"] ||
		len(filteredTitles(t, notes[0]["status"].(map[string]any))) != 1 {
		t.Fatalf("notifications %v", notes)
	}
	// A boost of a filtered post is filtered as the post is.
	carolCat := e.post(t, cTok, "carol's cat")
	carolFox := e.post(t, cTok, "carol's #AIgenerated fox")
	for _, st := range []map[string]any{carolCat, carolFox} {
		e.call(t, req{method: "POST", path: "/api/v1/statuses/" + st["id"].(string) + "/reblog", token: aTok}, 200, nil)
	}
	var home []map[string]any
	e.call(t, req{method: "GET", path: "/api/v1/timelines/home?limit=1", token: bTok}, 200, &home)
	if len(home) != 1 || home[0]["reblog"].(map[string]any)["id"] != carolFox["id"] || len(filteredTitles(t, home[0])) != 1 ||
		len(filteredTitles(t, home[0]["reblog"].(map[string]any))) != 1 {
		t.Fatalf("home with boosts %v", home)
	}
	e.call(t, req{method: "GET", path: "/api/v1/timelines/home?limit=2", token: bTok}, 200, &home)
	if len(home) != 1 {
		t.Fatalf("the boosted cat was not left out: %v", statusIDs(home))
	}
}

func TestFiltersApplyToStreaming(t *testing.T) {
	e, aTok, bTok, _ := filterWorld(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r, _ := http.NewRequestWithContext(ctx, "GET", e.URL+"/api/v1/streaming/user", nil)
	r.Header.Set("Authorization", "Bearer "+bTok)
	resp, err := e.Client.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	br.ReadString('\n') // the opening comment: subscribed
	events := servertest.SSEEvents(br)
	e.post(t, aTok, "my cat")
	fox := e.post(t, aTok, "#AIgenerated fox")
	var got map[string]any
	if err := json.Unmarshal([]byte(waitEvent(t, events, "update")), &got); err != nil {
		t.Fatal(err)
	}
	if got["id"] != fox["id"] || len(filteredTitles(t, got)) != 1 {
		t.Fatalf("first update %v, want the fox with a filter result", got["content"])
	}
}

// List timelines take the home context's filters, as Mastodon's do.
func TestFiltersApplyToListTimelines(t *testing.T) {
	e, aTok, bTok, _ := filterWorld(t)
	var alice map[string]any
	e.call(t, req{method: "GET", path: "/api/v1/accounts/verify_credentials", token: aTok}, 200, &alice)
	fox := e.post(t, aTok, "a red fox #AIgenerated")
	e.post(t, aTok, "a plain cat")
	hello := e.post(t, aTok, "hello world")
	l := e.createList(t, bTok, map[string]any{"title": "alice"})
	path := "/api/v1/lists/" + l["id"].(string)
	e.call(t, req{method: "POST", path: path + "/accounts", token: bTok,
		json: map[string]any{"account_ids": []any{alice["id"]}}}, 200, nil)
	var list []map[string]any
	e.call(t, req{method: "GET", path: "/api/v1/timelines/list/" + l["id"].(string), token: bTok}, 200, &list)
	if fmt.Sprint(statusIDs(list)) != fmt.Sprint([]any{hello["id"], fox["id"]}) {
		t.Fatalf("list timeline %v, want hello and fox without the hidden cat", statusIDs(list))
	}
	if got := filteredTitles(t, list[1]); len(got) != 1 {
		t.Fatalf("fox filtered = %v", got)
	}
}
