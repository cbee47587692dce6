package social

import (
	"reflect"
	"strings"
	"testing"
)

func TestFormat(t *testing.T) {
	link := func(h string) (string, string, bool) {
		switch strings.ToLower(h) {
		case "bob@remote.test":
			return "https://remote.test/users/bob", "bob", true
		case "alice":
			return "https://p.test/@alice", "alice", true
		}
		return "", "", false
	}
	cases := []struct {
		name, in, html string
		mentions, tags []string
	}{
		{"escape", "a <b> & c", "<p>a &lt;b&gt; &amp; c</p>", nil, nil},
		{"paragraphs", "one\ntwo\n\nthree", "<p>one<br>two</p><p>three</p>", nil, nil},
		{"url", "see https://x.test/a?b=1.", `<p>see <a href="https://x.test/a?b=1" rel="nofollow noopener noreferrer" target="_blank">x.test/a?b=1</a>.</p>`, nil, nil},
		{"hashtag", "#Cats and #cats", `<p><a href="https://p.test/tags/cats" class="mention hashtag" rel="tag">#<span>Cats</span></a> and <a href="https://p.test/tags/cats" class="mention hashtag" rel="tag">#<span>cats</span></a></p>`, nil, []string{"Cats"}},
		{"mention remote", "hi @bob@remote.test!", `<p>hi <span class="h-card" translate="no"><a href="https://remote.test/users/bob" class="u-url mention">@<span>bob</span></a></span>!</p>`, []string{"bob@remote.test"}, nil},
		{"mention local", "@alice look", `<p><span class="h-card" translate="no"><a href="https://p.test/@alice" class="u-url mention">@<span>alice</span></a></span> look</p>`, []string{"alice"}, nil},
		{"unknown mention stays text", "@nobody hi", "<p>@nobody hi</p>", nil, nil},
		{"email is not a mention", "mail me@alice.test", "<p>mail me@alice.test</p>", nil, nil},
		{"anchor is not a tag", "a&#39;b x/#y", "<p>a&amp;#39;b x/#y</p>", nil, nil},
		{"empty", "  ", "", nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := Format(tc.in, "https://p.test/tags/", link)
			if f.HTML != tc.html {
				t.Errorf("html\n got %s\nwant %s", f.HTML, tc.html)
			}
			if !reflect.DeepEqual(f.Mentions, tc.mentions) || !reflect.DeepEqual(f.Tags, tc.tags) {
				t.Errorf("mentions %v tags %v", f.Mentions, f.Tags)
			}
		})
	}
}

func TestPlainText(t *testing.T) {
	if got := PlainText("<p>a &amp; <b>b</b></p><p>c<br>d</p>"); got != "a & b\n\nc\nd" {
		t.Fatalf("got %q", got)
	}
}
