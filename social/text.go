package social

import (
	"html"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Formatted is status text turned into the HTML Mastodon sends, with what
// it mentions and tags.
type Formatted struct {
	HTML     string
	Mentions []string // handles as typed: "user" or "user@host", without '@'
	Tags     []string // hashtag names as typed, without '#'
}

// MentionLink tells Format how to link a mention; ok=false leaves it as text.
type MentionLink func(handle string) (href, display string, ok bool)

var (
	tokenRE = regexp.MustCompile(`https?://[^\s<>"]+|(?:^|[^\pL\pN_/@])@([a-zA-Z0-9_][a-zA-Z0-9_.-]*(?:@[a-zA-Z0-9.-]+(?::\d+)?)?)|(?:^|[^\pL\pN_&/#])#([\pL\pN_]*[\pL_][\pL\pN_]*)`)
)

// Format turns plain text into HTML: paragraphs on blank lines, <br> on line
// breaks, links for URLs, hashtags (to tagURL+name) and mentions (through
// link). Everything else is escaped.
func Format(text string, tagURL string, link MentionLink) Formatted {
	var f Formatted
	text = strings.ReplaceAll(strings.TrimSpace(text), "\r\n", "\n")
	if text == "" {
		return f
	}
	seenTag, seenMention := map[string]bool{}, map[string]bool{}
	var paras []string
	for _, p := range regexp.MustCompile(`\n{2,}`).Split(text, -1) {
		lines := strings.Split(p, "\n")
		for i, l := range lines {
			lines[i] = formatLine(l, tagURL, link, &f, seenTag, seenMention)
		}
		paras = append(paras, "<p>"+strings.Join(lines, "<br>")+"</p>")
	}
	f.HTML = strings.Join(paras, "")
	return f
}

func formatLine(line, tagURL string, link MentionLink, f *Formatted, seenTag, seenMention map[string]bool) string {
	var b strings.Builder
	last := 0
	for _, m := range tokenRE.FindAllStringSubmatchIndex(line, -1) {
		start, end := m[0], m[1]
		switch {
		case m[2] >= 0: // mention
			handle := strings.TrimRight(line[m[2]:m[3]], ".-")
			end = m[2] + len(handle)
			href, display, ok := link(handle)
			if !ok {
				continue
			}
			b.WriteString(html.EscapeString(line[last : m[2]-1]))
			b.WriteString(`<span class="h-card" translate="no"><a href="` + html.EscapeString(href) +
				`" class="u-url mention">@<span>` + html.EscapeString(display) + `</span></a></span>`)
			if key := strings.ToLower(handle); !seenMention[key] {
				seenMention[key] = true
				f.Mentions = append(f.Mentions, handle)
			}
		case m[4] >= 0: // hashtag
			name := line[m[4]:m[5]]
			b.WriteString(html.EscapeString(line[last : m[4]-1]))
			b.WriteString(`<a href="` + html.EscapeString(tagURL+strings.ToLower(name)) +
				`" class="mention hashtag" rel="tag">#<span>` + html.EscapeString(name) + `</span></a>`)
			if key := strings.ToLower(name); !seenTag[key] {
				seenTag[key] = true
				f.Tags = append(f.Tags, name)
			}
		default: // URL
			u := strings.TrimRight(line[start:end], ".,;:!?)'\"")
			end = start + len(u)
			b.WriteString(html.EscapeString(line[last:start]))
			b.WriteString(`<a href="` + html.EscapeString(u) + `" rel="nofollow noopener noreferrer" target="_blank">` +
				html.EscapeString(shorten(u)) + `</a>`)
		}
		last = end
	}
	b.WriteString(html.EscapeString(line[last:]))
	return b.String()
}

// shorten drops the scheme and cuts long URLs for display, as Mastodon does.
func shorten(u string) string {
	s := strings.TrimPrefix(strings.TrimPrefix(u, "https://"), "http://")
	if utf8.RuneCountInString(s) > 30 {
		r := []rune(s)
		return string(r[:30]) + "…"
	}
	return s
}

var tagStripRE = regexp.MustCompile(`<[^>]*>`)

// PlainText strips HTML to text, for previews and alt-text defaults.
func PlainText(h string) string {
	h = strings.NewReplacer("<br>", "\n", "<br/>", "\n", "<br />", "\n", "</p><p>", "\n\n").Replace(h)
	return strings.TrimSpace(html.UnescapeString(tagStripRE.ReplaceAllString(h, "")))
}
