package store

import (
	"context"
	"fmt"
)

// Conversation is one local account's view of a thread of direct statuses
// (Mastodon's AccountConversation). Rows are written by triggers (migration
// 0012) when a direct status or its mentions are stored, so local posts and
// posts arriving through the inbox are handled alike.
type Conversation struct {
	ID           int64
	AccountID    int64 // the local participant whose list it is in
	ThreadID     int64 // the root of the reply chain
	LastStatusID int64 // the participant's newest live status of the thread; the paging key
	Unread       bool
}

const conversationCols = `c.id, c.account_id, c.thread_id, COALESCE(c.last_status_id, 0), c.unread`

func scanConversation(s scanner) (Conversation, error) {
	var c Conversation
	err := s.Scan(&c.ID, &c.AccountID, &c.ThreadID, &c.LastStatusID, &c.Unread)
	return c, err
}

// Conversations lists accountID's conversations, the most recently active
// first, paged by their last status id. Conversations whose last status is by
// an account the viewer blocks or mutes, that blocks the viewer, or that is
// on a domain the viewer blocks are left out.
func (db *DB) Conversations(ctx context.Context, accountID int64, p Page) ([]Conversation, error) {
	cond, args, order := pageNamed(p, "c.last_status_id")
	q := `SELECT ` + conversationCols + ` FROM conversations c JOIN statuses s ON s.id = c.last_status_id
		WHERE c.account_id = :viewer AND ` + cond + ` AND s.deleted_at = 0` + viewerExclusions("s.account_id") +
		` ORDER BY ` + order + ` LIMIT :limit`
	args = append(args, named("viewer", accountID), named("limit", p.limit()))
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("conversations of %d: %w", accountID, err)
	}
	defer rows.Close()
	var out []Conversation
	for rows.Next() {
		c, err := scanConversation(rows)
		if err != nil {
			return nil, fmt.Errorf("scan conversation: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("conversations of %d: %w", accountID, err)
	}
	return reverseIfMin(p, out), nil
}

// ConversationByID returns accountID's conversation id, or ErrNotFound (also
// when it belongs to someone else).
func (db *DB) ConversationByID(ctx context.Context, accountID, id int64) (Conversation, error) {
	c, err := scanConversation(db.read.QueryRowContext(ctx, `SELECT `+conversationCols+`
		FROM conversations c WHERE c.id = ? AND c.account_id = ? AND c.last_status_id IS NOT NULL`, id, accountID))
	if err != nil {
		return Conversation{}, notFound(err, "conversation")
	}
	return c, nil
}

// ConversationOfStatus returns accountID's conversation holding the direct
// status statusID, or ErrNotFound.
func (db *DB) ConversationOfStatus(ctx context.Context, accountID, statusID int64) (Conversation, error) {
	c, err := scanConversation(db.read.QueryRowContext(ctx, `SELECT `+conversationCols+`
		FROM direct_threads t JOIN conversations c ON c.thread_id = t.thread_id
		WHERE t.status_id = ? AND c.account_id = ? AND c.last_status_id IS NOT NULL`, statusID, accountID))
	if err != nil {
		return Conversation{}, notFound(err, "conversation")
	}
	return c, nil
}

// MarkConversationRead marks accountID's conversation id read; ErrNotFound
// when there is no such conversation of accountID.
func (tx *Tx) MarkConversationRead(ctx context.Context, accountID, id int64) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE conversations SET unread = 0 WHERE id = ? AND account_id = ?`, id, accountID)
	if err != nil {
		return fmt.Errorf("mark conversation %d read: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// DeleteConversation removes conversation id from accountID's list only (the
// statuses stay; the next status of the thread brings it back); ErrNotFound
// when there is no such conversation of accountID.
func (tx *Tx) DeleteConversation(ctx context.Context, accountID, id int64) error {
	res, err := tx.tx.ExecContext(ctx, `DELETE FROM conversations WHERE id = ? AND account_id = ?`, id, accountID)
	if err != nil {
		return fmt.Errorf("delete conversation %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}
