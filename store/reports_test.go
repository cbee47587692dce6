package store

import (
	"errors"
	"slices"
	"testing"
)

func TestReportsStoreListAndClose(t *testing.T) {
	db := openTest(t)
	w := newWorld(t, db)
	s1, s2 := post(t, db, w.bob, VisibilityPublic), post(t, db, w.bob, VisibilityPublic)
	flag := Report{URI: "https://there.test/flags/1", AccountID: w.carol.ID, TargetAccountID: w.alice.ID, Category: ReportOther}
	local := Report{AccountID: w.alice.ID, TargetAccountID: w.bob.ID, Category: ReportViolation, Comment: "c",
		RuleIDs: []string{"1", "2"}, StatusIDs: []int64{s2.ID, s1.ID, s2.ID}, Forwarded: true}
	mustWrite(t, db, func(tx *Tx) error {
		if err := tx.InsertReport(ctx0, &flag); err != nil {
			return err
		}
		return tx.InsertReport(ctx0, &local)
	})
	again := Report{URI: flag.URI, AccountID: w.carol.ID, TargetAccountID: w.alice.ID}
	if err := db.Write(ctx0, func(tx *Tx) error { return tx.InsertReport(ctx0, &again) }); !errors.Is(err, ErrConflict) {
		t.Fatalf("same Flag twice: %v, want ErrConflict", err)
	}

	got, err := db.ReportByID(ctx0, local.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.StatusIDs, []int64{s1.ID, s2.ID}) || !slices.Equal(got.RuleIDs, []string{"1", "2"}) ||
		!got.Forwarded || got.Comment != "c" || got.Category != ReportViolation || !got.Open() || got.URI != "" {
		t.Fatalf("report %+v", got)
	}
	list, err := db.Reports(ctx0, true, 10)
	if err != nil || len(list) != 2 || list[0].ID != local.ID || list[1].ID != flag.ID {
		t.Fatalf("open reports %+v, %v", list, err)
	}

	mustWrite(t, db, func(tx *Tx) error { return tx.SetReportActionTaken(ctx0, local.ID, w.dave.ID, true) })
	if got, _ := db.ReportByID(ctx0, local.ID); got.Open() || got.ActionTakenBy != w.dave.ID {
		t.Fatalf("closed report %+v", got)
	}
	if n, err := db.CountOpenReports(ctx0); err != nil || n != 1 {
		t.Fatalf("open count %d, %v", n, err)
	}
	if list, _ := db.Reports(ctx0, false, 10); len(list) != 2 {
		t.Fatalf("all reports: %d", len(list))
	}
	mustWrite(t, db, func(tx *Tx) error { return tx.SetReportActionTaken(ctx0, local.ID, w.dave.ID, false) })
	if got, _ := db.ReportByID(ctx0, local.ID); !got.Open() || got.ActionTakenBy != 0 {
		t.Fatalf("reopened report %+v", got)
	}
	err = db.Write(ctx0, func(tx *Tx) error { return tx.SetReportActionTaken(ctx0, 12345, 0, true) })
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown report: %v", err)
	}
	var admins []int64
	mustWrite(t, db, func(tx *Tx) (err error) { admins, err = tx.AdminAccountIDs(ctx0); return err })
	if len(admins) != 0 {
		t.Fatalf("admins %v, want none", admins)
	}
}
