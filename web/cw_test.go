package web_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/pictor-social/pictor/server/servertest"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// closedDetailsRE matches a <details> element that is not open, with what it
// holds (the pages do not nest them).
var closedDetailsRE = regexp.MustCompile(`(?s)<details\b([^>]*)>.*?</details>`)

var summaryRE = regexp.MustCompile(`(?s)<summary\b.*?</summary>`)

// outsideClosedDetails returns body with its closed <details> elements cut
// down to their <summary>, failing on an open one: what is left is what
// shows before anything is opened.
func outsideClosedDetails(t *testing.T, body string) string {
	t.Helper()
	return closedDetailsRE.ReplaceAllStringFunc(body, func(d string) string {
		attrs := closedDetailsRE.FindStringSubmatch(d)[1]
		if regexp.MustCompile(`\bopen\b`).MatchString(attrs) {
			t.Fatalf("a <details> is open from the start: %.300s", d)
		}
		return summaryRE.FindString(d)
	})
}

// A content warning hides what it covers (text, prompt, the image's alt
// text) on every HTML view of a post until it is opened: gallery cards on
// Explore and the profile, the post page and replies. The warning itself is
// in plain view, and an Atom entry's title leads with it.
func TestContentWarningsHoldOnEveryPage(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	alice := srv.CreateUser(t, "alice", "")
	bob := srv.CreateUser(t, "bob", "")
	// The image's alt text is "Alt: " + the prompt.
	img := postImage(t, srv, alice.ID, "covered storm prompt", social.Draft{Text: "covered image words",
		SpoilerText: "storm warning", Sensitive: true})
	ctx := context.Background()
	text, err := srv.Social.CreateStatus(ctx, alice.ID, social.Draft{Text: "covered plain words", SpoilerText: "spoiler ahead"})
	if err != nil {
		t.Fatal(err)
	}
	parent := postImage(t, srv, alice.ID, "an open harbour", social.Draft{Text: "nothing to hide"})
	if _, err := srv.Social.CreateStatus(ctx, bob.ID, social.Draft{Text: "covered reply words", SpoilerText: "reply warning",
		InReplyToID: parent.ID}); err != nil {
		t.Fatal(err)
	}
	post := func(st store.Status) string { return "/@alice/" + store.FormatID(st.ID) }
	b := newBrowser(t, srv)
	for _, tc := range []struct {
		place            string
		path             string
		warnings, hidden []string
	}{
		{"Explore card", "/", []string{"storm warning"}, []string{"covered storm prompt", "covered image words"}},
		{"profile grid", "/@alice", []string{"storm warning", "spoiler ahead"},
			[]string{"covered storm prompt", "covered image words", "covered plain words"}},
		{"post page with images", post(img), []string{"storm warning"},
			[]string{"covered storm prompt", "covered image words"}},
		{"text-only post page", post(text), []string{"spoiler ahead"}, []string{"covered plain words"}},
		{"replies", post(parent), []string{"reply warning"}, []string{"covered reply words"}},
	} {
		t.Run(tc.place, func(t *testing.T) {
			p := b.get(tc.path)
			if p.Status != 200 {
				t.Fatalf("GET %s: %d", tc.path, p.Status)
			}
			shown := outsideClosedDetails(t, p.Body)
			for _, w := range tc.warnings {
				if !strings.Contains(shown, w) {
					t.Errorf("the warning %q is not in plain view", w)
				}
			}
			for _, h := range tc.hidden {
				if strings.Contains(shown, h) {
					i := strings.Index(shown, h)
					t.Errorf("%q shows before the warning is opened: …%s…", h, shown[max(0, i-200):min(len(shown), i+100)])
				}
			}
			// What was hidden is there once the warning is opened (a card shows
			// the prompt or, without one, the text).
			if !strings.Contains(p.Body, tc.hidden[0]) {
				t.Errorf("%q is not behind the warning either", tc.hidden[0])
			}
			if strings.HasPrefix(tc.place, "post page") && !strings.Contains(p.Body, `alt="Alt: covered storm prompt"`) {
				t.Error("the image's alt text is not behind the warning")
			}
		})
	}

	t.Run("Atom", func(t *testing.T) {
		p := b.get("/@alice.atom")
		for _, want := range []string{"<title>CW: storm warning</title>", "<title>CW: spoiler ahead</title>"} {
			if !strings.Contains(p.Body, want) {
				t.Errorf("the feed lacks %q:\n%.2000s", want, p.Body)
			}
		}
		if strings.Contains(p.Body, "<title>covered") {
			t.Error("an entry's title gives away what the warning covers")
		}
	})
}

// A text-only post on a profile is a card without an image, not a broken
// one: no <img> with an empty source, and its link has a name.
func TestProfileTextOnlyCard(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	alice := srv.CreateUser(t, "alice", "")
	if _, err := srv.Social.CreateStatus(context.Background(), alice.ID, social.Draft{Text: "just words"}); err != nil {
		t.Fatal(err)
	}
	p := newBrowser(t, srv).get("/@alice")
	mustContain(t, p, `<span class="noimg-label">Text post`, "just words")
	mustNotContain(t, p, `src=""`)
}
