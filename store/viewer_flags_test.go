package store

import (
	"strings"
	"testing"
)

// The four marks and the screening flag come from one query per page, each
// on its own status, another viewer's marks never counted, and every branch
// an index search.
func TestStatusViewerFlagsOneQuery(t *testing.T) {
	db := openTest(t)
	w := newWorld(t, db)
	fav, boosted, marked, pinned, none := post(t, db, w.bob, VisibilityPublic), post(t, db, w.bob, VisibilityPublic),
		post(t, db, w.bob, VisibilityPublic), post(t, db, w.alice, VisibilityPublic), post(t, db, w.bob, VisibilityPublic)
	flagged := post(t, db, w.bob, VisibilityPublic)
	mustWrite(t, db, func(tx *Tx) error {
		if err := tx.InsertFavourite(ctx0, &Favourite{AccountID: w.alice.ID, StatusID: fav.ID}); err != nil {
			return err
		}
		if err := tx.InsertFavourite(ctx0, &Favourite{AccountID: w.carol.ID, StatusID: none.ID}); err != nil {
			return err
		}
		if err := tx.InsertStatus(ctx0, &Status{URI: "https://pictor.test/boost", AccountID: w.alice.ID, Local: true,
			ReblogOfID: boosted.ID}); err != nil {
			return err
		}
		if err := tx.InsertBookmark(ctx0, w.alice.ID, marked.ID); err != nil {
			return err
		}
		if err := tx.InsertScreeningDecision(ctx0, &ScreeningDecision{StatusID: flagged.ID, AccountID: w.bob.ID,
			Backend: "wordlist", Category: "hate", Decision: "flag"}); err != nil {
			return err
		}
		return tx.InsertPin(ctx0, w.alice.ID, pinned.ID)
	})
	flags, err := db.StatusViewerFlags(ctx0, w.alice.ID, []int64{fav.ID, boosted.ID, marked.ID, pinned.ID, none.ID, flagged.ID})
	if err != nil {
		t.Fatal(err)
	}
	want := map[int64]ViewerFlags{fav.ID: {Favourited: true}, boosted.ID: {Reblogged: true}, marked.ID: {Bookmarked: true},
		pinned.ID: {Pinned: true}, flagged.ID: {Screened: "hate"}}
	for id, f := range want {
		if flags[id] != f {
			t.Errorf("flags of %d = %+v, want %+v", id, flags[id], f)
		}
	}
	if f, ok := flags[none.ID]; ok {
		t.Errorf("another viewer's favourite counted: %+v", f)
	}
	plan := strings.Join(queryPlan(t, db, `SELECT status_id, 0, '' FROM favourites WHERE account_id = ?1 AND status_id IN (?2, ?3)
		UNION ALL SELECT reblog_of_id, 1, '' FROM statuses WHERE account_id = ?1 AND deleted_at = 0 AND reblog_of_id IN (?2, ?3)
		UNION ALL SELECT status_id, 2, '' FROM bookmarks WHERE account_id = ?1 AND status_id IN (?2, ?3)
		UNION ALL SELECT status_id, 3, '' FROM status_pins WHERE account_id = ?1 AND status_id IN (?2, ?3)
		UNION ALL SELECT status_id, 4, category FROM screening_decisions
			WHERE status_id IN (?2, ?3) AND decision = 'flag' AND overturned_at = 0`, 1, 2, 3), "\n")
	if strings.Contains(plan, "SCAN ") {
		t.Errorf("viewer flags scan a table:\n%s", plan)
	}
}
