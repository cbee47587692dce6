package mastoapi

import (
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// Filter is Mastodon's v2 Filter entity.
type Filter struct {
	ID           string          `json:"id"`
	Title        string          `json:"title"`
	Context      []string        `json:"context"`
	ExpiresAt    *Time           `json:"expires_at"`
	FilterAction string          `json:"filter_action"`
	Keywords     []FilterKeyword `json:"keywords"`
	Statuses     []FilterStatus  `json:"statuses"`
}

// FilterSummary is a Filter without its keywords and statuses, as the
// filter of a FilterResult is sent.
type FilterSummary struct {
	ID           string   `json:"id"`
	Title        string   `json:"title"`
	Context      []string `json:"context"`
	ExpiresAt    *Time    `json:"expires_at"`
	FilterAction string   `json:"filter_action"`
}

// FilterKeyword is Mastodon's FilterKeyword entity.
type FilterKeyword struct {
	ID        string `json:"id"`
	Keyword   string `json:"keyword"`
	WholeWord bool   `json:"whole_word"`
}

// FilterStatus is Mastodon's FilterStatus entity.
type FilterStatus struct {
	ID       string `json:"id"`
	StatusID string `json:"status_id"`
}

// FilterResult is one entry of a Status's "filtered": a filter that
// matched, without its keyword and status lists, as Mastodon sends it.
type FilterResult struct {
	Filter         FilterSummary `json:"filter"`
	KeywordMatches []string      `json:"keyword_matches"`
	StatusMatches  []string      `json:"status_matches"`
}

// FilterV1 is Mastodon's V1::Filter entity: one keyword of a filter.
type FilterV1 struct {
	ID           string   `json:"id"`
	Phrase       string   `json:"phrase"`
	Context      []string `json:"context"`
	WholeWord    bool     `json:"whole_word"`
	ExpiresAt    *Time    `json:"expires_at"`
	Irreversible bool     `json:"irreversible"`
}

// filterSummary renders f without keywords and statuses.
func filterSummary(f *store.Filter) FilterSummary {
	ctx := f.Context
	if ctx == nil {
		ctx = []string{}
	}
	return FilterSummary{ID: store.FormatID(f.ID), Title: f.Title, Context: ctx, ExpiresAt: timePtr(f.ExpiresAt),
		FilterAction: f.Action}
}

// filterEntity renders f with its keywords and statuses (always arrays).
func filterEntity(f store.Filter) Filter {
	s := filterSummary(&f)
	e := Filter{ID: s.ID, Title: s.Title, Context: s.Context, ExpiresAt: s.ExpiresAt, FilterAction: s.FilterAction,
		Keywords: make([]FilterKeyword, 0, len(f.Keywords)), Statuses: make([]FilterStatus, 0, len(f.Statuses))}
	for _, k := range f.Keywords {
		e.Keywords = append(e.Keywords, filterKeywordEntity(k))
	}
	for _, s := range f.Statuses {
		e.Statuses = append(e.Statuses, filterStatusEntity(s))
	}
	return e
}

func filterKeywordEntity(k store.FilterKeyword) FilterKeyword {
	return FilterKeyword{ID: store.FormatID(k.ID), Keyword: k.Keyword, WholeWord: k.WholeWord}
}

func filterStatusEntity(s store.FilterStatus) FilterStatus {
	return FilterStatus{ID: store.FormatID(s.ID), StatusID: store.FormatID(s.StatusID)}
}

// filterV1Entity renders keyword k of filter f as a v1 filter.
func filterV1Entity(f store.Filter, k store.FilterKeyword) FilterV1 {
	ctx := f.Context
	if ctx == nil {
		ctx = []string{}
	}
	return FilterV1{ID: store.FormatID(k.ID), Phrase: k.Keyword, Context: ctx, WholeWord: k.WholeWord,
		ExpiresAt: timePtr(f.ExpiresAt), Irreversible: f.Action == store.FilterHide}
}

// filterResults renders matches for a Status's "filtered"; never nil.
func filterResults(matches []social.FilterMatch) []any {
	out := make([]any, 0, len(matches))
	for _, m := range matches {
		r := FilterResult{Filter: filterSummary(m.Filter), KeywordMatches: m.Keywords}
		for _, id := range m.StatusIDs {
			r.StatusMatches = append(r.StatusMatches, store.FormatID(id))
		}
		out = append(out, r)
	}
	return out
}
