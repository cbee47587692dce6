package social

import (
	"context"
	"errors"
	"strings"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/store"
)

// List limits: Mastodon caps lists at 50 per user; titles and one request's
// account ids are bounded so that no request is unbounded.
const (
	MaxLists          = 50
	MaxListTitle      = 200
	MaxListAccountIDs = 250
)

// ListDraft holds the fields of a list to create or change; nil fields are
// left as they are (on create: title is required, replies_policy defaults
// to "list", exclusive to false).
type ListDraft struct {
	Title         *string
	RepliesPolicy *string
	Exclusive     *bool
}

// apply validates d and copies its fields into l.
func (d ListDraft) apply(l *store.List) error {
	if d.Title != nil {
		l.Title = strings.TrimSpace(*d.Title)
	}
	if l.Title == "" {
		return apperr.Invalid("Validation failed: Title can't be blank")
	}
	if textLength(l.Title) > MaxListTitle {
		return apperr.Invalid("Validation failed: Title is too long (maximum is %d characters)", MaxListTitle)
	}
	if d.RepliesPolicy != nil {
		l.RepliesPolicy = *d.RepliesPolicy
	}
	switch l.RepliesPolicy {
	case store.RepliesFollowed, store.RepliesList, store.RepliesNone:
	default:
		return apperr.Invalid("'%s' is not a valid replies_policy", truncateRunes(l.RepliesPolicy, 40))
	}
	if d.Exclusive != nil {
		l.Exclusive = *d.Exclusive
	}
	return nil
}

func truncateRunes(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

// CreateList makes a list owned by accountID; errors are apperr.Invalid
// (blank title, bad policy, MaxLists reached).
func (s *Service) CreateList(ctx context.Context, accountID int64, d ListDraft) (store.List, error) {
	l := store.List{AccountID: accountID, RepliesPolicy: store.RepliesList}
	if err := d.apply(&l); err != nil {
		return store.List{}, err
	}
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		n, err := tx.CountLists(ctx, accountID)
		if err != nil {
			return err
		}
		if n >= MaxLists {
			return apperr.Invalid("Validation failed: You cannot create more than %d lists", MaxLists)
		}
		return tx.InsertList(ctx, &l)
	})
	return l, err
}

// UpdateList changes accountID's list id; another user's list is NotFound.
func (s *Service) UpdateList(ctx context.Context, accountID, id int64, d ListDraft) (store.List, error) {
	var l store.List
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		var err error
		if l, err = ownedList(ctx, tx, accountID, id); err != nil {
			return err
		}
		if err := d.apply(&l); err != nil {
			return err
		}
		return tx.UpdateList(ctx, l)
	})
	return l, err
}

// DeleteList removes accountID's list id; another user's list is NotFound.
func (s *Service) DeleteList(ctx context.Context, accountID, id int64) error {
	err := s.db.Write(ctx, func(tx *store.Tx) error { return tx.DeleteList(ctx, accountID, id) })
	if errors.Is(err, store.ErrNotFound) {
		return apperr.NotFound("Record not found")
	}
	return err
}

func ownedList(ctx context.Context, tx *store.Tx, accountID, id int64) (store.List, error) {
	l, err := tx.ListByID(ctx, accountID, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.List{}, apperr.NotFound("Record not found")
	}
	return l, err
}

// AddListAccounts puts accounts into accountID's list, all or none. As in
// Mastodon, each must be the owner or an account it follows (accepted):
// unknown accounts are NotFound, unfollowed ones and current members
// Invalid. Its members' posts then appear in the list timeline (recent ones
// at once).
func (s *Service) AddListAccounts(ctx context.Context, accountID, listID int64, ids []int64) error {
	if len(ids) > MaxListAccountIDs {
		return apperr.Invalid("at most %d account_ids per request", MaxListAccountIDs)
	}
	return s.db.Write(ctx, func(tx *store.Tx) error {
		if _, err := ownedList(ctx, tx, accountID, listID); err != nil {
			return err
		}
		for _, id := range ids {
			if err := addListAccount(ctx, tx, accountID, listID, id); err != nil {
				return err
			}
		}
		return nil
	})
}

func addListAccount(ctx context.Context, tx *store.Tx, owner, listID, id int64) error {
	if id != owner {
		fl, err := tx.FollowBetween(ctx, owner, id)
		if errors.Is(err, store.ErrNotFound) {
			if _, err := tx.AccountByID(ctx, id); errors.Is(err, store.ErrNotFound) {
				return apperr.NotFound("Record not found")
			}
			return apperr.Invalid("Validation failed: Account must be followed to be added to a list")
		}
		if err != nil {
			return err
		}
		if !fl.Accepted {
			return apperr.Invalid("Validation failed: Account must be followed to be added to a list")
		}
	}
	added, err := tx.AddListAccount(ctx, listID, id)
	if err != nil {
		return err
	}
	if !added {
		return apperr.Invalid("Validation failed: Account has already been taken")
	}
	return nil
}

// RemoveListAccounts takes accounts out of accountID's list; accounts not
// in it are ignored. Their posts leave the list timeline.
func (s *Service) RemoveListAccounts(ctx context.Context, accountID, listID int64, ids []int64) error {
	if len(ids) > MaxListAccountIDs {
		return apperr.Invalid("at most %d account_ids per request", MaxListAccountIDs)
	}
	return s.db.Write(ctx, func(tx *store.Tx) error {
		if _, err := ownedList(ctx, tx, accountID, listID); err != nil {
			return err
		}
		return tx.RemoveListAccounts(ctx, listID, ids)
	})
}
