package web_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strings"
	"testing"

	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// testPNG returns a small gradient image.
func testPNG(t testing.TB, seed int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := 0; y < 48; y++ {
		for x := 0; x < 64; x++ {
			img.Set(x, y, color.RGBA{uint8(x*4 + seed), uint8(y * 5), uint8(seed * 7), 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// postImage posts a generated image as accountID and returns the status.
func postImage(t testing.TB, srv *servertest.Server, accountID int64, prompt string, d social.Draft) store.Status {
	t.Helper()
	ctx := context.Background()
	m, err := srv.Social.UploadMedia(ctx, accountID, bytes.NewReader(testPNG(t, len(prompt))), social.MediaInput{
		Description: "Alt: " + prompt, Generated: true, GeneratorBackend: "builtin", GeneratorModel: "pictor-abstract-1",
		Prompt: prompt})
	if err != nil {
		t.Fatal(err)
	}
	d.MediaIDs = []int64{m.ID}
	st, err := srv.Social.CreateStatus(ctx, accountID, d)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestPublicPagesNeverShowPrivatePosts(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	alice := srv.CreateUser(t, "alice", "")
	pub := postImage(t, srv, alice.ID, "public lighthouse at dusk", social.Draft{Text: "hello world"})
	unl := postImage(t, srv, alice.ID, "unlisted quiet meadow", social.Draft{Visibility: "unlisted"})
	priv := postImage(t, srv, alice.ID, "secret followers garden", social.Draft{Visibility: "private"})
	dm := postImage(t, srv, alice.ID, "direct hidden letter", social.Draft{Visibility: "direct", Text: "@alice hi"})
	b := newBrowser(t, srv)

	explore := b.get("/")
	mustContain(t, explore, "public lighthouse at dusk", "/@alice/"+store.FormatID(pub.ID), "pictor-abstract-1", `loading="lazy"`,
		"data:image/png;base64,")
	mustNotContain(t, explore, "unlisted quiet meadow", "secret followers garden", "direct hidden letter")

	profile := b.get("/@alice")
	mustContain(t, profile, "public lighthouse at dusk", "unlisted quiet meadow", "@alice@", `rel="alternate" type="application/activity+json"`,
		`property="og:title"`, `href="`+srv.URL+`/@alice.atom"`)
	mustNotContain(t, profile, "secret followers garden", "direct hidden letter")

	feed := b.get("/@alice.atom")
	if ct := feed.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/atom+xml") {
		t.Fatalf("atom content type %q", ct)
	}
	mustContain(t, feed, "public lighthouse at dusk", pub.URI)
	mustNotContain(t, feed, "unlisted quiet meadow", "secret followers garden", "direct hidden letter")

	post := b.get("/@alice/" + store.FormatID(pub.ID))
	mustContain(t, post, "public lighthouse at dusk", "Alt: public lighthouse at dusk", "Remix this prompt",
		`/compose?prompt=public&#43;lighthouse&#43;at&#43;dusk`, `property="og:image"`, `name="twitter:card" content="summary_large_image"`,
		`<link rel="alternate" type="application/activity+json" href="`+pub.URI+`">`)
	if p := b.get("/@alice/" + store.FormatID(unl.ID)); p.Status != http.StatusOK {
		t.Fatalf("unlisted post page: %d", p.Status)
	}

	// Private posts do not exist for the pages, even for their author.
	b.signIn("alice")
	for _, st := range []store.Status{priv, dm} {
		p := b.get("/@alice/" + store.FormatID(st.ID))
		if p.Status != http.StatusNotFound {
			t.Fatalf("%s post page: %d", st.Visibility, p.Status)
		}
		mustNotContain(t, p, "secret followers garden", "direct hidden letter")
	}
	for _, path := range []string{"/", "/@alice", "/@alice.atom", "/users/alice.atom", "/explore/following"} {
		mustNotContain(t, b.get(path), "secret followers garden", "direct hidden letter")
	}
}

func TestPostPageContentWarningAndNegotiation(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	alice := srv.CreateUser(t, "alice", "")
	st := postImage(t, srv, alice.ID, "a stormy sea", social.Draft{Text: "<b>bold</b> words", SpoilerText: "flashing lights"})
	b := newBrowser(t, srv)
	p := b.get("/@alice/" + store.FormatID(st.ID))
	mustContain(t, p, `<details class="cw cw-media" id="cw">`, "<span>flashing lights</span>", "&lt;b&gt;bold&lt;/b&gt;")
	mustNotContain(t, p, `property="og:image"`) // a sensitive image does not unfurl

	// ActivityPub clients still get JSON at the same URLs.
	for _, path := range []string{"/@alice", "/@alice/" + store.FormatID(st.ID)} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		req.Header.Set("Accept", "application/activity+json")
		res := b.do(req)
		if res.Status != http.StatusOK || !strings.Contains(res.Header.Get("Content-Type"), "json") {
			t.Fatalf("%s as AS2: %d %s", path, res.Status, res.Header.Get("Content-Type"))
		}
	}
	if p := b.get("/@alice/1234"); p.Status != http.StatusNotFound {
		t.Fatalf("missing post: %d", p.Status)
	}
	if p := b.get("/@nobody"); p.Status != http.StatusNotFound {
		t.Fatalf("missing profile: %d", p.Status)
	}
}

// The owner sees what stops Bridgy Fed from bridging the account
// (checklist 45); visitors do not.
func TestBridgeReadinessShownToOwner(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	srv.CreateUser(t, "alice", "")
	b := newBrowser(t, srv)
	p := b.get("/@alice")
	mustNotContain(t, p, "Bridgy Fed only bridges", "default profile picture")
	b.signIn("alice")
	p = b.get("/@alice")
	mustContain(t, p, "default profile picture", "at least 7 days old")

}

// A post shows its content warning once, as Mastodon's web does: one
// <details> (no script needed) hides the images and, when there is a
// warning text, the post's text too. A sensitive flag alone hides only the
// images.
func TestPostPageShowsOneContentWarning(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	alice := srv.CreateUser(t, "alice", "")
	ctx := context.Background()
	textOnly, err := srv.Social.CreateStatus(ctx, alice.ID, social.Draft{Text: "spoiler text here", SpoilerText: "film plot"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name               string
		st                 store.Status
		summary            string
		hidden, notHidden  []string
		wantImagesInDetail bool
	}{
		{"warning with images and text",
			postImage(t, srv, alice.ID, "a stormy sea", social.Draft{Text: "words under the warning", SpoilerText: "flashing lights"}),
			"<summary><span>flashing lights</span>", []string{"words under the warning"}, nil, true},
		{"sensitive images only",
			postImage(t, srv, alice.ID, "a calm lake", social.Draft{Text: "words in the clear", Sensitive: true}),
			"<summary><span>Sensitive content</span>", nil, []string{"words in the clear"}, true},
		{"warning on text only", textOnly, "<summary><span>film plot</span>", []string{"spoiler text here"}, nil, false},
	}
	b := newBrowser(t, srv)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := b.get("/@alice/" + store.FormatID(tc.st.ID))
			article := p.Body[strings.Index(p.Body, `<article class="post">`):strings.Index(p.Body, "</article>")]
			// One warning; a generated image's prompt waits behind a second, plain "Prompt" summary.
			details := strings.Count(article, "<details")
			if strings.Contains(article, "<summary><span>Prompt</span>") {
				details--
			}
			if details != 1 {
				t.Fatalf("%d <details> in the post, want 1:\n%s", details, article)
			}
			if n := strings.Count(article, tc.summary); n != 1 {
				t.Fatalf("want one summary %q:\n%s", tc.summary, article)
			}
			inside := article[strings.Index(article, "<details"):strings.Index(article, "</details>")]
			outside := strings.Replace(article, inside, "", 1)
			for _, s := range tc.hidden {
				if !strings.Contains(inside, s) || strings.Contains(outside, s) {
					t.Fatalf("%q is not (only) behind the warning:\n%s", s, article)
				}
			}
			for _, s := range tc.notHidden {
				if strings.Contains(inside, s) || !strings.Contains(outside, s) {
					t.Fatalf("%q is hidden:\n%s", s, article)
				}
			}
			if got := strings.Contains(inside, `<img class="img"`); got != tc.wantImagesInDetail || strings.Contains(outside, `<img class="img"`) {
				t.Fatalf("images behind the warning: %v, want %v:\n%s", got, tc.wantImagesInDetail, article)
			}
		})
	}
}
