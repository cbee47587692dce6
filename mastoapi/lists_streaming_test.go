package mastoapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/store"
)

// openSSE opens a server-sent event stream at path and returns its events.
func (e *env) openSSE(t *testing.T, path, tok string) <-chan [2]string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	r, _ := http.NewRequestWithContext(ctx, "GET", e.URL+path, nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	resp, err := e.Client.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s answered %d", path, resp.StatusCode)
	}
	br := bufio.NewReader(resp.Body)
	if _, err := br.ReadString('\n'); err != nil { // the opening comment: subscribed
		t.Fatal(err)
	}
	return servertest.SSEEvents(br)
}

func updateID(t *testing.T, c <-chan [2]string) string {
	t.Helper()
	var st map[string]any
	if err := json.Unmarshal([]byte(waitEvent(t, c, "update")), &st); err != nil {
		t.Fatal(err)
	}
	return st["id"].(string)
}

func TestStreamingListsExclusiveAndFollowedTags(t *testing.T) {
	e := start(t)
	_, tok := e.login(t, "alice", "read write follow")
	bob, bobTok := e.login(t, "bob", "read write")
	carol, carolTok := e.login(t, "carol", "read write")
	_, daveTok := e.login(t, "dave", "read write")
	e.follow(t, tok, bob.ID)
	e.follow(t, tok, carol.ID)
	e.call(t, req{method: "POST", path: "/api/v1/tags/fox/follow", token: tok}, 200, nil)
	l := e.createList(t, tok, map[string]any{"title": "bob", "exclusive": true})
	lid := l["id"].(string)
	e.call(t, req{method: "POST", path: "/api/v1/lists/" + lid + "/accounts", token: tok,
		json: map[string]any{"account_ids": []string{store.FormatID(bob.ID)}}}, 200, nil)

	listEvents := e.openSSE(t, "/api/v1/streaming/list?list="+lid, tok)
	userEvents := e.openSSE(t, "/api/v1/streaming/user", tok)

	bobs := e.post(t, bobTok, "from bob")["id"].(string)
	if got := updateID(t, listEvents); got != bobs {
		t.Fatalf("list stream got %s, want bob's %s", got, bobs)
	}
	// bob's post skipped alice's home stream (exclusive list): the next
	// update there is dave's followed-tag post, then carol's.
	daves := e.post(t, daveTok, "a #fox")["id"].(string)
	carols := e.post(t, carolTok, "from carol")["id"].(string)
	if got := updateID(t, userEvents); got != daves {
		t.Fatalf("user stream got %s, want dave's tagged %s (bob's was %s)", got, daves, bobs)
	}
	if got := updateID(t, userEvents); got != carols {
		t.Fatalf("user stream got %s, want carol's %s", got, carols)
	}

	// Someone else's list id, or none, gives nothing / 400.
	resp := e.do(t, req{method: "GET", path: "/api/v1/streaming/list", token: tok})
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("list stream without id: %d", resp.StatusCode)
	}
}
