package screening

import (
	"strings"
	"unicode"
)

// WordList finds configured terms in text, offline.
// Matching is case-insensitive and by whole words: "sex" does not match
// "Sussex". A term of several words matches those words in sequence, whatever
// separates them ("self harm" matches "SELF-HARM"). A word ending in "*"
// matches any word starting with it ("nud*" matches "nudity"). Scripts written
// without spaces (Han, Kana, Thai, Lao, Khmer, Myanmar) are matched character
// by character, so a term in them matches inside a longer run of text.
//
// A WordList is immutable and safe for concurrent use.
type WordList struct {
	exact  map[string][]term // terms keyed by their first word
	prefix []term            // terms whose first word ends in "*"
}

type term struct {
	source string   // as configured, for the reason shown to users
	words  []string // lowercased; a trailing "*" marks a prefix word
}

// NewWordList builds a WordList from terms; blank terms are ignored.
func NewWordList(terms []string) *WordList {
	l := &WordList{exact: make(map[string][]term)}
	for _, s := range terms {
		words := tokenize(strings.ReplaceAll(s, "*", "\x00"))
		if len(words) == 0 {
			continue
		}
		for i, w := range words {
			words[i] = strings.ReplaceAll(w, "\x00", "*")
		}
		t := term{source: strings.TrimSpace(s), words: words}
		if isPrefixWord(words[0]) {
			l.prefix = append(l.prefix, t)
		} else {
			l.exact[words[0]] = append(l.exact[words[0]], t)
		}
	}
	return l
}

// Match returns the first configured term found in text, as it was given to
// NewWordList.
func (l *WordList) Match(text string) (string, bool) { return l.matchWords(tokenize(text)) }

// matchWords is Match over text already split by tokenize.
func (l *WordList) matchWords(words []string) (string, bool) {
	for i, w := range words {
		for _, t := range l.exact[w] {
			if t.matchAt(words, i) {
				return t.source, true
			}
		}
		for _, t := range l.prefix {
			if t.matchAt(words, i) {
				return t.source, true
			}
		}
	}
	return "", false
}

func (t term) matchAt(words []string, i int) bool {
	if i+len(t.words) > len(words) {
		return false
	}
	for j, tw := range t.words {
		w := words[i+j]
		if isPrefixWord(tw) {
			if !strings.HasPrefix(w, tw[:len(tw)-1]) {
				return false
			}
		} else if w != tw {
			return false
		}
	}
	return true
}

func isPrefixWord(w string) bool { return len(w) > 1 && strings.HasSuffix(w, "*") }

// tokenize lowercases s and splits it into words made of letters, digits,
// combining marks and NUL (the stand-in for "*"); characters of scripts
// written without spaces each become a word of their own.
func tokenize(s string) []string {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, string(cur))
			cur = cur[:0]
		}
	}
	for _, r := range strings.ToLower(s) {
		switch {
		case unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Thai,
			unicode.Lao, unicode.Khmer, unicode.Myanmar):
			flush()
			words = append(words, string(r))
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || r == 0:
			cur = append(cur, r)
		default:
			flush()
		}
	}
	flush()
	return words
}
