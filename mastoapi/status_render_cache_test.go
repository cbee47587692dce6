package mastoapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"

	"github.com/gorilla/mux"

	"github.com/pictor-social/pictor/mastoapi"
	"github.com/pictor-social/pictor/store"
)

// The rendered-status cache (entities_status_cache.go) keeps the
// viewer-independent part of statuses: the cached path must write the
// same bytes as rendering from scratch, for every viewer, whoever's
// request filled the cache, and after every kind of change.
func TestStatusRenderCacheWritesTheSameBytes(t *testing.T) {
	e := start(t)
	alice, aTok := e.login(t, "alice", "read write follow")
	bob, bTok := e.login(t, "bob", "read write follow")
	_, cTok := e.login(t, "carol", "read write follow")
	aliceID, bobID := store.FormatID(alice.ID), store.FormatID(bob.ID)
	e.call(t, req{method: "POST", path: "/api/v1/accounts/" + aliceID + "/follow", token: bTok}, 200, nil)

	// Two handlers over the same store and options, one without the cache.
	newAPI := func(cache bool) string {
		h := mastoapi.New(e.DB, e.OAuth, e.Social, e.Hub, nil, mastoapi.Options{BaseURL: e.URL, RateLimit: -1})
		if !cache {
			mastoapi.DisableStatusCache(h)
		}
		r := mux.NewRouter()
		h.Routes(r)
		ts := httptest.NewServer(r)
		t.Cleanup(ts.Close)
		if cache {
			t.Cleanup(func() {
				if mastoapi.RenderedStatuses(h) == 0 {
					t.Error("the cached handler cached nothing")
				}
			})
		}
		return ts.URL
	}
	cached, uncached := newAPI(true), newAPI(false)

	// Every part of a status: media with a CW, mentions, tags, a poll the
	// follower voted in, a reply, a pin, a boost, a remix, a filter match,
	// an edit, a private post, the follower's favourite and bookmark.
	media := e.upload(t, aTok, "a described picture")
	withMedia := e.postJSON(t, aTok, map[string]any{"status": "look #pics @carol", "media_ids": []string{media},
		"sensitive": true, "spoiler_text": "a CW"})
	poll := e.postJSON(t, aTok, map[string]any{"status": "which? \"quoted\" <b>", "poll": map[string]any{
		"options": []string{"one", "two"}, "expires_in": 3600}})
	reply := e.postJSON(t, aTok, map[string]any{"status": "a reply with a secret", "in_reply_to_id": withMedia})
	priv := e.postJSON(t, aTok, map[string]any{"status": "followers only #pics", "visibility": "private"})
	edited := e.postJSON(t, aTok, map[string]any{"status": "before the edit"})
	e.call(t, req{method: "PUT", path: "/api/v1/statuses/" + edited, token: aTok, json: map[string]any{"status": "after the edit #pics"}}, 200, nil)
	e.call(t, req{method: "POST", path: "/api/v1/statuses/" + withMedia + "/pin", token: aTok}, 200, nil)
	e.call(t, req{method: "POST", path: "/api/v1/statuses/" + withMedia + "/favourite", token: bTok}, 200, nil)
	e.call(t, req{method: "POST", path: "/api/v1/statuses/" + poll + "/bookmark", token: bTok}, 200, nil)
	e.call(t, req{method: "POST", path: "/api/v1/statuses/" + poll + "/reblog", token: bTok}, 200, nil)
	var pollJSON map[string]any
	e.call(t, req{method: "GET", path: "/api/v1/statuses/" + poll, token: bTok}, 200, &pollJSON)
	e.call(t, req{method: "POST", path: "/api/v1/polls/" + pollJSON["poll"].(map[string]any)["id"].(string) + "/votes", token: bTok,
		json: map[string]any{"choices": []string{"1"}}}, 200, nil)
	e.call(t, req{method: "POST", path: "/api/v2/filters", token: bTok, json: map[string]any{"title": "secrets",
		"context": []string{"home", "public", "account", "thread"}, "filter_action": "warn",
		"keywords_attributes": []map[string]any{{"keyword": "secret"}}}}, 200, nil)
	remix := e.postJSON(t, aTok, map[string]any{"status": "a remix"})
	ctx := context.Background()
	if err := e.DB.Write(ctx, func(tx *store.Tx) error {
		return tx.InsertRemix(ctx, store.Remix{StatusID: mustID(t, remix), SourceID: mustID(t, priv), SourceURI: "https://x.test/s/1"})
	}); err != nil {
		t.Fatal(err)
	}

	paths := []string{"/api/v1/accounts/" + aliceID + "/statuses", "/api/v1/accounts/" + bobID + "/statuses",
		"/api/v1/accounts/" + aliceID + "/statuses?pinned=true", "/api/v1/timelines/home", "/api/v1/timelines/public",
		"/api/v1/timelines/public?local=true", "/api/v1/timelines/tag/pics", "/api/v1/statuses/" + withMedia,
		"/api/v1/statuses/" + reply + "/context", "/api/v1/statuses/" + remix, "/api/v1/bookmarks", "/api/v1/favourites"}
	compare := func(stage string) {
		t.Helper()
		for _, path := range paths {
			for _, tok := range []string{aTok, bTok, cTok, ""} {
				want := getAny(t, uncached+path, tok)
				for i := 0; i < 2; i++ { // the second from the cache, whoever filled it
					if got := getAny(t, cached+path, tok); !bytes.Equal(got, want) {
						t.Fatalf("%s: %s for token %q, call %d:\ncached   %s\nuncached %s", stage, path, tok, i, got, want)
					}
				}
			}
		}
	}
	compare("first")

	// Concurrent readers share entries (run with -race).
	want := getAny(t, uncached+paths[0], bTok)
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 5; j++ {
				r, _ := http.NewRequest("GET", cached+paths[0], nil)
				r.Header.Set("Authorization", "Bearer "+bTok)
				resp, err := http.DefaultClient.Do(r)
				if err != nil {
					errs <- err.Error()
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if got := append([]byte(strconv.Itoa(resp.StatusCode)+" "), b...); !bytes.Equal(got, want) {
					errs <- string(got)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Errorf("concurrent read: %.300s", e)
	}

	// The follower's marks never reach another viewer through the cache
	// (the byte comparison above shows it too).
	view := func(tok, id string) map[string]any {
		var m map[string]any
		if err := json.Unmarshal(rawGet(t, cached+"/api/v1/statuses/"+id, tok), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	if b, c := view(bTok, withMedia), view(cTok, withMedia); b["favourited"] != true || c["favourited"] != false || c["pinned"] != nil {
		t.Errorf("favourited: bob %v, carol %v (pinned %v)", b["favourited"], c["favourited"], c["pinned"])
	}
	if b, c := view(bTok, poll), view(cTok, poll); b["poll"].(map[string]any)["voted"] != true ||
		c["poll"].(map[string]any)["voted"] != false || c["bookmarked"] != false {
		t.Errorf("poll: bob %v, carol %v", b["poll"], c["poll"])
	}
	if a, c := view(aTok, remix), view(cTok, remix); a["pictor"].(map[string]any)["remix_of"].(map[string]any)["id"] == nil ||
		c["pictor"].(map[string]any)["remix_of"].(map[string]any)["id"] != nil {
		t.Errorf("remix_of: alice %v, carol %v", a["pictor"], c["pictor"])
	}

	// Changes: a second edit, a media description, counts, a deletion.
	e.call(t, req{method: "PUT", path: "/api/v1/statuses/" + withMedia, token: aTok, json: map[string]any{
		"status": "look again #pics @carol", "media_ids": []string{media},
		"media_attributes": []map[string]any{{"id": media, "description": "a new description"}}}}, 200, nil)
	e.call(t, req{method: "POST", path: "/api/v1/statuses/" + withMedia + "/favourite", token: cTok}, 200, nil)
	e.call(t, req{method: "POST", path: "/api/v1/statuses/" + withMedia + "/unfavourite", token: bTok}, 200, nil)
	e.call(t, req{method: "DELETE", path: "/api/v1/statuses/" + edited, token: aTok}, 200, nil)
	compare("after changes")
}

func (e *env) postJSON(t *testing.T, tok string, body map[string]any) string {
	t.Helper()
	var st map[string]any
	e.call(t, req{method: "POST", path: "/api/v1/statuses", token: tok, json: body}, 200, &st)
	return st["id"].(string)
}

func mustID(t *testing.T, s string) int64 {
	t.Helper()
	id, ok := store.ParseID(s)
	if !ok {
		t.Fatalf("bad id %q", s)
	}
	return id
}

// rawGet returns the body of a 200 answer to a GET of u.
func rawGet(t *testing.T, u, tok string) []byte {
	t.Helper()
	b := getAny(t, u, tok)
	if !bytes.HasPrefix(b, []byte("200 ")) {
		t.Fatalf("GET %s: %s", u, b)
	}
	return b[4:]
}

// getAny returns the status code, a space and the body of the answer to a
// GET of u.
func getAny(t *testing.T, u, tok string) []byte {
	t.Helper()
	r, _ := http.NewRequest("GET", u, nil)
	if tok != "" {
		r.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return append([]byte(strconv.Itoa(resp.StatusCode)+" "), b...)
}
