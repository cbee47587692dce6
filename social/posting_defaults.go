package social

import (
	"context"
	"errors"
	"regexp"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/store"
)

// languageRE accepts an ISO 639-1 or 639-3 code, as Mastodon's language
// settings hold.
var languageRE = regexp.MustCompile(`^[a-z]{2,3}$`)

// PostingDefaults returns local account accountID's posting defaults; an
// account without a user (the instance actor) has Mastodon's: public, not
// sensitive, no language.
func (s *Service) PostingDefaults(ctx context.Context, accountID int64) (store.PostingDefaults, error) {
	d, err := s.db.PostingDefaultsOf(ctx, accountID)
	if errors.Is(err, store.ErrNotFound) {
		return store.PostingDefaults{Visibility: store.VisibilityPublic}, nil
	}
	return d, err
}

// applyPostingDefaults validates and applies u's source fields to d.
// Mastodon accepts public, unlisted and private as the default visibility.
func applyPostingDefaults(d *store.PostingDefaults, u ProfileUpdate) error {
	if u.Privacy != nil {
		switch *u.Privacy {
		case store.VisibilityPublic, store.VisibilityUnlisted, store.VisibilityPrivate:
			d.Visibility = *u.Privacy
		default:
			return apperr.Invalid("Validation failed: Default privacy is not included in the list")
		}
	}
	if u.Sensitive != nil {
		d.Sensitive = *u.Sensitive
	}
	if u.Language != nil {
		if *u.Language != "" && !languageRE.MatchString(*u.Language) {
			return apperr.Invalid("Validation failed: Default language is not included in the list")
		}
		d.Language = *u.Language
	}
	return nil
}

// WithPostingDefaults fills what d leaves out from accountID's posting
// defaults: the visibility when it is "", the language when it is "" and
// the sensitive flag when d.SensitiveUnset, as Mastodon's PostStatusService
// does. Callers that already chose leave the draft unchanged.
func (s *Service) WithPostingDefaults(ctx context.Context, accountID int64, d Draft) (Draft, error) {
	if d.Visibility != "" && d.Language != "" && !d.SensitiveUnset {
		return d, nil
	}
	def, err := s.PostingDefaults(ctx, accountID)
	if err != nil {
		return d, err
	}
	if d.Visibility == "" {
		d.Visibility = def.Visibility
	}
	if d.Language == "" {
		d.Language = def.Language
	}
	if d.SensitiveUnset {
		d.Sensitive, d.SensitiveUnset = def.Sensitive, false
	}
	return d, nil
}
