package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

// The @ask question queue: queued once, claimed with a lease, due again
// when the lease lapses, handed back, finished.
func TestAskRequestQueue(t *testing.T) {
	clk := &testClock{t: time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)}
	db := openTestOpts(t, Options{Clock: clk.now})
	ctx := context.Background()
	a := newJobAccount(t, db, "alice")
	var queued []bool
	for range 2 {
		mustWrite(t, db, func(tx *Tx) error {
			q, err := tx.QueueAskRequest(ctx, 7001, a.ID)
			queued = append(queued, q)
			return err
		})
	}
	if !queued[0] || queued[1] {
		t.Fatalf("queued = %v, want once", queued)
	}
	claim := func() (AskRequest, error) {
		var r AskRequest
		err := db.Write(ctx, func(tx *Tx) (err error) { r, err = tx.ClaimAskRequest(ctx, time.Minute); return err })
		return r, err
	}
	r, err := claim()
	if err != nil || r.StatusID != 7001 || r.AccountID != a.ID || r.State != AskRunning || r.Attempts != 1 {
		t.Fatalf("claim = %+v, %v", r, err)
	}
	if _, err := claim(); !errors.Is(err, ErrNotFound) {
		t.Fatalf("claimed twice within the lease: %v", err)
	}
	if next, err := db.NextAskLeaseEnd(ctx); err != nil || !next.Equal(clk.now().Add(time.Minute)) {
		t.Fatalf("next lease end %v, %v", next, err)
	}
	clk.add(time.Minute)
	if r, err = claim(); err != nil || r.Attempts != 2 {
		t.Fatalf("claim after the lease lapsed = %+v, %v", r, err)
	}
	mustWrite(t, db, func(tx *Tx) error { return tx.ReleaseAskRequest(ctx, 7001) })
	if r, err = claim(); err != nil || r.Attempts != 2 {
		t.Fatalf("claim after release = %+v, %v", r, err)
	}
	mustWrite(t, db, func(tx *Tx) error { return tx.FinishAskRequest(ctx, 7001, 42) })
	if r, err = db.AskRequestByStatus(ctx, 7001); err != nil || r.State != AskDone || r.ReplyID != 42 || r.DoneAt.IsZero() {
		t.Fatalf("finished = %+v, %v", r, err)
	}
	clk.add(time.Hour)
	if _, err := claim(); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a finished question claimed: %v", err)
	}
	if next, err := db.NextAskLeaseEnd(ctx); err != nil || !next.IsZero() {
		t.Fatalf("next lease end with none running: %v, %v", next, err)
	}
	if _, err := db.ReplyBy(ctx, a.ID, 7001); !errors.Is(err, ErrNotFound) {
		t.Fatalf("ReplyBy without a reply: %v", err)
	}
}
