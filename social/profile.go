package social

import (
	"context"
	"io"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/media"
	"github.com/pictor-social/pictor/store"
)

// ProfileUpdate lists the profile fields to change; nil means unchanged.
type ProfileUpdate struct {
	DisplayName  *string
	Note         *string
	Locked       *bool
	Bot          *bool
	Discoverable *bool
	Fields       *[]store.Field // names and plain-text values
	Avatar       io.Reader
	Header       io.Reader

	// Posting defaults (Mastodon's source[privacy], source[sensitive] and
	// source[language]).
	Privacy   *string // public, unlisted or private
	Sensitive *bool
	Language  *string // ISO 639 code; "" for none
}

// Profile limits, as Mastodon reports them.
const (
	MaxDisplayName = 30
	MaxNote        = 500
	MaxFields      = 4
	MaxFieldLength = 255
)

// UpdateProfile applies u to a local account and sends Update(Person) to its
// followers.
func (s *Service) UpdateProfile(ctx context.Context, accountID int64, u ProfileUpdate) (store.Account, error) {
	a, err := s.localAccount(ctx, accountID)
	if err != nil {
		return store.Account{}, err
	}
	if err := s.applyProfile(&a, u); err != nil {
		return store.Account{}, err
	}
	defaults, err := s.PostingDefaults(ctx, a.ID)
	if err != nil {
		return store.Account{}, err
	}
	if err := applyPostingDefaults(&defaults, u); err != nil {
		return store.Account{}, err
	}
	for _, img := range []struct {
		r    io.Reader
		dest *string
		side int
	}{{u.Avatar, &a.AvatarFile, 400}, {u.Header, &a.HeaderFile, 1500}} {
		if img.r == nil {
			continue
		}
		lim := s.opts.Media
		lim.MaxSide = img.side
		res, err := media.Process(ctx, img.r, lim, media.Options{Budget: s.opts.MediaBudget})
		if err != nil {
			return store.Account{}, err
		}
		if *img.dest, err = s.files.Put(ctx, res.Full.Data, res.Full.MediaType); err != nil {
			return store.Account{}, err
		}
	}
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		if err := tx.UpdateAccount(ctx, &a); err != nil {
			return err
		}
		if err := tx.SetPostingDefaults(ctx, a.ID, defaults); err != nil {
			return err
		}
		return s.sendProfileUpdate(ctx, tx, a)
	})
	return a, err
}

// sendProfileUpdate queues Update(Person) of local account a to its
// followers.
func (s *Service) sendProfileUpdate(ctx context.Context, tx *store.Tx, a store.Account) error {
	inboxes, err := tx.FollowerInboxes(ctx, a.ID)
	if err != nil {
		return err
	}
	upd := s.fed.UpdateActor(a, tx.Now())
	return s.fed.Enqueue(ctx, tx, a, upd.ID, "Update", upd, inboxes)
}

// DeleteProfileImage removes local account accountID's avatar (or, with
// header, its header), so the default shows again, and sends Update(Person)
// to its followers, as Mastodon's DELETE /api/v1/profile/avatar does.
// Removing an image that is not set is harmless and sends nothing.
func (s *Service) DeleteProfileImage(ctx context.Context, accountID int64, header bool) (store.Account, error) {
	a, err := s.localAccount(ctx, accountID)
	if err != nil {
		return store.Account{}, err
	}
	dest := &a.AvatarFile
	if header {
		dest = &a.HeaderFile
	}
	if *dest == "" {
		return a, nil
	}
	*dest = ""
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		if err := tx.UpdateAccount(ctx, &a); err != nil {
			return err
		}
		return s.sendProfileUpdate(ctx, tx, a)
	})
	return a, err
}

func (s *Service) applyProfile(a *store.Account, u ProfileUpdate) error {
	if u.DisplayName != nil {
		if textLength(*u.DisplayName) > MaxDisplayName {
			return apperr.Invalid("display name is longer than %d characters", MaxDisplayName)
		}
		a.DisplayName = *u.DisplayName
	}
	if u.Note != nil {
		if textLength(*u.Note) > MaxNote {
			return apperr.Invalid("bio is longer than %d characters", MaxNote)
		}
		a.NoteSource = *u.Note
		a.Note = Format(*u.Note, s.fed.URLs.Tag(""), noMentions).HTML
	}
	if u.Locked != nil {
		a.Locked = *u.Locked
	}
	if u.Bot != nil {
		a.Bot = *u.Bot
	}
	if u.Discoverable != nil {
		a.Discoverable, a.Indexable = *u.Discoverable, *u.Discoverable
	}
	if u.Fields != nil {
		if len(*u.Fields) > MaxFields {
			return apperr.Invalid("at most %d profile fields", MaxFields)
		}
		a.Fields = nil
		for _, f := range *u.Fields {
			if textLength(f.Name) > MaxFieldLength || textLength(f.Value) > MaxFieldLength {
				return apperr.Invalid("profile fields are limited to %d characters", MaxFieldLength)
			}
			if f.Name == "" && f.Value == "" {
				continue
			}
			v := Format(f.Value, s.fed.URLs.Tag(""), noMentions).HTML
			v = trimParagraph(v)
			a.Fields = append(a.Fields, store.Field{Name: f.Name, Value: v})
		}
	}
	return nil
}

func trimParagraph(h string) string {
	if len(h) > 7 && h[:3] == "<p>" && h[len(h)-4:] == "</p>" {
		return h[3 : len(h)-4]
	}
	return h
}
