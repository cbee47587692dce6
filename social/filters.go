package social

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/store"
)

// Filter bounds: every filter, keyword and filtered status is matched on
// each page a user reads, so they are capped.
const (
	MaxFilters          = 100 // filters per account
	MaxFilterKeywords   = 100 // keywords per filter
	MaxFilterStatuses   = 500 // filtered statuses per filter
	MaxFilterTitle      = 256 // runes
	MaxFilterKeyword    = 256 // runes
	maxFilterExpiration = 100 * 365 * 24 * time.Hour
)

// filterContextNames are the places a filter may apply, in Mastodon's order.
var filterContextNames = []string{"home", "notifications", "public", "thread", "account"}

// FilterDraft is a filter to create, or the changes to one. On update, nil
// fields are left as they are.
type FilterDraft struct {
	Title   *string
	Context []string // nil: unchanged; on create at least one is required
	Action  *string  // store.FilterWarn (default), FilterHide or FilterBlur
	// ExpiresIn is the lifetime from now; a pointer to 0 means "never".
	ExpiresIn *time.Duration
	Keywords  []KeywordChange
}

// KeywordChange adds (ID 0), changes or, with Destroy, removes a keyword.
type KeywordChange struct {
	ID        int64
	Keyword   *string
	WholeWord *bool // nil: true for a new keyword, unchanged otherwise
	Destroy   bool
}

// CreateFilter creates a filter for accountID. Errors: apperr.Invalid for
// a missing title or context, an unknown context or action, or a limit.
func (s *Service) CreateFilter(ctx context.Context, accountID int64, d FilterDraft) (store.Filter, error) {
	if d.Title == nil {
		return store.Filter{}, apperr.Invalid("Validation failed: Title can't be blank")
	}
	if d.Context == nil {
		return store.Filter{}, apperr.Invalid("Validation failed: Context can't be blank")
	}
	f := store.Filter{AccountID: accountID, Action: store.FilterWarn}
	if err := applyFilterDraft(&f, d, s.db.Now()); err != nil {
		return store.Filter{}, err
	}
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		n, err := tx.CountFilters(ctx, accountID)
		if err != nil {
			return err
		}
		if n >= MaxFilters {
			return apperr.Invalid("Validation failed: you can have at most %d filters", MaxFilters)
		}
		if err := tx.InsertFilter(ctx, &f); err != nil {
			return err
		}
		return applyKeywordChanges(ctx, tx, &f, d.Keywords)
	})
	if err != nil {
		return store.Filter{}, err
	}
	return s.db.FilterByID(ctx, accountID, f.ID)
}

// UpdateFilter changes accountID's filter id. Errors: apperr.NotFound for
// a filter that is not the account's, apperr.Invalid as CreateFilter.
func (s *Service) UpdateFilter(ctx context.Context, accountID, id int64, d FilterDraft) (store.Filter, error) {
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		f, err := tx.FilterByID(ctx, accountID, id)
		if errors.Is(err, store.ErrNotFound) {
			return apperr.NotFound("Record not found")
		}
		if err != nil {
			return err
		}
		if err := applyFilterDraft(&f, d, tx.Now()); err != nil {
			return err
		}
		if err := tx.UpdateFilter(ctx, f); err != nil {
			return err
		}
		return applyKeywordChanges(ctx, tx, &f, d.Keywords)
	})
	if err != nil {
		return store.Filter{}, err
	}
	return s.db.FilterByID(ctx, accountID, id)
}

// DeleteFilter deletes accountID's filter id with its keywords and
// statuses; apperr.NotFound when there is no such filter.
func (s *Service) DeleteFilter(ctx context.Context, accountID, id int64) error {
	return notFoundAs(s.db.Write(ctx, func(tx *store.Tx) error { return tx.DeleteFilter(ctx, accountID, id) }))
}

// applyFilterDraft validates d's scalar fields and sets them on f.
func applyFilterDraft(f *store.Filter, d FilterDraft, now time.Time) error {
	if d.Title != nil {
		t := strings.TrimSpace(*d.Title)
		if t == "" {
			return apperr.Invalid("Validation failed: Title can't be blank")
		}
		if utf8.RuneCountInString(t) > MaxFilterTitle {
			return apperr.Invalid("Validation failed: Title is too long (maximum is %d characters)", MaxFilterTitle)
		}
		f.Title = t
	}
	if d.Context != nil {
		ctxs, err := filterContexts(d.Context)
		if err != nil {
			return err
		}
		f.Context = ctxs
	}
	if d.Action != nil {
		switch *d.Action {
		case store.FilterWarn, store.FilterHide, store.FilterBlur:
			f.Action = *d.Action
		default:
			return apperr.Invalid("Validation failed: Filter action is not included in the list")
		}
	}
	if d.ExpiresIn != nil {
		switch in := *d.ExpiresIn; {
		case in < 0 || in > maxFilterExpiration:
			return apperr.Invalid("Validation failed: Expires in is out of range")
		case in == 0:
			f.ExpiresAt = time.Time{}
		default:
			f.ExpiresAt = now.Add(in)
		}
	}
	return nil
}

// filterContexts validates and deduplicates contexts, in Mastodon's order.
func filterContexts(list []string) ([]string, error) {
	for _, c := range list {
		if !slices.Contains(filterContextNames, c) {
			return nil, apperr.Invalid("Validation failed: Context contains an unknown value %q", c)
		}
	}
	var out []string
	for _, c := range filterContextNames {
		if slices.Contains(list, c) {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return nil, apperr.Invalid("Validation failed: Context can't be blank")
	}
	return out, nil
}

// applyKeywordChanges adds, changes and removes f's keywords in tx.
func applyKeywordChanges(ctx context.Context, tx *store.Tx, f *store.Filter, changes []KeywordChange) error {
	count := len(f.Keywords)
	for _, c := range changes {
		if c.ID == 0 {
			if c.Destroy {
				continue
			}
			k, err := newKeyword(f.ID, c)
			if err != nil {
				return err
			}
			if count++; count > MaxFilterKeywords {
				return apperr.Invalid("Validation failed: a filter has at most %d keywords", MaxFilterKeywords)
			}
			if err := tx.InsertFilterKeyword(ctx, &k); err != nil {
				return err
			}
			continue
		}
		i := slices.IndexFunc(f.Keywords, func(k store.FilterKeyword) bool { return k.ID == c.ID })
		if i < 0 {
			return apperr.NotFound("Record not found")
		}
		if c.Destroy {
			count--
			if err := tx.DeleteFilterKeyword(ctx, f.ID, c.ID); err != nil {
				return err
			}
			continue
		}
		k, err := changeKeyword(f.Keywords[i], c)
		if err != nil {
			return err
		}
		if err := tx.UpdateFilterKeyword(ctx, k); err != nil {
			return err
		}
	}
	return nil
}

func newKeyword(filterID int64, c KeywordChange) (store.FilterKeyword, error) {
	if c.Keyword == nil {
		return store.FilterKeyword{}, apperr.Invalid("Validation failed: Keyword can't be blank")
	}
	c.WholeWord = cmpOr(c.WholeWord, true)
	return changeKeyword(store.FilterKeyword{FilterID: filterID}, c)
}

func changeKeyword(k store.FilterKeyword, c KeywordChange) (store.FilterKeyword, error) {
	if c.Keyword != nil {
		kw := strings.TrimSpace(*c.Keyword)
		if kw == "" {
			return k, apperr.Invalid("Validation failed: Keyword can't be blank")
		}
		if utf8.RuneCountInString(kw) > MaxFilterKeyword {
			return k, apperr.Invalid("Validation failed: Keyword is too long (maximum is %d characters)", MaxFilterKeyword)
		}
		k.Keyword = kw
	}
	if c.WholeWord != nil {
		k.WholeWord = *c.WholeWord
	}
	return k, nil
}

func cmpOr(p *bool, def bool) *bool {
	if p == nil {
		return &def
	}
	return p
}

// notFoundAs turns store.ErrNotFound into Mastodon's 404.
func notFoundAs(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return apperr.NotFound("Record not found")
	}
	return err
}

// AddFilterKeyword adds a keyword to accountID's filter filterID.
func (s *Service) AddFilterKeyword(ctx context.Context, accountID, filterID int64, keyword string, wholeWord *bool) (store.FilterKeyword, error) {
	var k store.FilterKeyword
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		f, err := tx.FilterByID(ctx, accountID, filterID)
		if err != nil {
			return err
		}
		if len(f.Keywords) >= MaxFilterKeywords {
			return apperr.Invalid("Validation failed: a filter has at most %d keywords", MaxFilterKeywords)
		}
		if k, err = newKeyword(f.ID, KeywordChange{Keyword: &keyword, WholeWord: wholeWord}); err != nil {
			return err
		}
		return tx.InsertFilterKeyword(ctx, &k)
	})
	return k, notFoundAs(err)
}

// UpdateFilterKeyword changes keyword id of one of accountID's filters;
// nil fields stay as they are.
func (s *Service) UpdateFilterKeyword(ctx context.Context, accountID, id int64, keyword *string, wholeWord *bool) (store.FilterKeyword, error) {
	var k store.FilterKeyword
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		old, err := tx.FilterKeywordByID(ctx, accountID, id)
		if err != nil {
			return err
		}
		if k, err = changeKeyword(old, KeywordChange{Keyword: keyword, WholeWord: wholeWord}); err != nil {
			return err
		}
		return tx.UpdateFilterKeyword(ctx, k)
	})
	return k, notFoundAs(err)
}

// DeleteFilterKeyword removes keyword id of one of accountID's filters; the
// filter stays, even without keywords, as Mastodon's does.
func (s *Service) DeleteFilterKeyword(ctx context.Context, accountID, id int64) error {
	return notFoundAs(s.db.Write(ctx, func(tx *store.Tx) error {
		k, err := tx.FilterKeywordByID(ctx, accountID, id)
		if err != nil {
			return err
		}
		return tx.DeleteFilterKeyword(ctx, k.FilterID, k.ID)
	}))
}
