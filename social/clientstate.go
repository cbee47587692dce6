package social

import (
	"context"
	"errors"
	"time"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/store"
)

// MaxPins is how many statuses an account may pin, as Mastodon allows.
const MaxPins = 5

// IdempotencyWindow is how long an Idempotency-Key is remembered (interop.md C.3).
const IdempotencyWindow = time.Hour

// Bookmark bookmarks a status accountID can see. Bookmarks are private.
func (s *Service) Bookmark(ctx context.Context, accountID, statusID int64) (store.Status, error) {
	st, _, err := s.visibleStatus(ctx, accountID, statusID)
	if err != nil {
		return store.Status{}, err
	}
	return st, s.db.Write(ctx, func(tx *store.Tx) error { return tx.InsertBookmark(ctx, accountID, st.ID) })
}

// Unbookmark removes a bookmark.
func (s *Service) Unbookmark(ctx context.Context, accountID, statusID int64) (store.Status, error) {
	st, _, err := s.visibleStatus(ctx, accountID, statusID)
	if err != nil {
		return store.Status{}, err
	}
	return st, s.db.Write(ctx, func(tx *store.Tx) error { return tx.DeleteBookmark(ctx, accountID, st.ID) })
}

// Pin pins one of accountID's public or unlisted statuses to its profile,
// at most MaxPins of them.
func (s *Service) Pin(ctx context.Context, accountID, statusID int64) (store.Status, error) {
	me, err := s.localAccount(ctx, accountID)
	if err != nil {
		return store.Status{}, err
	}
	st, err := s.ownStatus(ctx, me, statusID)
	if err != nil {
		return store.Status{}, err
	}
	if st.Visibility != store.VisibilityPublic && st.Visibility != store.VisibilityUnlisted {
		return store.Status{}, apperr.Invalid("only public and unlisted posts can be pinned")
	}
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		n, err := tx.CountPins(ctx, me.ID)
		if err != nil {
			return err
		}
		if n >= MaxPins {
			return apperr.Invalid("you can pin at most %d posts", MaxPins)
		}
		return tx.InsertPin(ctx, me.ID, st.ID)
	})
	return st, err
}

// Unpin unpins a status.
func (s *Service) Unpin(ctx context.Context, accountID, statusID int64) (store.Status, error) {
	me, err := s.localAccount(ctx, accountID)
	if err != nil {
		return store.Status{}, err
	}
	st, err := s.ownStatus(ctx, me, statusID)
	if err != nil {
		return store.Status{}, err
	}
	return st, s.db.Write(ctx, func(tx *store.Tx) error { return tx.DeletePin(ctx, me.ID, st.ID) })
}

// DismissNotifications dismisses one notification of accountID (id > 0,
// apperr.NotFound when it is not theirs) or all of them (id 0).
func (s *Service) DismissNotifications(ctx context.Context, accountID, id int64) error {
	if id != 0 {
		if _, err := s.db.NotificationByID(ctx, accountID, id); errors.Is(err, store.ErrNotFound) {
			return apperr.NotFound("Record not found")
		} else if err != nil {
			return err
		}
	}
	return s.db.Write(ctx, func(tx *store.Tx) error { return tx.DismissNotifications(ctx, accountID, id) })
}

// SetMarkers saves read positions (timeline → last read id).
func (s *Service) SetMarkers(ctx context.Context, accountID int64, positions map[string]string) ([]store.Marker, error) {
	var out []store.Marker
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		for tl, id := range positions {
			if tl != "home" && tl != "notifications" {
				continue
			}
			m, err := tx.SetMarker(ctx, accountID, tl, id)
			if err != nil {
				return err
			}
			out = append(out, m)
		}
		return nil
	})
	return out, err
}

// CreateStatusOnce is CreateStatus honouring an Idempotency-Key: a key
// accountID used within IdempotencyWindow returns the status it created
// instead of posting again (existing reports which). create makes the
// status when the key is new; the caller serialises calls per key.
func (s *Service) CreateStatusOnce(ctx context.Context, accountID int64, key string, create func() (store.Status, error)) (st store.Status, existing bool, err error) {
	if key != "" {
		since := s.db.Now().Add(-IdempotencyWindow)
		if id, err := s.db.IdempotentStatus(ctx, accountID, key, since); err == nil {
			st, err := s.db.StatusByID(ctx, id)
			if err == nil && st.DeletedAt.IsZero() {
				return st, true, nil
			}
		} else if !errors.Is(err, store.ErrNotFound) {
			return store.Status{}, false, err
		}
	}
	st, err = create()
	if err != nil || key == "" {
		return st, false, err
	}
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		return tx.PutIdempotencyKey(ctx, accountID, key, st.ID, tx.Now().Add(-IdempotencyWindow))
	})
	return st, false, err
}
