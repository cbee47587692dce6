package mastoapi_test

import (
	"context"
	"testing"

	"github.com/pictor-social/pictor/store"
)

// The status cache (store.StatusExtrasByIDs) shares the viewer-independent
// part of a status between viewers: a private post rendered for its author
// must stay invisible to a stranger on every path, and the viewer's own
// marks never carry over to another viewer.
func TestStatusCacheNeverShowsAViewerWhatTheyMayNotSee(t *testing.T) {
	e := start(t)
	alice, aTok := e.login(t, "alice", "read write")
	_, bTok := e.login(t, "bob", "read write follow")
	_, cTok := e.login(t, "carol", "read write")
	aliceID := store.FormatID(alice.ID)
	e.call(t, req{method: "POST", path: "/api/v1/accounts/" + aliceID + "/follow", token: bTok}, 200, nil)

	media := e.upload(t, aTok, "a secret picture")
	var priv map[string]any
	e.call(t, req{method: "POST", path: "/api/v1/statuses", token: aTok, json: map[string]any{
		"status": "friends only #secretcache", "visibility": "private", "media_ids": []string{media}}}, 200, &priv)
	id := priv["id"].(string)
	e.call(t, req{method: "POST", path: "/api/v1/statuses/" + id + "/favourite", token: aTok}, 200, nil)
	e.call(t, req{method: "POST", path: "/api/v1/statuses/" + id + "/bookmark", token: aTok}, 200, nil)

	// Rendered for the author (the cache now holds its media, tags, counts).
	var got map[string]any
	e.call(t, req{method: "GET", path: "/api/v1/statuses/" + id, token: aTok}, 200, &got)
	if got["favourited"] != true || got["bookmarked"] != true || got["favourites_count"] != float64(1) ||
		len(got["media_attachments"].([]any)) != 1 {
		t.Fatalf("author's view %v", got)
	}
	var list []map[string]any
	e.call(t, req{method: "GET", path: "/api/v1/timelines/home", token: aTok}, 200, &list)
	if len(list) != 1 {
		t.Fatalf("author's home %v", statusIDs(list))
	}

	// A stranger: 404 on the status and its context, absent from every list.
	e.call(t, req{method: "GET", path: "/api/v1/statuses/" + id, token: cTok}, 404, nil)
	e.call(t, req{method: "GET", path: "/api/v1/statuses/" + id}, 404, nil)
	e.call(t, req{method: "GET", path: "/api/v1/statuses/" + id + "/context", token: cTok}, 404, nil)
	for _, path := range []string{"/api/v1/accounts/" + aliceID + "/statuses", "/api/v1/timelines/public",
		"/api/v1/timelines/public?local=true", "/api/v1/timelines/tag/secretcache", "/api/v1/timelines/home",
		"/api/v1/favourites", "/api/v1/bookmarks"} {
		e.call(t, req{method: "GET", path: path, token: cTok}, 200, &list)
		if len(list) != 0 {
			t.Errorf("carol sees %v at %s", statusIDs(list), path)
		}
	}

	// A follower sees it, with their own marks, not the author's.
	e.call(t, req{method: "GET", path: "/api/v1/statuses/" + id, token: bTok}, 200, &got)
	if got["favourited"] != false || got["bookmarked"] != false || got["favourites_count"] != float64(1) {
		t.Fatalf("follower's view %v", got)
	}
	e.call(t, req{method: "GET", path: "/api/v1/timelines/home", token: bTok}, 200, &list)
	if len(list) != 1 || list[0]["favourited"] != false || list[0]["bookmarked"] != false {
		t.Fatalf("follower's home %v", list)
	}
}

// What the API renders from the cache follows every change at once: an
// edit, a media description, a favourite, a delete, the author's rename and
// suspension.
func TestStatusCacheFollowsWritesThroughTheAPI(t *testing.T) {
	e := start(t)
	alice, aTok := e.login(t, "alice", "read write")
	_, bTok := e.login(t, "bob", "read write")
	ctx := context.Background()

	media := e.upload(t, aTok, "first description")
	var st map[string]any
	e.call(t, req{method: "POST", path: "/api/v1/statuses", token: aTok, json: map[string]any{
		"status": "hello #one", "media_ids": []string{media}}}, 200, &st)
	id := st["id"].(string)
	get := func() map[string]any {
		var got map[string]any
		e.call(t, req{method: "GET", path: "/api/v1/statuses/" + id, token: bTok}, 200, &got)
		return got
	}
	get() // fill the cache

	// Edit: new text, tags and media description.
	e.call(t, req{method: "PUT", path: "/api/v1/statuses/" + id, token: aTok, json: map[string]any{
		"status": "hello #two", "media_ids": []string{media},
		"media_attributes": []map[string]any{{"id": media, "description": "second description"}}}}, 200, nil)
	got := get()
	tags := got["tags"].([]any)
	if len(tags) != 1 || tags[0].(map[string]any)["name"] != "two" {
		t.Errorf("edited tags %v", got["tags"])
	}
	if d := got["media_attachments"].([]any)[0].(map[string]any)["description"]; d != "second description" {
		t.Errorf("edited media description %v", d)
	}

	// Favourite count.
	e.call(t, req{method: "POST", path: "/api/v1/statuses/" + id + "/favourite", token: bTok}, 200, nil)
	if got := get(); got["favourites_count"] != float64(1) || got["favourited"] != true {
		t.Errorf("after favourite %v / %v", got["favourites_count"], got["favourited"])
	}
	e.call(t, req{method: "POST", path: "/api/v1/statuses/" + id + "/unfavourite", token: bTok}, 200, nil)
	if got := get(); got["favourites_count"] != float64(0) || got["favourited"] != false {
		t.Errorf("after unfavourite %v / %v", got["favourites_count"], got["favourited"])
	}

	// Author renamed.
	e.call(t, req{method: "PATCH", path: "/api/v1/accounts/update_credentials", token: aTok,
		json: map[string]any{"display_name": "Alice Renamed"}}, 200, nil)
	if got := get(); got["account"].(map[string]any)["display_name"] != "Alice Renamed" {
		t.Errorf("after rename %v", got["account"])
	}

	// Deleted: gone for everyone.
	var second map[string]any
	e.call(t, req{method: "POST", path: "/api/v1/statuses", token: aTok, json: map[string]any{"status": "bye"}}, 200, &second)
	e.call(t, req{method: "GET", path: "/api/v1/statuses/" + second["id"].(string), token: bTok}, 200, nil)
	e.call(t, req{method: "DELETE", path: "/api/v1/statuses/" + second["id"].(string), token: aTok}, 200, nil)
	e.call(t, req{method: "GET", path: "/api/v1/statuses/" + second["id"].(string), token: bTok}, 404, nil)

	// Author suspended: the status is not found and leaves the public, local
	// and hashtag timelines (Mastodon hides a suspended account's statuses);
	// lifting the suspension brings it back, rendered from fresh data.
	suspend := func(on bool) {
		t.Helper()
		if err := e.DB.Write(ctx, func(tx *store.Tx) error { return tx.SetAccountSuspended(ctx, alice.ID, on) }); err != nil {
			t.Fatal(err)
		}
	}
	listed := func(path string) bool {
		t.Helper()
		var list []map[string]any
		e.call(t, req{method: "GET", path: path, token: bTok}, 200, &list)
		for _, s := range list {
			if s["id"] == id {
				return true
			}
		}
		return false
	}
	timelines := []string{"/api/v1/timelines/public", "/api/v1/timelines/public?local=true", "/api/v1/timelines/tag/two"}
	for _, path := range timelines {
		if !listed(path) {
			t.Errorf("%s does not list the status before the suspension", path)
		}
	}
	var boost map[string]any
	e.call(t, req{method: "POST", path: "/api/v1/statuses/" + id + "/reblog", token: bTok}, 200, &boost)
	suspend(true)
	e.call(t, req{method: "GET", path: "/api/v1/statuses/" + id, token: bTok}, 404, nil)
	e.call(t, req{method: "GET", path: "/api/v1/statuses/" + boost["id"].(string), token: bTok}, 404, nil)
	e.call(t, req{method: "GET", path: "/api/v1/statuses/" + id}, 404, nil)
	for _, path := range timelines {
		if listed(path) {
			t.Errorf("%s lists a suspended account's status", path)
		}
	}
	suspend(false)
	if got := get(); got["account"].(map[string]any)["display_name"] != "Alice Renamed" {
		t.Errorf("after the suspension was lifted %v", got["account"])
	}
	for _, path := range timelines {
		if !listed(path) {
			t.Errorf("%s does not list the status after the suspension was lifted", path)
		}
	}
}
