package mastoapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

func TestAnnouncementStreamingEvents(t *testing.T) {
	e := start(t)
	_, tok := e.login(t, "bob", "read write")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r, _ := http.NewRequestWithContext(ctx, "GET", e.URL+"/api/v1/streaming/user", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	resp, err := e.Client.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	if first, _ := br.ReadString('\n'); !strings.HasPrefix(first, ":") {
		t.Fatalf("first line %q", first)
	}
	events := servertest.SSEEvents(br)

	a := e.announce(t, social.AnnouncementDraft{Text: "Server upgrade at noon"})
	id := store.FormatID(a.ID)
	var ann announcementJSON
	if err := json.Unmarshal([]byte(waitEvent(t, events, "announcement")), &ann); err != nil {
		t.Fatal(err)
	}
	if ann.ID != id || ann.Content != "<p>Server upgrade at noon</p>" || ann.Read == nil || *ann.Read {
		t.Fatalf("announcement payload %+v", ann)
	}

	e.call(t, req{method: "PUT", path: reactionPath(a.ID, "👍"), token: tok}, http.StatusOK, nil)
	var reaction struct {
		Name           string `json:"name"`
		Count          int64  `json:"count"`
		AnnouncementID string `json:"announcement_id"`
	}
	if err := json.Unmarshal([]byte(waitEvent(t, events, "announcement.reaction")), &reaction); err != nil {
		t.Fatal(err)
	}
	if reaction.Name != "👍" || reaction.Count != 1 || reaction.AnnouncementID != id {
		t.Fatalf("reaction payload %+v", reaction)
	}

	if err := e.Social.DeleteAnnouncement(context.Background(), a.ID); err != nil {
		t.Fatal(err)
	}
	if got := waitEvent(t, events, "announcement.delete"); got != id {
		t.Fatalf("delete payload %q, want %s", got, id)
	}
}
