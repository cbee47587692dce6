package e2e

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pictor-social/pictor/store"
)

// Variants in a real browser (issue 12): four candidates on the job page,
// two picked by keyboard with their own alt texts, one post with both.
func TestBrowserPickTwoOfFour(t *testing.T) {
	node := requireBrowser(t)
	srv, _ := startGated(t, nil)
	createAlice(t, srv)
	shots := ""
	if os.Getenv("PICTOR_SCREENSHOTS") == "1" {
		shots, _ = filepath.Abs("../docs/screenshots")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out := runBrowserScript(t, ctx, node, "browser/variants.mjs", nil, "PICTOR_URL="+srv.URL, "PICTOR_USER=alice",
		"PICTOR_PASSWORD=correct horse battery", "PICTOR_SCREENSHOTS="+shots)
	m := regexp.MustCompile(`pictor: posted (\S+)/@alice/([0-9]+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatal("the script did not post")
	}
	// The API agrees: the status has the two images with those descriptions.
	id, _ := store.ParseID(m[2])
	media, err := srv.DB.MediaForStatuses(ctx, []int64{id})
	if err != nil {
		t.Fatal(err)
	}
	got := media[id]
	if len(got) != 2 || got[0].Description != "A paper boat, the second one" || got[1].Description != "A paper boat, the fourth one" ||
		!got[0].Generated() || !got[1].Generated() {
		t.Fatalf("attachments %+v", got)
	}
	resp, err := srv.Client.Get(srv.URL + "/api/v1/statuses/" + m[2])
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "AIGenerated") {
		t.Fatalf("status API: %d %.300s", resp.StatusCode, body)
	}
}
