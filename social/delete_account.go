package social

import (
	"context"
	"errors"
	"fmt"

	"github.com/pictor-social/pictor/activitypub"
	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/store"
)

// ErrMediaLeft is in the chain of DeleteAccount's error when the account
// was deleted but some of its media files could not be removed.
var ErrMediaLeft = errors.New("account deleted, but media files were left behind")

// DeleteAccount closes local account accountID for good (the caller has
// checked the password or is an administrator). In one transaction the
// account becomes deleted and suspended, its statuses tombstones, its
// follows, media rows, sessions and tokens go (store.DeleteLocalAccount),
// and a Delete of the actor, signed with its own key, is queued for every
// inbox that knows it: followers, followed accounts, accounts that
// interacted with it and every inbox it ever delivered to, as Mastodon
// fans out (interop.md, "Delete floods"). Afterwards its
// actor answers 410 and WebFinger 404; the username is never reused. Media
// files no other row references are removed after commit; a failure there
// only leaves orphan files and is returned with ErrMediaLeft in its chain
// (the account is deleted all the same). A remote, missing or already
// deleted account is apperr.NotFound.
func (s *Service) DeleteAccount(ctx context.Context, accountID int64) error {
	a, err := s.db.AccountByID(ctx, accountID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (!a.Local() || !a.DeletedAt.IsZero() ||
		a.Username == activitypub.InstanceActorUsername)) {
		return apperr.NotFound("account not found")
	}
	if err != nil {
		return err
	}
	var files []string
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		inboxes, err := tx.AccountDeleteInboxes(ctx, a.ID)
		if err != nil {
			return err
		}
		if files, err = tx.DeleteLocalAccount(ctx, a.ID); err != nil {
			return err
		}
		del := activitypub.DeleteActor(a)
		return s.fed.Enqueue(ctx, tx, a, del.ID, "Delete", del, inboxes)
	})
	if err != nil {
		return fmt.Errorf("delete account %d: %w", a.ID, err)
	}
	return s.removeUnreferenced(ctx, files)
}

// removeUnreferenced deletes the content-addressed files that no row uses
// any more (another account may have uploaded the same bytes).
func (s *Service) removeUnreferenced(ctx context.Context, files []string) error {
	var errs []error
	for _, name := range files {
		used, err := s.db.MediaFileReferenced(ctx, name)
		if err == nil && !used {
			err = s.files.Delete(ctx, name)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w: %w", ErrMediaLeft, err)
	}
	return nil
}
