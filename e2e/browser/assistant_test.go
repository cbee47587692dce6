package browser

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pictor-social/pictor/e2e/e2ekit"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// In Chromium, a suggestion chip fills the reply box and posts nothing, and
// Suggest description fills the upload's alt text (e2e/browser/assistant.mjs).
func TestAssistantInBrowser(t *testing.T) {
	node := requireBrowser(t)
	fake := e2ekit.FakeAssistant(t)
	srv := e2ekit.StartAssistant(t, fake)
	alice := srv.CreateUser(t, "alice", "")
	srv.CreateUser(t, "bob", "")
	st, err := srv.Social.CreateStatus(context.Background(), alice.ID, social.Draft{Text: "Our new garden pond", Visibility: "public"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out := runBrowserScript(t, ctx, node, "browser/assistant.mjs", nil, "PICTOR_URL="+srv.URL, "PICTOR_USER=bob",
		"PICTOR_PASSWORD=correct horse battery", "PICTOR_POST=/@alice/"+store.FormatID(st.ID), "PNG_FILE="+e2ekit.WritePNG(t))
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
