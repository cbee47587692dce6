package browser

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pictor-social/pictor/config"
	"github.com/pictor-social/pictor/genimage"
	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/store"
)

// The web pages in a real browser (issue 5, "Shown by tests"). The
// generation step holds the builtin backend until the script has seen the
// job page's live progress, then the script's "open the generation gate"
// line releases it. With PICTOR_SCREENSHOTS=1 it refreshes
// docs/screenshots/.
func TestWebInBrowser(t *testing.T) {
	node := requireBrowser(t)
	srv, gated := startGated(t, func(c *config.File) {
		c.InstanceTitle = "Pictor"
		c.InstanceDescription = "The newest AI-generated images from people on this server."
	})
	alice := createAlice(t, srv)
	genPath, cwPath := seedPosts(t, srv, alice)
	remotePost, remoteHandle := seedRemotePost(t, srv)
	shots := ""
	if os.Getenv("PICTOR_SCREENSHOTS") == "1" {
		shots, _ = filepath.Abs(filepath.Join(e2eDir, "../docs/screenshots"))
		if err := os.MkdirAll(shots, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	gated.Hold()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out := runBrowserScript(t, ctx, node, "browser/web.mjs", gated, "PICTOR_URL="+srv.URL, "PICTOR_USER=alice",
		"PICTOR_PASSWORD=correct horse battery", "PICTOR_GEN_POST="+genPath, "PICTOR_CW_POST="+cwPath,
		"PICTOR_AUTHORIZE="+authorizeURL(t, srv), "PICTOR_SCREENSHOTS="+shots,
		"PICTOR_REMOTE_POST="+remotePost, "PICTOR_REMOTE_ACCT="+remoteHandle)
	for _, want := range []string{"ok - the job page polls its progress while the job runs", "ok - phone: two cards per row",
		"ok - the content warning is shown once", "ok - a reply from the post page shows up in its thread",
		"ok - a remote post is liked from /authorize_interaction", "ok - a remote account is followed from /authorize_interaction",
		"ok - settings: the new display name shows on the profile"} {
		if !strings.Contains(out, want) {
			t.Fatalf("the browser script did not reach %q", want)
		}
	}
}

// seedRemotePost starts a second Pictor server trusted by srv's CA, where
// "carol" posts one generated image, and returns the post's ActivityPub id
// and carol's handle, for srv's /authorize_interaction.
func seedRemotePost(t *testing.T, srv *servertest.Server) (uri, handle string) {
	t.Helper()
	remote := servertest.Start(t, servertest.Options{CA: srv.CA})
	carol := remote.CreateUser(t, "carol", "")
	ctx := context.Background()
	j, err := remote.Gen.Submit(ctx, genimage.SubmitRequest{AccountID: carol.ID, Kind: store.JobPost,
		Prompt: "a paper boat on a moonlit canal", Seed: 42, Size: "512x512",
		Draft: store.PostDraft{Visibility: "public", Text: "Made on another server"}, Source: genimage.SourceAPI})
	if err != nil {
		t.Fatal(err)
	}
	if j, err = remote.Gen.Wait(ctx, j.ID, time.Minute, nil); err != nil || j.State != store.JobDone {
		t.Fatalf("remote seed job: %s %q %v", j.State, j.Error, err)
	}
	st, err := remote.DB.StatusByID(ctx, j.StatusID)
	if err != nil {
		t.Fatal(err)
	}
	return st.URI, "carol@" + strings.TrimPrefix(remote.URL, "https://")
}
