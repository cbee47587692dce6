package social

import (
	"context"
	"slices"

	"github.com/pictor-social/pictor/screening"
	"github.com/pictor-social/pictor/store"
)

// screeningFilterTitle prefixes the title of a user's system filter for a
// screening category ("Flagged by screening: hate").
const screeningFilterTitle = "Flagged by screening: "

// screeningFilterID returns the id of the system filter of category: a
// small fixed number (1..len(screening.Categories)), which stored filters,
// whose ids carry their creation time, never take. It returns 0 for an
// unknown category.
func screeningFilterID(category string) int64 {
	return int64(slices.Index(screening.Categories, category) + 1)
}

// ScreeningFilterCategory is the inverse of screeningFilterID.
func ScreeningFilterCategory(id int64) (string, bool) {
	if id < 1 || id > int64(len(screening.Categories)) {
		return "", false
	}
	return screening.Categories[id-1], true
}

// screeningFilterContexts are every filter context: a flagged post is
// collapsed wherever it shows.
var screeningFilterContexts = []string{"home", "notifications", "public", "thread", "account"}

// screeningFilter returns the system filter of category for a user whose
// preference is pref (collapse: a warn filter; hide: a hide filter), with
// statusIDs as its filtered statuses. ok is false for show.
func screeningFilter(account int64, category, pref string, statusIDs []int64) (store.Filter, bool) {
	action := store.FilterWarn
	switch pref {
	case screening.Show:
		return store.Filter{}, false
	case screening.Hide:
		action = store.FilterHide
	}
	id := screeningFilterID(category)
	f := store.Filter{ID: id, AccountID: account, Title: screeningFilterTitle + category,
		Context: screeningFilterContexts, Action: action}
	for _, s := range statusIDs {
		f.Statuses = append(f.Statuses, store.FilterStatus{ID: s, FilterID: id, StatusID: s})
	}
	return f, true
}

// ScreeningFilters returns viewer's system filters for the statuses of
// flags (store.StatusViewerFlags, which reads the screening flags with the
// viewer's marks) that screening flagged, one per category, following the
// viewer's preferences: nothing for an anonymous viewer or when none is
// flagged. Rendered with the viewer's own filters, they make apps show a
// flagged reply collapsed ("filtered", filter_action warn) or leave it out
// (hide).
func (s *Service) ScreeningFilters(ctx context.Context, viewer int64, flags map[int64]store.ViewerFlags) ([]store.Filter, error) {
	if viewer == 0 {
		return nil, nil
	}
	byCat := map[string][]int64{}
	for id, f := range flags {
		if f.Screened != "" {
			byCat[f.Screened] = append(byCat[f.Screened], id)
		}
	}
	if len(byCat) == 0 {
		return nil, nil
	}
	prefs, err := s.ScreeningPreferences(ctx, viewer)
	if err != nil {
		return nil, err
	}
	var out []store.Filter
	for _, c := range screening.Categories {
		if len(byCat[c]) == 0 {
			continue
		}
		slices.Sort(byCat[c])
		if f, ok := screeningFilter(viewer, c, prefs[c], byCat[c]); ok {
			out = append(out, f)
		}
	}
	return out, nil
}

// UserScreeningFilters returns viewer's system filters, without statuses
// (GET /api/v2/filters): one per category the viewer does not show and
// has received a flagged reply or mention in (so a user who never got one
// sees no system filter), or chose to hide.
func (s *Service) UserScreeningFilters(ctx context.Context, viewer int64) ([]store.Filter, error) {
	held, err := s.db.HeldCategories(ctx, viewer)
	if err != nil {
		return nil, err
	}
	prefs, err := s.ScreeningPreferences(ctx, viewer)
	if err != nil {
		return nil, err
	}
	var out []store.Filter
	for _, c := range screening.Categories {
		if !held[c] && prefs[c] != screening.Hide {
			continue
		}
		if f, ok := screeningFilter(viewer, c, prefs[c], nil); ok {
			out = append(out, f)
		}
	}
	return out, nil
}

// FlaggedCategories returns, for the statuses of ids that screening
// flagged, the category (the web's thread page).
func (s *Service) FlaggedCategories(ctx context.Context, ids []int64) (map[int64]string, error) {
	return s.db.FlaggedStatuses(ctx, ids)
}
