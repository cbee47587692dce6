package social

import (
	"html"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/pictor-social/pictor/store"
)

// FilterSet is one account's active filters compiled for matching. Build
// it once per request with CompileFilters; it is read-only afterwards and
// safe for concurrent use.
type FilterSet struct {
	filters []compiledFilter
}

type compiledFilter struct {
	filter   *store.Filter
	contexts []string
	keywords []compiledKeyword
	statuses map[int64]bool
}

// compiledKeyword is a keyword folded to lower case; a whole-word keyword
// needs a word boundary on each side that starts or ends with a word
// character, so "#AIgenerated" matches in "art #AIgenerated!" but not in
// "#AIgeneratedArt", as Mastodon's filters behave.
type compiledKeyword struct {
	keyword    string // as the user wrote it
	folded     string
	startBound bool
	endBound   bool
}

// FilterSubject is what filters look at in one status.
type FilterSubject struct {
	IDs               []int64 // the status and, for a boost, the boosted status
	SpoilerText       string
	ContentHTML       string
	MediaDescriptions []string
}

// FilterMatch is one filter that matched a status: the keywords (as the
// user wrote them) and the filtered status ids that matched.
type FilterMatch struct {
	Filter    *store.Filter
	Keywords  []string
	StatusIDs []int64
}

// CompileFilters prepares list for matching, leaving out the filters that
// expired by now. list must not change afterwards.
func CompileFilters(list []store.Filter, now time.Time) *FilterSet {
	fs := &FilterSet{}
	for i := range list {
		f := &list[i]
		if !f.ExpiresAt.IsZero() && !f.ExpiresAt.After(now) {
			continue
		}
		c := compiledFilter{filter: f, contexts: f.Context}
		for _, k := range f.Keywords {
			c.keywords = append(c.keywords, compileKeyword(k))
		}
		if len(f.Statuses) > 0 {
			c.statuses = make(map[int64]bool, len(f.Statuses))
			for _, s := range f.Statuses {
				c.statuses[s.StatusID] = true
			}
		}
		fs.filters = append(fs.filters, c)
	}
	return fs
}

func compileKeyword(k store.FilterKeyword) compiledKeyword {
	c := compiledKeyword{keyword: k.Keyword, folded: strings.ToLower(k.Keyword)}
	if k.WholeWord && c.folded != "" {
		first, _ := utf8.DecodeRuneInString(c.folded)
		last, _ := utf8.DecodeLastRuneInString(c.folded)
		c.startBound, c.endBound = isWordRune(first), isWordRune(last)
	}
	return c
}

// Empty reports whether no active filter exists, so callers can skip
// matching altogether.
func (fs *FilterSet) Empty() bool { return fs == nil || len(fs.filters) == 0 }

// Match returns the filters applying in context ("" means any context)
// that match s, in filter order. The status text is built at most once.
func (fs *FilterSet) Match(context string, s FilterSubject) []FilterMatch {
	if fs.Empty() {
		return nil
	}
	var text string
	built := false
	var out []FilterMatch
	for _, f := range fs.filters {
		if context != "" && !slices.Contains(f.contexts, context) {
			continue
		}
		m := FilterMatch{Filter: f.filter}
		for _, id := range s.IDs {
			if f.statuses[id] {
				m.StatusIDs = append(m.StatusIDs, id)
			}
		}
		if len(f.keywords) > 0 && !built {
			text, built = strings.ToLower(searchableText(s)), true
		}
		for _, k := range f.keywords {
			if k.matches(text) {
				m.Keywords = append(m.Keywords, k.keyword)
			}
		}
		if len(m.Keywords) > 0 || len(m.StatusIDs) > 0 {
			out = append(out, m)
		}
	}
	return out
}

// Hides reports whether any of matches is a hide filter.
func Hides(matches []FilterMatch) bool {
	return slices.ContainsFunc(matches, func(m FilterMatch) bool { return m.Filter.Action == store.FilterHide })
}

// matches reports whether k occurs in the folded text, with word
// boundaries where k needs them.
func (k compiledKeyword) matches(text string) bool {
	for from := 0; from <= len(text); {
		i := strings.Index(text[from:], k.folded)
		if i < 0 {
			return false
		}
		start, end := from+i, from+i+len(k.folded)
		if k.boundedAt(text, start, end) {
			return true
		}
		_, size := utf8.DecodeRuneInString(text[start:])
		from = start + max(size, 1)
	}
	return false
}

func (k compiledKeyword) boundedAt(text string, start, end int) bool {
	if k.startBound && start > 0 {
		if r, _ := utf8.DecodeLastRuneInString(text[:start]); isWordRune(r) {
			return false
		}
	}
	if k.endBound && end < len(text) {
		if r, _ := utf8.DecodeRuneInString(text[end:]); isWordRune(r) {
			return false
		}
	}
	return true
}

// isWordRune is POSIX [[:word:]] in its Unicode reading: letters, marks,
// decimal digits and connector punctuation such as "_".
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.M, r) || unicode.Is(unicode.Pc, r)
}

// searchableText is what keywords are matched against, as Mastodon builds
// it: content warning, post text and media descriptions, each a paragraph.
func searchableText(s FilterSubject) string {
	var b strings.Builder
	b.WriteString(s.SpoilerText)
	b.WriteString("\n\n")
	b.WriteString(htmlText(s.ContentHTML))
	for _, d := range s.MediaDescriptions {
		b.WriteString("\n\n")
		b.WriteString(d)
	}
	return b.String()
}

// breakTags separate words in plain text; other tags (links, mention and
// hashtag spans) join their text to what surrounds them.
var breakTags = map[string]bool{"br": true, "p": true, "div": true, "li": true, "blockquote": true, "pre": true,
	"h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "tr": true, "td": true}

// htmlText returns the text of sanitised status HTML without a regexp, as
// it runs for every status of every page.
func htmlText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		j := strings.IndexByte(s[i:], '>')
		if j < 0 {
			break
		}
		if breakTags[tagName(s[i+1:i+j])] {
			b.WriteByte('\n')
		}
		s = s[i+j+1:]
	}
	return html.UnescapeString(b.String())
}

// tagName is the lower-case element name of a tag's inside ("/p", "br /").
func tagName(t string) string {
	t = strings.TrimPrefix(t, "/")
	end := strings.IndexFunc(t, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') })
	if end >= 0 {
		t = t[:end]
	}
	return strings.ToLower(t)
}
