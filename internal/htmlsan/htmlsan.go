// Package htmlsan reduces HTML written by other servers to the small
// allowlist Mastodon keeps (interop.md A.6), so stored posts and profiles are
// safe for Pictor's pages and for every app that renders them.
package htmlsan

import (
	"html"
	"net/url"
	"regexp"
	"strings"
)

// Remote statuses and profiles arrive as HTML written by other servers. They
// are kept through an allowlist: a few inline and block elements, links to
// http(s) only, and no attributes but href and the class names Mastodon keeps
// (mention, hashtag, ellipsis, invisible and microformats). Everything else
// is dropped (the text inside unknown elements stays; script and style
// content goes too). Output tags are always balanced.

var (
	tagRE   = regexp.MustCompile(`(?s)<(/?)([a-zA-Z][a-zA-Z0-9]*)([^>]*)>|<!--.*?-->|<![^>]*>|<\?[^>]*>`)
	hrefRE  = regexp.MustCompile(`(?i)\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))`)
	classRE = regexp.MustCompile(`(?i)\bclass\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))`)
)

// allowedTags maps allowed element names to whether they are void.
var allowedTags = map[string]bool{"p": false, "br": true, "a": false, "span": false, "strong": false, "em": false,
	"b": false, "i": false, "u": false, "s": false, "del": false, "code": false, "pre": false, "blockquote": false,
	"ul": false, "ol": false, "li": false}

// maxSanitizeInput bounds the HTML considered; longer input is cut.
const maxSanitizeInput = 64 << 10

// Clean returns s reduced to the allowlist, safe to insert as HTML.
func Clean(s string) string {
	if len(s) > maxSanitizeInput {
		s = s[:maxSanitizeInput]
	}
	var b strings.Builder
	var open []string
	skip := "" // inside script or style: drop until its end tag
	pos := 0
	for _, m := range tagRE.FindAllStringSubmatchIndex(s, -1) {
		if skip == "" {
			b.WriteString(escapeText(s[pos:m[0]]))
		}
		pos = m[1]
		if m[4] < 0 { // comment, doctype or processing instruction
			continue
		}
		closing := m[3] > m[2]
		name := strings.ToLower(s[m[4]:m[5]])
		if skip != "" {
			if closing && name == skip {
				skip = ""
			}
			continue
		}
		if name == "script" || name == "style" || name == "template" || name == "title" {
			if !closing && !strings.HasSuffix(strings.TrimSpace(s[m[6]:m[7]]), "/") {
				skip = name
			}
			continue
		}
		void, ok := allowedTags[name]
		if !ok {
			continue
		}
		if closing {
			open = closeTag(&b, open, name)
			continue
		}
		writeOpenTag(&b, name, s[m[6]:m[7]])
		if !void {
			open = append(open, name)
		}
	}
	if skip == "" {
		b.WriteString(escapeText(s[pos:]))
	}
	for i := len(open) - 1; i >= 0; i-- {
		b.WriteString("</" + open[i] + ">")
	}
	return b.String()
}

// closeTag closes name if it is open, closing what was opened inside it too;
// a stray end tag is dropped.
func closeTag(b *strings.Builder, open []string, name string) []string {
	for i := len(open) - 1; i >= 0; i-- {
		if open[i] != name {
			continue
		}
		for j := len(open) - 1; j >= i; j-- {
			b.WriteString("</" + open[j] + ">")
		}
		return open[:i]
	}
	return open
}

func writeOpenTag(b *strings.Builder, name, attrs string) {
	class := ""
	if name == "a" || name == "span" {
		if c := keptClasses(attrs); c != "" {
			class = ` class="` + c + `"`
		}
	}
	if name != "a" {
		b.WriteString("<" + name + class + ">")
		return
	}
	href := ""
	if m := hrefRE.FindStringSubmatch(attrs); m != nil {
		href = html.UnescapeString(m[1] + m[2] + m[3])
	}
	if !SafeURL(href) {
		b.WriteString("<a" + class + ">")
		return
	}
	b.WriteString(`<a href="` + html.EscapeString(href) + `"` + class + ` rel="nofollow noopener noreferrer" target="_blank">`)
}

// keptClasses returns the class names Mastodon keeps on links and spans:
// mention, hashtag, ellipsis, invisible and microformat names.
func keptClasses(attrs string) string {
	m := classRE.FindStringSubmatch(attrs)
	if m == nil {
		return ""
	}
	var kept []string
	for _, c := range strings.Fields(html.UnescapeString(m[1] + m[2] + m[3])) {
		switch {
		case c == "mention", c == "hashtag", c == "ellipsis", c == "invisible",
			strings.HasPrefix(c, "h-"), strings.HasPrefix(c, "p-"), strings.HasPrefix(c, "u-"),
			strings.HasPrefix(c, "dt-"), strings.HasPrefix(c, "e-"):
			if len(c) <= 40 && !strings.ContainsAny(c, `"'<>&`) {
				kept = append(kept, c)
			}
		}
	}
	return strings.Join(kept, " ")
}

// escapeText re-escapes a text run: entities are decoded first so that
// "&amp;" stays one escape and a bare "<" cannot open a tag.
func escapeText(s string) string { return html.EscapeString(html.UnescapeString(s)) }

// SafeURL reports whether s is an absolute http(s) URL, the only kind linked
// to or loaded from other servers.
func SafeURL(s string) bool {
	if s == "" || len(s) > 2048 {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// URLOr returns s when SafeURL accepts it, else fallback. Renderers pass every
// URL that came from another server through it, so no stored value of another
// scheme reaches an app, a page or an outgoing post.
func URLOr(s, fallback string) string {
	if SafeURL(s) {
		return s
	}
	return fallback
}

var spaceRE = regexp.MustCompile(`\s+`)

// blockTags become a space in plain text; other tags vanish.
var blockTags = map[string]bool{"p": true, "br": true, "li": true, "div": true, "blockquote": true, "pre": true,
	"h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "tr": true, "td": true}

// PlainText returns the text of an HTML fragment, paragraphs and line breaks
// turned into spaces, cut to at most n runes with an ellipsis.
func PlainText(s string, n int) string {
	if len(s) > maxSanitizeInput {
		s = s[:maxSanitizeInput]
	}
	s = tagRE.ReplaceAllStringFunc(s, func(tag string) string {
		if m := tagRE.FindStringSubmatch(tag); m != nil && blockTags[strings.ToLower(m[2])] {
			return " "
		}
		return ""
	})
	s = strings.TrimSpace(spaceRE.ReplaceAllString(html.UnescapeString(s), " "))
	r := []rune(s)
	if len(r) > n {
		return strings.TrimSpace(string(r[:n-1])) + "…"
	}
	return s
}
