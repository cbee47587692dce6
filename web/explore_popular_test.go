package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

func TestExplorePopularRanksLikedGeneratedImages(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	ctx := context.Background()
	alice := srv.CreateUser(t, "alice", "")
	bob := srv.CreateUser(t, "bob", "")
	carol := srv.CreateUser(t, "carol", "")
	some := postImage(t, srv, alice.ID, "somewhat liked harbour", social.Draft{})
	most := postImage(t, srv, alice.ID, "much loved orchard", social.Draft{})
	postImage(t, srv, alice.ID, "ignored desert", social.Draft{})
	hidden := postImage(t, srv, alice.ID, "sensitive volcano", social.Draft{Sensitive: true})
	for _, like := range []struct {
		who int64
		st  store.Status
	}{{bob.ID, some}, {bob.ID, most}, {carol.ID, most}, {bob.ID, hidden}, {carol.ID, hidden}} {
		if _, err := srv.Social.Favourite(ctx, like.who, like.st.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := srv.Social.Reblog(ctx, carol.ID, hidden.ID); err != nil {
		t.Fatal(err)
	}

	b := newBrowser(t, srv)
	p := b.get("/explore/popular")
	mustContain(t, p, "<h1>Popular</h1>", `href="/explore/popular" aria-current="page"`, "much loved orchard",
		"somewhat liked harbour", "/@alice/"+store.FormatID(most.ID), `loading="lazy"`)
	mustNotContain(t, p, "ignored desert", "sensitive volcano", `rel="next"`)
	if i, j := strings.Index(p.Body, "much loved orchard"), strings.Index(p.Body, "somewhat liked harbour"); i > j {
		t.Fatalf("most liked image is not first (%d > %d)", i, j)
	}
	mustContain(t, b.get("/"), `href="/explore/popular"`)
	mustNotContain(t, b.get("/explore/popular?offset=2"), "much loved orchard", "somewhat liked harbour")
	mustContain(t, b.get("/explore/popular?offset=-5"), "much loved orchard")
}
