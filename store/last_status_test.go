package store

import (
	"strings"
	"testing"
	"time"
)

// A remote account's last status time is its newest live status, found by
// one index search per remote account; a local account's stays the
// trigger-kept one.
func TestRemoteLastStatusAtIndexed(t *testing.T) {
	db := openTest(t)
	w := newWorld(t, db)
	old, newer := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	mustWrite(t, db, func(tx *Tx) error {
		for i, at := range []time.Time{old, newer, newer.Add(time.Hour)} {
			st := Status{URI: "https://remote.test/s/" + string(rune('a'+i)), AccountID: w.bob.ID, CreatedAt: at}
			if i == 2 {
				st.DeletedAt = at
			}
			if err := tx.InsertStatus(ctx0, &st); err != nil {
				return err
			}
		}
		return nil
	})
	stats, err := db.LocalAccountStats(ctx0, []int64{w.bob.ID, w.alice.ID})
	if err != nil {
		t.Fatal(err)
	}
	if !stats[w.bob.ID].LastStatusAt.Equal(newer) {
		t.Errorf("remote last status %v, want %v", stats[w.bob.ID].LastStatusAt, newer)
	}
	plan := strings.Join(queryPlan(t, db, `SELECT a.id, CASE WHEN a.domain <> '' THEN (SELECT s.created_at FROM statuses s
		WHERE s.account_id = a.id AND s.local = 0 AND s.deleted_at = 0 ORDER BY s.id DESC LIMIT 1) END AS last
		FROM accounts a WHERE a.id IN (?, ?) AND last IS NOT NULL`, 1, 2), "\n")
	if !strings.Contains(plan, "statuses_account") || strings.Contains(plan, "TEMP B-TREE") {
		t.Errorf("remote last status not an index search:\n%s", plan)
	}
}
