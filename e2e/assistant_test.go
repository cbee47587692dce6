package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pictor-social/pictor/config"
	"github.com/pictor-social/pictor/internal/testkit/fakeopenai"
	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// fakeAssistant answers suggestion requests (JSON mode) with three replies
// and anything else with an image description.
func fakeAssistant(t *testing.T) *fakeopenai.Server {
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

func startAssistant(t *testing.T, fake *fakeopenai.Server) *servertest.Server {
	t.Helper()
	return servertest.Start(t, servertest.Options{Configure: func(c *config.File) {
		c.Assistant.Backend = "openai"
		c.Assistant.Profile = "compatible"
		c.Assistant.BaseURL = fake.BaseURL()
		c.Assistant.VisionModel = "vision"
	}})
}

func writePNG(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "pond.png")
	if err := os.WriteFile(p, testPNG(t, 11), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// masto.js (Elk, Phanpy) reaches Pictor's assistant endpoints: opt-in,
// suggestions, descriptions (e2e/clients/assistant.mjs).
func TestClientLibraryAssistant(t *testing.T) {
	node, dir := requireClientDeps(t)
	fake := fakeAssistant(t)
	srv := startAssistant(t, fake)
	alice, bob := srv.CreateUser(t, "alice", ""), srv.CreateUser(t, "bob", "")
	ctx, cancel := context.WithTimeout(context.Background(), clientTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join("clients", "assistant.mjs"))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NODE_EXTRA_CA_CERTS="+srv.CA.PEMFile(), "PICTOR_URL="+srv.URL, "PNG_FILE="+writePNG(t),
		"ALICE_TOKEN="+issueToken(t, srv, alice.ID, "read write"), "BOB_TOKEN="+issueToken(t, srv, bob.ID, "read write"))
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	if err != nil || !strings.Contains(string(out), "DONE ") {
		t.Fatalf("assistant.mjs failed: %v", err)
	}
	calls := fake.RequestsTo(fakeopenai.ChatPath)
	if len(calls) != 2 { // one suggestion call (the second read was cached), one description
		t.Fatalf("%d calls to the model, want 2", len(calls))
	}
	if c := calls[1].Chat(); c.Model != "vision" || len(c.Images) != 1 {
		t.Fatalf("the description call sent model %q with %d images", c.Model, len(c.Images))
	}
}

// In Chromium, a suggestion chip fills the reply box and posts nothing, and
// Suggest description fills the upload's alt text (e2e/browser/assistant.mjs).
func TestAssistantInBrowser(t *testing.T) {
	node := requireBrowser(t)
	fake := fakeAssistant(t)
	srv := startAssistant(t, fake)
	alice := srv.CreateUser(t, "alice", "")
	srv.CreateUser(t, "bob", "")
	st, err := srv.Social.CreateStatus(context.Background(), alice.ID, social.Draft{Text: "Our new garden pond", Visibility: "public"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out := runBrowserScript(t, ctx, node, "browser/assistant.mjs", nil, "PICTOR_URL="+srv.URL, "PICTOR_USER=bob",
		"PICTOR_PASSWORD=correct horse battery", "PICTOR_POST=/@alice/"+store.FormatID(st.ID), "PNG_FILE="+writePNG(t))
	for _, want := range []string{"ok - clicking a chip fills the reply box", "ok - nothing was posted by the click",
		"ok - the post shows the edited description"} {
		if !strings.Contains(out, want) {
			t.Fatalf("the browser script did not reach %q", want)
		}
	}
	replies, err := srv.DB.Replies(context.Background(), st.ID, 10)
	if err != nil || len(replies) != 0 {
		t.Fatalf("replies after clicking a chip: %d, %v", len(replies), err)
	}
}
