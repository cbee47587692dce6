package store

import (
	"context"
	"fmt"
)

// AddAnnouncementReaction records accountID's reaction name to
// announcement id and reports whether it is new (a repeat changes nothing).
func (tx *Tx) AddAnnouncementReaction(ctx context.Context, id, accountID int64, name string) (bool, error) {
	res, err := tx.tx.ExecContext(ctx, `INSERT INTO announcement_reactions (announcement_id, account_id,
		name, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`, id, accountID, name, ms(tx.now))
	if err != nil {
		return false, fmt.Errorf("add announcement %d reaction: %w", id, err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// RemoveAnnouncementReaction removes accountID's reaction name to
// announcement id and reports whether there was one.
func (tx *Tx) RemoveAnnouncementReaction(ctx context.Context, id, accountID int64, name string) (bool, error) {
	res, err := tx.tx.ExecContext(ctx, `DELETE FROM announcement_reactions
		WHERE announcement_id = ? AND account_id = ? AND name = ?`, id, accountID, name)
	if err != nil {
		return false, fmt.Errorf("remove announcement %d reaction: %w", id, err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// AnnouncementReactionNames returns the distinct reactions announcement id
// has, with how many users chose each.
func (tx *Tx) AnnouncementReactionNames(ctx context.Context, id int64) (map[string]int64, error) {
	rows, err := tx.tx.QueryContext(ctx, `SELECT name, count(*) FROM announcement_reactions
		WHERE announcement_id = ? GROUP BY name`, id)
	if err != nil {
		return nil, fmt.Errorf("announcement %d reactions: %w", id, err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var name string
		var n int64
		if err := rows.Scan(&name, &n); err != nil {
			return nil, fmt.Errorf("scan announcement reaction: %w", err)
		}
		out[name] = n
	}
	return out, rows.Err()
}

// AnnouncementReactions returns the reactions to each of ids, each list in
// the order the emoji were first chosen, with Me set for viewer (0: none).
func (db *DB) AnnouncementReactions(ctx context.Context, viewer int64, ids []int64) (map[int64][]AnnouncementReaction, error) {
	out := make(map[int64][]AnnouncementReaction, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	args := append([]any{viewer}, int64Args(ids)...)
	rows, err := db.read.QueryContext(ctx, `SELECT announcement_id, name, count(*), max(account_id = ?)
		FROM announcement_reactions WHERE announcement_id IN (`+placeholders(len(ids))+`)
		GROUP BY announcement_id, name ORDER BY announcement_id, min(created_at), name`, args...)
	if err != nil {
		return nil, fmt.Errorf("announcement reactions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var r AnnouncementReaction
		if err := rows.Scan(&id, &r.Name, &r.Count, &r.Me); err != nil {
			return nil, fmt.Errorf("scan announcement reaction: %w", err)
		}
		out[id] = append(out[id], r)
	}
	return out, rows.Err()
}
