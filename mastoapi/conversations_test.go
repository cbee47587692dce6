package mastoapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/pictor-social/pictor/server/servertest"
)

// conversation is the JSON of a Conversation entity.
type conversation struct {
	ID         string `json:"id"`
	Unread     bool   `json:"unread"`
	Accounts   []struct{ Username string }
	LastStatus struct {
		ID         string `json:"id"`
		Visibility string `json:"visibility"`
	} `json:"last_status"`
}

// dm posts a direct status (a reply when parent is not "").
func (e *env) dm(t *testing.T, token, text, parent string) string {
	t.Helper()
	body := map[string]any{"status": text, "visibility": "direct"}
	if parent != "" {
		body["in_reply_to_id"] = parent
	}
	var st map[string]any
	e.call(t, req{method: "POST", path: "/api/v1/statuses", token: token, json: body}, 200, &st)
	return st["id"].(string)
}

func (e *env) conversations(t *testing.T, token, query string) ([]conversation, *http.Response) {
	t.Helper()
	var out []conversation
	resp := e.call(t, req{method: "GET", path: "/api/v1/conversations" + query, token: token}, 200, &out)
	return out, resp
}

func usernames(c conversation) string {
	var names []string
	for _, a := range c.Accounts {
		names = append(names, a.Username)
	}
	return strings.Join(names, ",")
}

func TestConversationsListReadDeleteAndReplies(t *testing.T) {
	e := start(t)
	_, aTok := e.login(t, "alice", "read write")
	_, bTok := e.login(t, "bob", "read write")
	_, cTok := e.login(t, "carol", "read write")

	first := e.dm(t, aTok, "@bob psst", "")
	got, _ := e.conversations(t, bTok, "")
	if len(got) != 1 || !got[0].Unread || got[0].LastStatus.ID != first || usernames(got[0]) != "alice" ||
		got[0].LastStatus.Visibility != "direct" {
		t.Fatalf("bob's conversations: %+v", got)
	}
	bobConv := got[0].ID
	mine, _ := e.conversations(t, aTok, "")
	if len(mine) != 1 || mine[0].Unread || usernames(mine[0]) != "bob" {
		t.Fatalf("alice's conversations: %+v", mine)
	}

	// A reply stays in the same conversation and marks it unread for alice.
	reply := e.dm(t, bTok, "@alice hi back", first)
	mine, _ = e.conversations(t, aTok, "")
	if len(mine) != 1 || !mine[0].Unread || mine[0].LastStatus.ID != reply {
		t.Fatalf("alice after bob's reply: %+v", mine)
	}
	if got, _ = e.conversations(t, bTok, ""); len(got) != 1 || got[0].ID != bobConv || got[0].Unread {
		t.Fatalf("bob after his reply: %+v", got)
	}

	// Another user's conversation is not found, for reading and deleting.
	e.call(t, req{method: "POST", path: "/api/v1/conversations/" + bobConv + "/read", token: cTok}, 404, nil)
	e.call(t, req{method: "DELETE", path: "/api/v1/conversations/" + bobConv, token: cTok}, 404, nil)
	e.call(t, req{method: "POST", path: "/api/v1/conversations/nope/read", token: bTok}, 404, nil)
	if got, _ := e.conversations(t, cTok, ""); len(got) != 0 {
		t.Fatalf("carol sees %+v", got)
	}

	var read conversation
	e.call(t, req{method: "POST", path: "/api/v1/conversations/" + mine[0].ID + "/read", token: aTok}, 200, &read)
	if read.Unread || read.ID != mine[0].ID || read.LastStatus.ID != reply {
		t.Fatalf("read answer: %+v", read)
	}
	e.call(t, req{method: "DELETE", path: "/api/v1/conversations/" + mine[0].ID, token: aTok}, 200, nil)
	if mine, _ = e.conversations(t, aTok, ""); len(mine) != 0 {
		t.Fatalf("after delete: %+v", mine)
	}
	// Deleting removed it from alice's list only; the statuses stay.
	e.call(t, req{method: "GET", path: "/api/v1/statuses/" + first, token: aTok}, 200, nil)
	if got, _ = e.conversations(t, bTok, ""); len(got) != 1 {
		t.Fatalf("bob lost his conversation: %+v", got)
	}
	// The thread's next status brings it back.
	e.dm(t, bTok, "@alice still there?", reply)
	if mine, _ = e.conversations(t, aTok, ""); len(mine) != 1 || !mine[0].Unread {
		t.Fatalf("after a new reply: %+v", mine)
	}
	// Deleting the last status falls back to the one before it.
	last := mine[0].LastStatus.ID
	e.call(t, req{method: "DELETE", path: "/api/v1/statuses/" + last, token: bTok}, 200, nil)
	if mine, _ = e.conversations(t, aTok, ""); len(mine) != 1 || mine[0].LastStatus.ID != reply {
		t.Fatalf("after deleting the last status: %+v", mine)
	}
}

func TestConversationsPagingAndScopes(t *testing.T) {
	e := start(t)
	alice, aTok := e.login(t, "alice", "read write")
	_, bTok := e.login(t, "bob", "read write")
	var ids []string
	for i := range 3 {
		ids = append(ids, e.dm(t, bTok, fmt.Sprintf("@alice note %d", i), ""))
	}
	page, resp := e.conversations(t, aTok, "?limit=2")
	if len(page) != 2 || page[0].LastStatus.ID != ids[2] || page[1].LastStatus.ID != ids[1] {
		t.Fatalf("first page: %+v", page)
	}
	link := resp.Header.Get("Link")
	if !strings.Contains(link, "max_id="+ids[1]) || !strings.Contains(link, `rel="next"`) {
		t.Fatalf("Link %q", link)
	}
	rest, _ := e.conversations(t, aTok, "?limit=2&max_id="+ids[1])
	if len(rest) != 1 || rest[0].LastStatus.ID != ids[0] {
		t.Fatalf("second page: %+v", rest)
	}
	newer, _ := e.conversations(t, aTok, "?min_id="+ids[0])
	if len(newer) != 2 || newer[0].LastStatus.ID != ids[2] {
		t.Fatalf("min_id page: %+v", newer)
	}

	cases := []struct {
		scopes       string
		method, path string
		want         int
	}{
		{"read:statuses", "GET", "/api/v1/conversations", 200},
		{"read:accounts", "GET", "/api/v1/conversations", 403},
		{"read:statuses", "POST", "/api/v1/conversations/" + page[0].ID + "/read", 403},
		{"write:conversations", "POST", "/api/v1/conversations/" + page[0].ID + "/read", 200},
		{"write:statuses", "DELETE", "/api/v1/conversations/" + page[0].ID, 403},
		{"write:conversations", "DELETE", "/api/v1/conversations/" + page[0].ID, 200},
		{"", "GET", "/api/v1/conversations", 401},
	}
	for _, c := range cases {
		tok := ""
		if c.scopes != "" {
			tok = e.token(t, alice.ID, c.scopes)
		}
		resp := e.do(t, req{method: c.method, path: c.path, token: tok})
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s %s with %q: %d, want %d", c.method, c.path, c.scopes, resp.StatusCode, c.want)
		}
	}
}

func TestStreamingDirectConversationEvents(t *testing.T) {
	e := start(t)
	_, aTok := e.login(t, "alice", "read write")
	_, bTok := e.login(t, "bob", "read write")
	_, cTok := e.login(t, "carol", "read write")

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, _ := http.NewRequestWithContext(ctx, "GET", e.URL+"/api/v1/streaming/direct", nil)
	r.Header.Set("Authorization", "Bearer "+bTok)
	resp, err := e.Client.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("SSE direct stream: %d", resp.StatusCode)
	}
	br := bufio.NewReader(resp.Body)
	br.ReadString('\n')
	sse := servertest.SSEEvents(br)

	// Streams named in the URL are subscribed before the handshake ends.
	ws, _, err := websocket.Dial(ctx, wsURL(e, "/api/v1/streaming?stream=direct&access_token="+aTok),
		&websocket.DialOptions{HTTPClient: e.Client})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	// A public post and carol's DM to alice alone do not reach bob's stream;
	// the first event bob sees is alice's DM to him.
	e.post(t, aTok, "public words")
	e.dm(t, cTok, "@alice not for bob", "")
	id := e.dm(t, aTok, "@bob secret", "")
	var got conversation
	if err := json.Unmarshal([]byte(waitEvent(t, sse, "conversation")), &got); err != nil {
		t.Fatal(err)
	}
	if got.LastStatus.ID != id || !got.Unread || usernames(got) != "alice" {
		t.Fatalf("bob's conversation event: %+v", got)
	}

	// Alice's WebSocket gets carol's DM (unread) and then her own (read).
	for _, want := range []struct {
		from   string
		unread bool
	}{{"carol", true}, {"bob", false}} {
		var msg struct {
			Stream  []string `json:"stream"`
			Event   string   `json:"event"`
			Payload string   `json:"payload"`
		}
		for msg.Event != "conversation" {
			_, data, err := ws.Read(ctx)
			if err != nil {
				t.Fatalf("websocket read: %v", err)
			}
			json.Unmarshal(data, &msg)
		}
		var c conversation
		json.Unmarshal([]byte(msg.Payload), &c)
		if strings.Join(msg.Stream, ":") != "direct" || c.Unread != want.unread || usernames(c) != want.from {
			t.Fatalf("websocket event %v: %+v, want %+v", msg.Stream, c, want)
		}
	}
}
