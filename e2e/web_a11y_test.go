package e2e

import (
	"context"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pictor-social/pictor/config"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// The web pages against WCAG 2.2 A/AA and axe-core's best practices, in a
// real browser (issue 13): browser/a11y.mjs runs axe-core on every kind of
// page, in the light and the dark scheme, at phone and desktop width, and
// fails on any violation; it tabs through each page (a skip link first,
// every focus ring whole and not under the sticky header) and does the
// compose → generate → pick → post flow by keyboard, with the progress in a
// polite live region and focus on the result. With PICTOR_SCREENSHOTS=1 it
// writes the dark-scheme screenshots to docs/screenshots/.
func TestWebAccessibility(t *testing.T) {
	node := requireBrowser(t)
	if _, err := os.Stat("node_modules/axe-core/axe.min.js"); err != nil {
		t.Fatalf("the accessibility test needs the npm axe-core package: %v", err)
	}
	srv, gated := startGated(t, func(c *config.File) {
		c.InstanceTitle = "Pictor"
		c.InstanceDescription = "The newest AI-generated images from people on this server."
	})
	alice := createAlice(t, srv)
	genPath, cwPath := seedPosts(t, srv, alice)
	ctx := context.Background()
	genID, _ := store.ParseID(path.Base(genPath))
	bob := srv.CreateUser(t, "bob", "")
	for _, d := range []social.Draft{
		{Text: "Lovely light on the water.", InReplyToID: genID},
		{Text: "It reminds me of a storm I was in.", SpoilerText: "shipwreck memories", InReplyToID: genID},
	} {
		if _, err := srv.Social.CreateStatus(ctx, bob.ID, d); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := srv.Social.CreateStatus(ctx, alice.ID, social.Draft{Text: "No picture today, only words. #sketchbook"}); err != nil {
		t.Fatal(err)
	}
	shots := ""
	if os.Getenv("PICTOR_SCREENSHOTS") == "1" {
		shots, _ = filepath.Abs("../docs/screenshots")
	}
	gated.Hold()
	ctx, cancel := context.WithTimeout(ctx, 12*time.Minute)
	defer cancel()
	out := runBrowserScript(t, ctx, node, "browser/a11y.mjs", gated, "PICTOR_URL="+srv.URL, "PICTOR_USER=alice",
		"PICTOR_PASSWORD=correct horse battery", "PICTOR_GEN_POST="+genPath, "PICTOR_CW_POST="+cwPath,
		"PICTOR_AUTHORIZE="+authorizeURL(t, srv), "PICTOR_SCREENSHOTS="+shots)
	for _, want := range []string{"ok - axe: no violations on every page", "ok - keyboard: every page starts with a skip link",
		"ok - keyboard: the running job's progress is in a polite live region",
		"ok - keyboard: focus lands on the generated image", "ok - keyboard: the post is published by keyboard"} {
		if !strings.Contains(out, want) {
			t.Fatalf("the browser script did not reach %q", want)
		}
	}
}
