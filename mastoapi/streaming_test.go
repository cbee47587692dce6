package mastoapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/store"
)

func waitEvent(t *testing.T, c <-chan [2]string, event string) string {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev, ok := <-c:
			if !ok {
				t.Fatalf("stream ended before %q", event)
			}
			if ev[0] == event {
				return ev[1]
			}
		case <-timeout:
			t.Fatalf("no %q event within 10s", event)
		}
	}
}

func TestStreamingServerSentEvents(t *testing.T) {
	e := start(t)
	alice, aTok := e.login(t, "alice", "read write follow")
	_, bTok := e.login(t, "bob", "read write follow")
	e.call(t, req{method: "POST", path: "/api/v1/accounts/" + store.FormatID(alice.ID) + "/follow", token: bTok}, 200, nil)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r, _ := http.NewRequestWithContext(ctx, "GET", e.URL+"/api/v1/streaming/user", nil)
	r.Header.Set("Authorization", "Bearer "+bTok)
	resp, err := e.Client.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("stream answered %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	br := bufio.NewReader(resp.Body)
	if first, _ := br.ReadString('\n'); !strings.HasPrefix(first, ":") {
		t.Fatalf("first line %q", first)
	}
	events := servertest.SSEEvents(br)

	st := e.post(t, aTok, "fresh from alice")
	var got map[string]any
	if err := json.Unmarshal([]byte(waitEvent(t, events, "update")), &got); err != nil {
		t.Fatal(err)
	}
	if got["id"] != st["id"] || got["account"].(map[string]any)["username"] != "alice" {
		t.Fatalf("update payload %v", got)
	}
	e.call(t, req{method: "POST", path: "/api/v1/statuses/" + st["id"].(string) + "/favourite", token: bTok}, 200, nil)
	e.call(t, req{method: "DELETE", path: "/api/v1/statuses/" + st["id"].(string), token: aTok}, 200, nil)
	if id := waitEvent(t, events, "delete"); id != st["id"] {
		t.Fatalf("delete payload %q, want %v", id, st["id"])
	}
	// Bad token: 401 before any stream starts.
	resp2 := e.do(t, req{method: "GET", path: "/api/v1/streaming/user", token: "nope"})
	resp2.Body.Close()
	if resp2.StatusCode != http.StatusUnauthorized {
		t.Fatalf("bad token: %d", resp2.StatusCode)
	}
}

func wsURL(e *env, path string) string {
	return "wss://" + strings.TrimPrefix(e.URL, "https://") + path
}

func TestStreamingWebSocket(t *testing.T) {
	e := start(t)
	_, aTok := e.login(t, "alice", "read write")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// The token travels in Sec-WebSocket-Protocol, as browsers send it; it is echoed.
	c, resp, err := websocket.Dial(ctx, wsURL(e, "/api/v1/streaming?stream=user"),
		&websocket.DialOptions{HTTPClient: e.Client, Subprotocols: []string{aTok}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	if resp.Header.Get("Sec-WebSocket-Protocol") != aTok {
		t.Fatal("Sec-WebSocket-Protocol not echoed")
	}
	read := func(want string) map[string]any {
		t.Helper()
		for {
			_, data, err := c.Read(ctx)
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			var msg map[string]any
			if err := json.Unmarshal(data, &msg); err != nil {
				t.Fatalf("message %s: %v", data, err)
			}
			if msg["event"] != want {
				continue
			}
			payload, ok := msg["payload"].(string) // a JSON string inside the message
			if !ok {
				t.Fatalf("payload is not a string: %s", data)
			}
			var out map[string]any
			if err := json.Unmarshal([]byte(payload), &out); err != nil {
				t.Fatalf("payload %q: %v", payload, err)
			}
			out["_stream"] = msg["stream"]
			return out
		}
	}
	st := e.post(t, aTok, "over the socket")
	if got := read("update"); got["id"] != st["id"] || got["_stream"].([]any)[0] != "user" {
		t.Fatalf("update %v", got)
	}
	// Multiplexing as masto.js does: subscribe to the local public stream too.
	msg, _ := json.Marshal(map[string]string{"type": "subscribe", "stream": "public:local"})
	if err := c.Write(ctx, websocket.MessageText, msg); err != nil {
		t.Fatal(err)
	}
	// The subscription has no acknowledgement: post until its event arrives.
	done := make(chan map[string]any, 1)
	go func() {
		for {
			_, data, err := c.Read(ctx)
			if err != nil {
				close(done)
				return
			}
			var m map[string]any
			if json.Unmarshal(data, &m) == nil && m["event"] == "update" && m["stream"].([]any)[0] == "public:local" {
				done <- m
				return
			}
		}
	}()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case m, ok := <-done:
			if !ok {
				t.Fatal("socket closed before a public:local event")
			}
			if !strings.Contains(m["payload"].(string), "public post") {
				t.Fatalf("public:local event %v", m)
			}
			return
		case <-tick.C:
			e.post(t, aTok, "public post")
		case <-ctx.Done():
			t.Fatal("no public:local event")
		}
	}
}

// The home and list streams send what their timelines show: not the posts
// of a muted account, nor the boosts of an account followed with
// reblogs=false. The first update each stream gets is therefore bob's own
// post, written after the two it must not get.
func TestHomeStreamLeavesOutWhatHomeLeavesOut(t *testing.T) {
	e := start(t)
	_, aTok := e.login(t, "alice", "read write follow")
	bob, bTok := e.login(t, "bob", "read write follow")
	_, cTok := e.login(t, "carol", "read write follow")
	dave, dTok := e.login(t, "dave", "read write follow")
	e.call(t, req{method: "POST", path: "/api/v1/accounts/" + store.FormatID(bob.ID) + "/follow", token: aTok,
		form: url.Values{"reblogs": {"false"}}}, 200, nil)
	e.follow(t, aTok, dave.ID)
	e.call(t, req{method: "POST", path: "/api/v1/accounts/" + store.FormatID(dave.ID) + "/mute", token: aTok}, 200, nil)
	lid := e.createList(t, aTok, map[string]any{"title": "friends"})["id"].(string)
	e.call(t, req{method: "POST", path: "/api/v1/lists/" + lid + "/accounts", token: aTok,
		json: map[string]any{"account_ids": []string{store.FormatID(bob.ID), store.FormatID(dave.ID)}}}, 200, nil)
	carols := e.post(t, cTok, "a heron at dawn")
	streams := map[string]<-chan [2]string{
		"home": e.openSSE(t, "/api/v1/streaming/user", aTok),
		"list": e.openSSE(t, "/api/v1/streaming/list?list="+lid, aTok),
	}

	e.post(t, dTok, "muted words")
	e.call(t, req{method: "POST", path: "/api/v1/statuses/" + carols["id"].(string) + "/reblog", token: bTok}, 200, nil)
	bobs := e.post(t, bTok, "my own heron")
	for name, events := range streams {
		if id := updateID(t, events); id != bobs["id"] {
			t.Errorf("%s: the first update is %v, want bob's own post %v", name, id, bobs["id"])
		}
	}
}

// The public and hashtag streams of a signed-in viewer leave out what those
// timelines leave out for them: posts of accounts they mute or block and of
// accounts that block them. The first update each stream gets is carol's,
// written after the three it must not get.
func TestPublicStreamsLeaveOutExcludedAuthors(t *testing.T) {
	e := start(t)
	alice, aTok := e.login(t, "alice", "read write follow")
	bob, bTok := e.login(t, "bob", "read write follow")
	dave, dTok := e.login(t, "dave", "read write follow")
	_, eTok := e.login(t, "erin", "read write follow")
	_, cTok := e.login(t, "carol", "read write follow")
	e.call(t, req{method: "POST", path: "/api/v1/accounts/" + store.FormatID(bob.ID) + "/mute", token: aTok}, 200, nil)
	e.call(t, req{method: "POST", path: "/api/v1/accounts/" + store.FormatID(dave.ID) + "/block", token: aTok}, 200, nil)
	e.call(t, req{method: "POST", path: "/api/v1/accounts/" + store.FormatID(alice.ID) + "/block", token: eTok}, 200, nil)
	streams := map[string]<-chan [2]string{
		"public":        e.openSSE(t, "/api/v1/streaming/public", aTok),
		"public:local":  e.openSSE(t, "/api/v1/streaming/public/local", aTok),
		"hashtag":       e.openSSE(t, "/api/v1/streaming/hashtag?tag=heron", aTok),
		"hashtag:local": e.openSSE(t, "/api/v1/streaming/hashtag/local?tag=heron", aTok),
	}
	e.post(t, bTok, "muted #heron")
	e.post(t, dTok, "blocked #heron")
	e.post(t, eTok, "blocking #heron")
	carols := e.post(t, cTok, "a #heron at dawn")
	for name, events := range streams {
		if id := updateID(t, events); id != carols["id"] {
			t.Errorf("%s: the first update is %v, want carol's post %v", name, id, carols["id"])
		}
	}
}
