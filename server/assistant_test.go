package server_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/pictor-social/pictor/assistant"
	"github.com/pictor-social/pictor/config"
	"github.com/pictor-social/pictor/internal/testkit/fakeopenai"
	"github.com/pictor-social/pictor/server"
	"github.com/pictor-social/pictor/server/servertest"
)

// [assistant] wires the assistant, through go-openai, to the configured
// server with the shared key; "none" (the default) leaves it off.
func TestAssistantWiring(t *testing.T) {
	if s := servertest.Start(t, servertest.Options{}); s.Assistant != nil {
		t.Fatal("assistant on by default")
	}
	fake := fakeopenai.New(t)
	s := servertest.Start(t, servertest.Options{Configure: func(c *config.File) {
		c.Assistant.Backend = "openai"
		c.Assistant.Profile = "compatible"
		c.Assistant.BaseURL = fake.BaseURL()
		c.Assistant.APIKey = "sk-assistant"
	}})
	if s.Assistant == nil {
		t.Fatal("assistant not wired")
	}
	answer, err := s.Assistant.Client.Chat(context.Background(), assistant.Request{
		Messages: []assistant.Message{{Role: assistant.RoleUser, Text: "hi"}}})
	if err != nil || answer != "OK" {
		t.Fatalf("chat = %q, %v", answer, err)
	}
	if got := fake.RequestsTo(fakeopenai.ChatPath)[0].Header.Get("Authorization"); got != "Bearer sk-assistant" {
		t.Fatalf("Authorization = %q", got)
	}
}

func TestAssistantOnOpenAINeedsAKey(t *testing.T) {
	t.Setenv("PICTOR_OPENAI_API_KEY", "")
	t.Setenv("OPENAI_API_KEY", "")
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Assistant.Backend = "openai"
	_, err := server.New(context.Background(), cfg, server.Options{Logger: slog.New(slog.DiscardHandler)})
	if err == nil || !strings.Contains(err.Error(), "[assistant] backend openai needs an API key") {
		t.Fatalf("err = %v", err)
	}
}
