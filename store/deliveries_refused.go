package store

import (
	"context"
	"fmt"
)

// InsertRefusedDeliveries records deliveries of activity that will not be
// sent, as failed rows with reason as their error (for example "domain
// blocked"), so a refusal stays inspectable (DeliveriesOf, the failed count)
// instead of leaving no trace. A row that already exists is left alone.
func (tx *Tx) InsertRefusedDeliveries(ctx context.Context, activityID int64, inboxes []string, hostOf func(string) string, reason string) error {
	for _, inbox := range inboxes {
		_, err := tx.tx.ExecContext(ctx, `INSERT INTO deliveries (activity_id, inbox, host, state, last_error,
			next_attempt_at, created_at, done_at) VALUES (?1, ?2, ?3, 'failed', ?4, ?5, ?5, ?5)
			ON CONFLICT (activity_id, inbox) DO NOTHING`, activityID, inbox, hostOf(inbox), reason, ms(tx.now))
		if err != nil {
			return fmt.Errorf("record refused delivery to %s: %w", inbox, err)
		}
	}
	return nil
}
