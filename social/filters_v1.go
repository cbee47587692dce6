package social

import (
	"context"
	"errors"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/store"
)

// AddFilterStatus filters statusID (a status accountID can see; a boost
// stands for its original) through accountID's filter filterID. Errors:
// apperr.NotFound for an unknown filter or status, apperr.Invalid when the
// filter already has the status or is full.
func (s *Service) AddFilterStatus(ctx context.Context, accountID, filterID, statusID int64) (store.FilterStatus, error) {
	st, _, err := s.visibleStatus(ctx, accountID, statusID)
	if err != nil {
		return store.FilterStatus{}, err
	}
	fs := store.FilterStatus{FilterID: filterID, StatusID: st.ID}
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		f, err := tx.FilterByID(ctx, accountID, filterID)
		if err != nil {
			return err
		}
		if len(f.Statuses) >= MaxFilterStatuses {
			return apperr.Invalid("Validation failed: a filter has at most %d statuses", MaxFilterStatuses)
		}
		return tx.InsertFilterStatus(ctx, &fs)
	})
	if errors.Is(err, store.ErrConflict) {
		return store.FilterStatus{}, apperr.Invalid("Validation failed: Status has already been taken")
	}
	return fs, notFoundAs(err)
}

// DeleteFilterStatus removes filtered status id of one of accountID's
// filters; apperr.NotFound when there is none.
func (s *Service) DeleteFilterStatus(ctx context.Context, accountID, id int64) error {
	return notFoundAs(s.db.Write(ctx, func(tx *store.Tx) error { return tx.DeleteFilterStatus(ctx, accountID, id) }))
}

// UpdateKeywordFilter is the v1 API's update: a v1 filter is one keyword
// (keywordID) of a filter, and changing it changes that filter's title,
// context, action and expiry (d) and the keyword itself (kw). A filter with
// several keywords cannot be changed this way (apperr.Invalid), as in
// Mastodon.
func (s *Service) UpdateKeywordFilter(ctx context.Context, accountID, keywordID int64, d FilterDraft, kw KeywordChange) (store.Filter, error) {
	k, err := s.db.FilterKeywordByID(ctx, accountID, keywordID)
	if err != nil {
		return store.Filter{}, notFoundAs(err)
	}
	f, err := s.db.FilterByID(ctx, accountID, k.FilterID)
	if err != nil {
		return store.Filter{}, notFoundAs(err)
	}
	if len(f.Keywords) > 1 {
		return store.Filter{}, apperr.Invalid("this filter has several keywords and can only be changed through the v2 API")
	}
	kw.ID, kw.Destroy = k.ID, false
	d.Keywords = []KeywordChange{kw}
	return s.UpdateFilter(ctx, accountID, f.ID, d)
}

// DeleteKeywordFilter is the v1 API's delete: it removes keyword keywordID
// and, when that leaves its filter with neither keywords nor statuses, the
// filter too.
func (s *Service) DeleteKeywordFilter(ctx context.Context, accountID, keywordID int64) error {
	return notFoundAs(s.db.Write(ctx, func(tx *store.Tx) error {
		k, err := tx.FilterKeywordByID(ctx, accountID, keywordID)
		if err != nil {
			return err
		}
		if err := tx.DeleteFilterKeyword(ctx, k.FilterID, k.ID); err != nil {
			return err
		}
		f, err := tx.FilterByID(ctx, accountID, k.FilterID)
		if err != nil {
			return err
		}
		if len(f.Keywords) == 0 && len(f.Statuses) == 0 {
			return tx.DeleteFilter(ctx, accountID, f.ID)
		}
		return nil
	}))
}
