package genimage

import (
	"context"

	"github.com/pictor-social/pictor/screening"
)

// WordList is a local Moderator that flags text containing any of its terms,
// matched as screening.WordList matches them (whole words, case-insensitive,
// "*" for a prefix, scripts without spaces rune by rune).
//
// A WordList is immutable and safe for concurrent use.
type WordList struct {
	list *screening.WordList
}

// NewWordList builds a WordList from terms; blank terms are ignored.
func NewWordList(terms []string) *WordList {
	return &WordList{list: screening.NewWordList(terms)}
}

// Screen flags text that contains a term; Categories is {"word-list"} and
// Reason names the term. It never returns an error.
func (l *WordList) Screen(_ context.Context, text string) (Verdict, error) {
	if t, ok := l.list.Match(text); ok {
		return Verdict{Flagged: true, Categories: []string{"word-list"}, Reason: `contains "` + t + `"`}, nil
	}
	return Verdict{}, nil
}

// Match returns the first configured term found in text, as it was given to
// NewWordList.
func (l *WordList) Match(text string) (string, bool) { return l.list.Match(text) }

// DefaultWordList returns a short starting list for instances without an
// OpenAI key: explicit sexual content, sexualised minors, gore and self-harm.
// It is deliberately small and blunt; admins are expected to extend it.
func DefaultWordList() []string {
	return []string{
		// sexual content
		"porn*", "nsfw", "xxx", "hentai", "nude", "nudes", "nudity", "naked", "topless",
		"genital*", "erotic*", "sex act", "sex scene", "having sex", "explicit sex",
		// sexualised minors: refused outright (product.md 4.5)
		"loli", "lolicon", "shota", "shotacon", "child porn*", "underage",
		// gore and self-harm
		"gore", "gory", "behead*", "decapitat*", "dismember*", "mutilat*",
		"self harm", "suicide",
	}
}
