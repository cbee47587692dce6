package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pictor-social/pictor/e2e/e2ekit"
	"github.com/pictor-social/pictor/internal/testkit/fakeopenai"
)

// masto.js (Elk, Phanpy) reaches Pictor's assistant endpoints: opt-in,
// suggestions, descriptions (e2e/clients/assistant.mjs).
func TestClientLibraryAssistant(t *testing.T) {
	node, dir := requireClientDeps(t)
	fake := e2ekit.FakeAssistant(t)
	srv := e2ekit.StartAssistant(t, fake)
	alice, bob := srv.CreateUser(t, "alice", ""), srv.CreateUser(t, "bob", "")
	ctx, cancel := context.WithTimeout(context.Background(), clientTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join("clients", "assistant.mjs"))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NODE_EXTRA_CA_CERTS="+srv.CA.PEMFile(), "PICTOR_URL="+srv.URL, "PNG_FILE="+e2ekit.WritePNG(t),
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
