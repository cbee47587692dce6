package social

import (
	"context"
	"errors"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/store"
)

// MarkConversationRead marks one of accountID's conversations read and
// returns it; another user's conversation is apperr.NotFound.
func (s *Service) MarkConversationRead(ctx context.Context, accountID, id int64) (store.Conversation, error) {
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		return tx.MarkConversationRead(ctx, accountID, id)
	})
	if errors.Is(err, store.ErrNotFound) {
		return store.Conversation{}, apperr.NotFound("Record not found")
	}
	if err != nil {
		return store.Conversation{}, err
	}
	c, err := s.db.ConversationByID(ctx, accountID, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.Conversation{}, apperr.NotFound("Record not found")
	}
	return c, err
}

// RemoveConversation takes a conversation out of accountID's list; the
// statuses stay, and the thread's next status brings it back, as Mastodon's
// DELETE /api/v1/conversations/:id does. Another user's conversation is
// apperr.NotFound.
func (s *Service) RemoveConversation(ctx context.Context, accountID, id int64) error {
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		return tx.DeleteConversation(ctx, accountID, id)
	})
	if errors.Is(err, store.ErrNotFound) {
		return apperr.NotFound("Record not found")
	}
	return err
}
