package e2ekit

import (
	"testing"

	"github.com/pictor-social/pictor/config"
	"github.com/pictor-social/pictor/internal/testkit/fakeopenai"
	"github.com/pictor-social/pictor/server/servertest"
)

// FakeAssistant answers suggestion requests (JSON mode) with three replies
// and anything else with an image description.
func FakeAssistant(t *testing.T) *fakeopenai.Server {
	t.Helper()
	fake := fakeopenai.New(t)
	fake.HandleChat(fakeopenai.ChatFunc(func(c fakeopenai.ChatCall) string {
		if c.JSONMode {
			return `{"suggestions": ["That looks so peaceful!", "How deep is it?", "Any fish yet?"]}`
		}
		return "A small garden pond with lily pads and stones around it."
	}))
	return fake
}

// StartAssistant starts a server whose assistant is fake's OpenAI-compatible
// chat model, with "vision" as the vision model.
func StartAssistant(t *testing.T, fake *fakeopenai.Server) *servertest.Server {
	t.Helper()
	return servertest.Start(t, servertest.Options{Configure: func(c *config.File) {
		c.Assistant.Backend = "openai"
		c.Assistant.Profile = "compatible"
		c.Assistant.BaseURL = fake.BaseURL()
		c.Assistant.VisionModel = "vision"
	}})
}
