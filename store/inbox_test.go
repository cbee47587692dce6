package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

// The inbox drops true retries only: same id, same body, within the window,
// not released by an Undo since (issue 14: snac reuses Like ids, honk Update
// ids).
func TestInsertInboxItemDedupe(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	db := openTestOpts(t, Options{Clock: func() time.Time { return now }})
	const actor, other = "https://snac.test/alice", "https://snac.test/mallory"
	const window = time.Hour
	insert := func(id, actor, hash, undoes string) error {
		return db.Write(ctx, func(tx *Tx) error {
			return tx.InsertInboxItem(ctx, &InboxItem{ActivityID: id, ActorURI: actor, Body: []byte("{}"), BodyHash: hash, Undoes: undoes}, window)
		})
	}
	steps := []struct {
		name               string
		id, actor, hash, u string
		advance            time.Duration
		stored             bool
	}{
		{"first like", "L", actor, "h1", "", 0, true},
		{"retry of the like", "L", actor, "h1", "", time.Minute, false},
		{"another actor's undo frees nothing", "U", other, "hu", "L", 0, true},
		{"still a retry", "L", actor, "h1", "", 0, false},
		{"undo", "U", actor, "hu", "L", 0, true},
		{"like again, same id and body", "L", actor, "h1", "", 0, true},
		{"retry of the second like", "L", actor, "h1", "", 0, false},
		{"undo again, same id and body", "U", actor, "hu", "L", 0, true},
		{"retry of the second undo", "U", actor, "hu", "L", 0, false},
		{"update with a new body", "E", actor, "e1", "", 0, true},
		{"same update id, object changed", "E", actor, "e2", "", 0, true},
		{"retry of the second update", "E", actor, "e2", "", 0, false},
		{"resend after the window", "E", actor, "e2", "", window, true},
	}
	for _, s := range steps {
		now = now.Add(s.advance)
		err := insert(s.id, s.actor, s.hash, s.u)
		switch {
		case s.stored && err != nil:
			t.Fatalf("%s: %v", s.name, err)
		case !s.stored && !errors.Is(err, ErrConflict):
			t.Fatalf("%s: err %v, want ErrConflict", s.name, err)
		}
	}

	// Pruning removes processed records older than the cut, never pending ones.
	var items []InboxItem
	mustWrite(t, db, func(tx *Tx) (err error) { items, err = tx.ClaimInboxItems(ctx, 100, time.Minute); return err })
	// In arrival order, as an actor's activities must be applied.
	for i := 1; i < len(items); i++ {
		if items[i].ID <= items[i-1].ID {
			t.Fatalf("claimed out of order: %d after %d", items[i].ID, items[i-1].ID)
		}
	}
	mustWrite(t, db, func(tx *Tx) error { return tx.FinishInboxItem(ctx, items[0].ID, "", false, 0) })
	// A processed item keeps no body (on PostgreSQL too, where x'' is a
	// bit string, not an empty bytea).
	if body, err := db.InboxItemBody(ctx, items[0].ID); err != nil || len(body) != 0 {
		t.Fatalf("body after processing = %q, %v", body, err)
	}
	var n int64
	mustWrite(t, db, func(tx *Tx) (err error) { n, err = tx.PruneInboxItems(ctx, now); return err })
	if n != 1 {
		t.Fatalf("pruned %d, want 1", n)
	}
	if left, err := db.PendingInboxItems(ctx); err != nil || left != int64(len(items)-1) {
		t.Fatalf("pending %d, %v; want %d", left, err, len(items)-1)
	}
}
