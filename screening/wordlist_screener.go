package screening

import "context"

// WordListScreener is the offline backend: it flags a text containing a
// term of its lists, with the category of the list the term is in and a
// score of 1. It never fails.
type WordListScreener struct {
	lists []categoryList
}

type categoryList struct {
	category string
	list     *WordList
}

// NewWordListScreener builds the offline backend from terms per category
// (keys normalised by Category); blank terms are ignored. Categories are
// tried in the order of Categories.
func NewWordListScreener(terms map[string][]string) *WordListScreener {
	byCat := map[string][]string{}
	for k, v := range terms {
		c := Category(k)
		byCat[c] = append(byCat[c], v...)
	}
	s := &WordListScreener{}
	for _, c := range Categories {
		if len(byCat[c]) > 0 {
			s.lists = append(s.lists, categoryList{category: c, list: NewWordList(byCat[c])})
		}
	}
	return s
}

// Screen implements Screener.
func (s *WordListScreener) Screen(_ context.Context, text string) (Result, error) {
	r := Result{Backend: "wordlist", Model: "builtin"}
	words := tokenize(text)
	for _, l := range s.lists {
		if t, ok := l.list.matchWords(words); ok {
			r.Flagged, r.Category, r.Score, r.Reason = true, l.category, 1, `contains "`+t+`"`
			r.Scores = map[string]float64{l.category: 1}
			return r, nil
		}
	}
	return r, nil
}

// DefaultTerms is the built-in list a fresh install screens posts with, no
// key needed: unambiguous harassment and hate phrases. It is deliberately
// short and blunt (whole words, so quoting or discussing them is flagged
// too, which "warn" and "collapse" soften); admins extend it with
// [screening] words.
func DefaultTerms() map[string][]string {
	return map[string][]string{
		Harassment: {"kill yourself", "kill urself", "kys", "go die", "neck yourself", "hope you die",
			"drink bleach"},
		Hate: {"subhuman*", "untermensch*", "heil hitler", "sieg heil", "white power", "race traitor*",
			"gas the jews", "exterminate them", "vermin race"},
	}
}
