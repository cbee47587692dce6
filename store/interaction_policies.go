package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
)

// InteractionPolicy is what a remote post's author allows, read from
// GoToSocial's interactionPolicy; a nil rule allows everyone.
type InteractionPolicy struct {
	CanLike     *InteractionRule `json:"can_like,omitempty"`
	CanReply    *InteractionRule `json:"can_reply,omitempty"`
	CanAnnounce *InteractionRule `json:"can_announce,omitempty"`
}

// InteractionRule lists who may interact at once (Always) and who only
// with the author's approval (Approval): actor ids, the author's followers
// or following collection, or the public collection.
type InteractionRule struct {
	Always   []string `json:"always,omitempty"`
	Approval []string `json:"approval,omitempty"`
}

// SetInteractionPolicy stores the policy of statusID, replacing any earlier
// one; nil removes it.
func (tx *Tx) SetInteractionPolicy(ctx context.Context, statusID int64, p *InteractionPolicy) error {
	if p == nil {
		if _, err := tx.tx.ExecContext(ctx, `DELETE FROM status_interaction_policies WHERE status_id = ?`, statusID); err != nil {
			return fmt.Errorf("clear interaction policy of %d: %w", statusID, err)
		}
		return nil
	}
	b, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("encode interaction policy: %w", err)
	}
	_, err = tx.tx.ExecContext(ctx, `INSERT INTO status_interaction_policies (status_id, policy) VALUES (?, ?)
		ON CONFLICT (status_id) DO UPDATE SET policy = excluded.policy`, statusID, string(b))
	if err != nil {
		return fmt.Errorf("set interaction policy of %d: %w", statusID, err)
	}
	return nil
}

// InteractionPolicyOf returns the policy of statusID, or nil when it has
// none.
func (db *DB) InteractionPolicyOf(ctx context.Context, statusID int64) (*InteractionPolicy, error) {
	var raw string
	err := db.read.QueryRowContext(ctx, `SELECT policy FROM status_interaction_policies WHERE status_id = ?`, statusID).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("interaction policy of %d: %w", statusID, err)
	}
	var p InteractionPolicy
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		return nil, fmt.Errorf("interaction policy of %d: %w", statusID, err)
	}
	return &p, nil
}
