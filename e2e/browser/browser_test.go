// Package browser holds the tests of the web pages: in headless Chromium
// (driven by this folder's .mjs scripts through playwright-core) and without
// JavaScript. It is its own package, apart from e2e, so that `go test -p N`
// runs it beside e2e's interop tests; inside it the tests stay sequential, so
// one Chromium runs at a time.
package browser

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/config"
	"github.com/pictor-social/pictor/genimage"
	"github.com/pictor-social/pictor/genimage/builtin"
	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// e2eDir is the e2e folder, where the scripts run (as browser/NAME.mjs)
// and find e2e/node_modules.
const e2eDir = ".."

// requireBrowser skips (or, under PICTOR_E2E=1, fails) when node, the npm
// playwright-core package or Debian's chromium is missing.
func requireBrowser(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(e2eDir, "node_modules/playwright-core/package.json"))
	}
	if err == nil {
		_, err = os.Stat("/usr/bin/chromium")
	}
	if err != nil {
		if os.Getenv("PICTOR_E2E") == "1" {
			t.Fatalf("browser test needs node, e2e/node_modules/playwright-core and /usr/bin/chromium: %v", err)
		}
		t.Skipf("browser test needs node, playwright-core and chromium: %v", err)
	}
	return node
}

var seedPrompts = []string{
	"a lighthouse on a cliff at dusk, watercolour",
	"a fox sleeping in fresh snow, soft morning light",
	"neon koi fish swimming through a rainy city street",
	"a tiny greenhouse on the moon, isometric illustration",
	"sunflowers in the style of a risograph print",
	"an old tram climbing a hill in Lisbon, golden hour",
	"a whale made of clouds above a quiet harbour",
	"paper lanterns floating over a mountain lake",
}

// seedPosts generates one post per seed prompt through the server's
// generation service (the builtin backend, at 512 pixels to keep it quick)
// and returns the page paths of a plain generated post and one behind a
// content warning.
func seedPosts(t *testing.T, srv *servertest.Server, a store.Account) (genPath, cwPath string) {
	t.Helper()
	ctx := context.Background()
	for i, prompt := range seedPrompts {
		d := store.PostDraft{Visibility: "public"}
		if i == 2 {
			d.SpoilerText, d.Sensitive = "flashing colours", true
		}
		j, err := srv.Gen.Submit(ctx, genimage.SubmitRequest{AccountID: a.ID, Kind: store.JobPost, Prompt: prompt,
			Seed: int64(i + 1), Size: "512x512", Draft: d, Source: genimage.SourceAPI})
		if err != nil {
			t.Fatal(err)
		}
		if j, err = srv.Gen.Wait(ctx, j.ID, time.Minute, nil); err != nil || j.State != store.JobDone || j.StatusID == 0 {
			t.Fatalf("seed job %q: %s %q %v", prompt, j.State, j.Error, err)
		}
		path := "/@" + a.Username + "/" + store.FormatID(j.StatusID)
		switch i {
		case 1:
			genPath = path
		case 2:
			cwPath = path
		}
	}
	return genPath, cwPath
}

// runBrowserScript runs one of e2e/browser's scripts under node, in the e2e
// folder (script is relative to it, as browser/NAME.mjs) with env added,
// opens the generation gate when the script asks for it, logs what it
// printed and fails the test if it failed. It returns its output.
func runBrowserScript(t *testing.T, ctx context.Context, node, script string, gated *gatedBuiltin, env ...string) string {
	t.Helper()
	cmd := exec.CommandContext(ctx, node, script)
	cmd.Dir = e2eDir
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		out.WriteString(sc.Text() + "\n")
		if sc.Text() == "pictor: open the generation gate" {
			gated.Release()
		}
	}
	err = cmd.Wait()
	t.Logf("%s:\n%s%s", script, out.String(), stderr.String())
	if err != nil {
		t.Fatalf("browser script %s failed: %v", script, err)
	}
	return out.String()
}

// gatedBuiltin is the builtin backend behind a gate: while the gate is
// held, Generate waits for Release before drawing, so a test can see a
// job's page while the job runs.
type gatedBuiltin struct {
	*builtin.Generator
	mu   sync.Mutex
	gate chan struct{} // nil: open
}

// Hold makes the following generations wait for Release.
func (g *gatedBuiltin) Hold() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.gate = make(chan struct{})
}

// Release lets waiting and later generations run; it may be called again.
func (g *gatedBuiltin) Release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.gate != nil {
		close(g.gate)
		g.gate = nil
	}
}

func (g *gatedBuiltin) Generate(ctx context.Context, req genimage.Request, progress func(genimage.Progress)) (genimage.Result, error) {
	g.mu.Lock()
	gate := g.gate
	g.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return genimage.Result{}, ctx.Err()
		}
	}
	return g.Generator.Generate(ctx, req, progress)
}

// startGated starts a whole server like servertest.Start (HTTPS on
// loopback, a test CA), with its image backend the builtin one behind a
// gate. Do not call Stop on the result; the server stops when the test ends.
func startGated(t *testing.T, configure func(*config.File)) (*servertest.Server, *gatedBuiltin) {
	t.Helper()
	gated := &gatedBuiltin{Generator: builtin.New()}
	srv := servertest.Start(t, servertest.Options{Configure: configure, GenBackend: gated})
	// Cleanups run last-in first-out: the gate opens before the server stops.
	t.Cleanup(gated.Release)
	return srv, gated
}

// authorizeURL registers an app and returns its consent page URL.
func authorizeURL(t *testing.T, srv *servertest.Server) string {
	t.Helper()
	resp, err := srv.Client.PostForm(srv.URL+"/api/v1/apps", url.Values{"client_name": {"Elk"},
		"redirect_uris": {"https://elk.example/callback"}, "scopes": {"read write follow push"}, "website": {"https://elk.example"}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a struct {
		ClientID string `json:"client_id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil || a.ClientID == "" {
		t.Fatalf("register app: %v", err)
	}
	return srv.URL + "/oauth/authorize?" + url.Values{"response_type": {"code"}, "client_id": {a.ClientID},
		"redirect_uri": {"https://elk.example/callback"}, "scope": {"read write follow push"}}.Encode()
}

// createAlice creates the admin account the browser tests sign in as.
func createAlice(t *testing.T, srv *servertest.Server) store.Account {
	t.Helper()
	hash, err := auth.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	alice, err := srv.Social.CreateAccount(context.Background(), social.NewAccount{Username: "alice", PasswordHash: hash,
		Admin: true, DisplayName: "Alice Liddell", Note: "I make pictures with words. Mostly lighthouses, foxes and the sea."})
	if err != nil {
		t.Fatal(err)
	}
	return alice
}
