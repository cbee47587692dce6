package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pictor-social/pictor/genimage"
	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/store"
)

// Chromium remixes a post from its page with a changed prompt, starting from
// its image, and walks the lineage both ways (issue 12).
func TestWebRemixInBrowser(t *testing.T) {
	node := requireBrowser(t)
	srv := servertest.Start(t, servertest.Options{})
	alice := srv.CreateUser(t, "alice", "")
	srv.CreateUser(t, "bob", "")
	ctx := context.Background()
	const prompt = "a lighthouse on a cliff at dusk, watercolour"
	j, err := srv.Gen.Submit(ctx, genimage.SubmitRequest{AccountID: alice.ID, Kind: store.JobPost, Prompt: prompt,
		Seed: 5, Size: "512x512", Draft: store.PostDraft{Visibility: "public"}, Source: genimage.SourceAPI})
	if err != nil {
		t.Fatal(err)
	}
	if j, err = srv.Gen.Wait(ctx, j.ID, time.Minute, nil); err != nil || j.State != store.JobDone {
		t.Fatalf("seed job: %s %q %v", j.State, j.Error, err)
	}
	bctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	out := runBrowserScript(t, bctx, node, "browser/remix.mjs", nil, "PICTOR_URL="+srv.URL, "PICTOR_USER=bob",
		"PICTOR_PASSWORD=correct horse battery", "PICTOR_SOURCE_POST=/@alice/"+store.FormatID(j.StatusID),
		"PICTOR_SOURCE_PROMPT="+prompt)
	if !strings.Contains(out, "ok - the painted mask is sent as a PNG") || !strings.Contains(out, "ok - the chain can be walked back to the remix") {
		t.Fatal("the browser script did not finish")
	}
	list, n, err := srv.DB.PublicRemixes(ctx, j.StatusID, 10)
	if err != nil || n != 1 || !strings.HasPrefix(list[0].Text, "the same lighthouse in a thunderstorm") {
		t.Fatalf("remixes of the source: %d %v %v", n, list, err)
	}
}
