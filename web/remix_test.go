package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// The compose page remixes a post (from its image or its prompt alone), the
// post page shows the lineage both ways, and the author sees the remix on
// the notifications page.
func TestRemixPagesAndNotifications(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	alice := srv.CreateUser(t, "alice", "")
	srv.CreateUser(t, "bob", "")
	src := postImage(t, srv, alice.ID, "a lighthouse at dusk", social.Draft{})
	srcPath := "/@alice/" + store.FormatID(src.ID)

	b := newBrowser(t, srv)
	b.signIn("bob")
	post := b.get(srcPath)
	mustContain(t, post, `href="/compose?prompt=a&#43;lighthouse&#43;at&#43;dusk&amp;remix=`+store.FormatID(src.ID)+`"`, "Remix this prompt")
	compose := b.get("/compose?prompt=a+lighthouse+at+dusk&remix=" + store.FormatID(src.ID))
	mustContain(t, compose, `name="remix" value="`+store.FormatID(src.ID)+`"`, `name="use_image" value="1" checked`,
		"Remixing", "a post by @alice@")
	for _, useImage := range []string{"1", ""} {
		res := b.post("/compose/generate", url.Values{"csrf_token": {csrf(t, compose)}, "prompt": {"a lighthouse at night"},
			"remix": {store.FormatID(src.ID)}, "use_image": {useImage}})
		if res.Status != 303 || !strings.HasPrefix(res.Location, "/compose/jobs/") {
			t.Fatalf("generate (use_image=%q): %d %s", useImage, res.Status, res.Location)
		}
		id := strings.TrimPrefix(res.Location, "/compose/jobs/")
		j, err := srv.Gen.Wait(context.Background(), id, time.Minute, nil)
		if err != nil || j.State != store.JobDone {
			t.Fatalf("job %s %q %v", j.State, j.Error, err)
		}
		st, err := srv.Social.CreateStatus(context.Background(), j.AccountID, social.Draft{Text: "night", MediaIDs: j.MediaIDs[:1]})
		if err != nil {
			t.Fatal(err)
		}
		mustContain(t, b.get("/@bob/"+store.FormatID(st.ID)), `Remix of <a href="`+srv.URL+srcPath+`">@alice@`)
	}
	page := b.get(srcPath)
	mustContain(t, page, "Remixed 2 times", "Remix by @bob@")

	a := newBrowser(t, srv)
	a.signIn("alice")
	n := a.get("/notifications")
	mustContain(t, n, "remixed your post", "@bob@")
	mustNotContain(t, b.get("/notifications"), "remixed your post")
}
