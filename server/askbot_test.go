package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pictor-social/pictor/config"
	"github.com/pictor-social/pictor/internal/testkit/fakeopenai"
	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/store"
)

// With the assistant off there is no @ask account and a mention of the
// name is an ordinary post.
func TestAskBotOffWithoutAssistant(t *testing.T) {
	s := servertest.Start(t, servertest.Options{})
	if s.AskBot != nil {
		t.Fatal("ask bot wired with the assistant off")
	}
	if _, err := s.DB.AccountByHandle(context.Background(), "ask", ""); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("ask account: %v", err)
	}
	token := accessToken(t, s, "alice")
	st := postStatus(t, s, token, url.Values{"status": {"/ask why?"}})
	if st.Content != "<p>/ask why?</p>" {
		t.Errorf("content %q: the command was not left as text", st.Content)
	}
}

// /ask from an app: the user's post is published with the command replaced
// by a mention of the bot, and the bot answers it in a reply.
func TestAskCommandFromApp(t *testing.T) {
	fake := fakeopenai.New(t)
	fake.HandleChat(fakeopenai.AskAnswer("Because of Rayleigh scattering.", ""))
	s := servertest.Start(t, servertest.Options{Configure: func(c *config.File) {
		c.Assistant.Backend = "openai"
		c.Assistant.Profile = "compatible"
		c.Assistant.BaseURL = fake.BaseURL()
	}})
	bot, err := s.DB.AccountByHandle(context.Background(), "ask", "")
	if err != nil || !bot.Bot {
		t.Fatalf("ask bot account %+v, %v", bot, err)
	}
	token := accessToken(t, s, "alice")
	st := postStatus(t, s, token, url.Values{"status": {"/ask why is the sky blue?"}, "visibility": {"unlisted"}})
	if !strings.Contains(st.Content, "why is the sky blue?") || !strings.Contains(st.Content, "@<span>ask</span>") {
		t.Errorf("question content %q", st.Content)
	}
	id, _ := strconv.ParseInt(st.ID, 10, 64)
	var reply store.Status
	servertest.Eventually(t, 20*time.Second, "the bot's answer", func() bool {
		rs, err := s.DB.Replies(context.Background(), id, 10)
		if err != nil || len(rs) == 0 {
			return false
		}
		reply = rs[0]
		return true
	})
	if reply.AccountID != bot.ID || !strings.Contains(reply.Text, "Rayleigh") || reply.Visibility != store.VisibilityUnlisted {
		t.Errorf("reply %+v", reply)
	}
	if got := fake.RequestsTo(fakeopenai.ChatPath)[0].Chat().AllText(); !strings.Contains(got, "@alice: why is the sky blue?") {
		t.Errorf("model got %q", got)
	}
}

type apiStatus struct {
	ID      string `json:"id"`
	Content string `json:"content"`
}

func postStatus(t *testing.T, s *servertest.Server, token string, form url.Values) apiStatus {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL+"/api/v1/statuses", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := s.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st apiStatus
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&st) != nil {
		t.Fatalf("POST /api/v1/statuses: %s", resp.Status)
	}
	return st
}
