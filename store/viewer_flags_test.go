package store

import (
	"slices"
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

// Each kind of mark and the screening flag, set and taken back one step at
// a time: the viewer sees exactly their own marks after every committed
// change, from the first read (which fills the cache on SQLite) and the
// next (from it), the same as the uncached query; another viewer never sees
// them. On PostgreSQL the cache is off and the query answers.
func TestStatusViewerFlagsKinds(t *testing.T) {
	db := openTest(t)
	w := newWorld(t, db)
	s := make([]Status, 6)
	for i := range s {
		s[i] = post(t, db, w.bob, VisibilityPublic)
	}
	own := post(t, db, w.alice, VisibilityPublic)
	page := []int64{own.ID}
	for _, st := range s {
		page = append(page, st.ID)
	}
	var boost Status
	var flag ScreeningDecision
	fav := func(who Account, st Status) func(tx *Tx) error {
		return func(tx *Tx) error { return tx.InsertFavourite(ctx0, &Favourite{AccountID: who.ID, StatusID: st.ID}) }
	}
	steps := []struct {
		name        string
		write       func(tx *Tx) error
		alice, dave map[int64]ViewerFlags
		perKind     int // lowers the cap of marks kept per kind
	}{
		{name: "nothing yet", write: func(*Tx) error { return nil }},
		{name: "favourite", write: fav(w.alice, s[0]),
			alice: map[int64]ViewerFlags{s[0].ID: {Favourited: true}}},
		{name: "boost", write: func(tx *Tx) error {
			boost = Status{URI: "https://here.test/users/alice/boost", AccountID: w.alice.ID, Local: true, ReblogOfID: s[1].ID}
			return tx.InsertStatus(ctx0, &boost)
		}, alice: map[int64]ViewerFlags{s[0].ID: {Favourited: true}, s[1].ID: {Reblogged: true}}},
		{name: "bookmark", write: func(tx *Tx) error { return tx.InsertBookmark(ctx0, w.alice.ID, s[2].ID) },
			alice: map[int64]ViewerFlags{s[0].ID: {Favourited: true}, s[1].ID: {Reblogged: true}, s[2].ID: {Bookmarked: true}}},
		{name: "pin", write: func(tx *Tx) error { return tx.InsertPin(ctx0, w.alice.ID, own.ID) },
			alice: map[int64]ViewerFlags{s[0].ID: {Favourited: true}, s[1].ID: {Reblogged: true}, s[2].ID: {Bookmarked: true},
				own.ID: {Pinned: true}}},
		{name: "screening flag", write: func(tx *Tx) error {
			flag = ScreeningDecision{StatusID: s[3].ID, AccountID: w.bob.ID, Backend: "wordlist", Category: "hate", Decision: "flag"}
			return tx.InsertScreeningDecision(ctx0, &flag)
		}, alice: map[int64]ViewerFlags{s[0].ID: {Favourited: true}, s[1].ID: {Reblogged: true}, s[2].ID: {Bookmarked: true},
			own.ID: {Pinned: true}, s[3].ID: {Screened: "hate"}},
			dave: map[int64]ViewerFlags{s[3].ID: {Screened: "hate"}}},
		{name: "another viewer's favourite", write: fav(w.dave, s[4]),
			alice: map[int64]ViewerFlags{s[0].ID: {Favourited: true}, s[1].ID: {Reblogged: true}, s[2].ID: {Bookmarked: true},
				own.ID: {Pinned: true}, s[3].ID: {Screened: "hate"}},
			dave: map[int64]ViewerFlags{s[3].ID: {Screened: "hate"}, s[4].ID: {Favourited: true}}},
		{name: "unfavourite", write: func(tx *Tx) error { _, err := tx.DeleteFavourite(ctx0, w.alice.ID, s[0].ID); return err },
			alice: map[int64]ViewerFlags{s[1].ID: {Reblogged: true}, s[2].ID: {Bookmarked: true}, own.ID: {Pinned: true},
				s[3].ID: {Screened: "hate"}},
			dave: map[int64]ViewerFlags{s[3].ID: {Screened: "hate"}, s[4].ID: {Favourited: true}}},
		{name: "boost deleted", write: func(tx *Tx) error { return tx.MarkStatusDeleted(ctx0, boost.ID) },
			alice: map[int64]ViewerFlags{s[2].ID: {Bookmarked: true}, own.ID: {Pinned: true}, s[3].ID: {Screened: "hate"}},
			dave:  map[int64]ViewerFlags{s[3].ID: {Screened: "hate"}, s[4].ID: {Favourited: true}}},
		{name: "unbookmark and unpin", write: func(tx *Tx) error {
			if err := tx.DeleteBookmark(ctx0, w.alice.ID, s[2].ID); err != nil {
				return err
			}
			return tx.DeletePin(ctx0, w.alice.ID, own.ID)
		}, alice: map[int64]ViewerFlags{s[3].ID: {Screened: "hate"}},
			dave: map[int64]ViewerFlags{s[3].ID: {Screened: "hate"}, s[4].ID: {Favourited: true}}},
		{name: "flag overturned", write: func(tx *Tx) error { return tx.OverturnScreeningDecision(ctx0, flag.ID, w.alice.ID) },
			dave: map[int64]ViewerFlags{s[4].ID: {Favourited: true}}},
		{name: "more favourites than are kept", perKind: 1, write: func(tx *Tx) error {
			if err := fav(w.alice, s[0])(tx); err != nil {
				return err
			}
			return fav(w.alice, s[5])(tx)
		}, alice: map[int64]ViewerFlags{s[0].ID: {Favourited: true}, s[5].ID: {Favourited: true}},
			dave: map[int64]ViewerFlags{s[4].ID: {Favourited: true}}},
		{name: "a favourite taken back past the cap", perKind: 1,
			write: func(tx *Tx) error { _, err := tx.DeleteFavourite(ctx0, w.alice.ID, s[5].ID); return err },
			alice: map[int64]ViewerFlags{s[0].ID: {Favourited: true}},
			dave:  map[int64]ViewerFlags{s[4].ID: {Favourited: true}}},
	}
	for _, step := range steps {
		if step.perKind != 0 {
			db.flags.mu.Lock()
			db.flags.perKind = step.perKind
			db.flags.mu.Unlock()
		}
		mustWrite(t, db, step.write)
		for _, v := range []struct {
			who  Account
			want map[int64]ViewerFlags
		}{{w.alice, step.alice}, {w.dave, step.dave}} {
			ref := map[int64]ViewerFlags{}
			all := []markKind{markFavourite, markBoost, markBookmark, markPin}
			if err := db.readViewerFlags(ctx0, v.who.ID, page, all, page, ref); err != nil {
				t.Fatal(err)
			}
			for read := range 2 {
				got, err := db.StatusViewerFlags(ctx0, v.who.ID, page)
				if err != nil {
					t.Fatal(err)
				}
				for _, id := range page {
					if got[id] != v.want[id] || ref[id] != v.want[id] {
						t.Errorf("%s: %s's flags of %d on read %d = %+v (query: %+v), want %+v",
							step.name, v.who.Username, id, read+1, got[id], ref[id], v.want[id])
					}
				}
			}
		}
	}
}

// A viewer's marks read before a change of them committed are not kept:
// the read is spoiled by the invalidation, and the next page reads again.
func TestStatusViewerFlagsSpoiledFill(t *testing.T) {
	sqliteOnly(t)
	db := openTest(t)
	w := newWorld(t, db)
	st := post(t, db, w.bob, VisibilityPublic)
	out := map[int64]ViewerFlags{}
	marks, fill := db.flags.lookup(w.alice.ID, []int64{st.ID}, out)
	if marks != nil || fill == nil || fill.viewer != w.alice.ID {
		t.Fatalf("first lookup = %v, %+v; want a fill of alice's marks", marks, fill)
	}
	stale, err := db.readMarks(ctx0, w.alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	mustWrite(t, db, func(tx *Tx) error {
		if err := tx.InsertFavourite(ctx0, &Favourite{AccountID: w.alice.ID, StatusID: st.ID}); err != nil {
			return err
		}
		return tx.InsertScreeningDecision(ctx0, &ScreeningDecision{StatusID: st.ID, AccountID: w.bob.ID,
			Backend: "wordlist", Category: "spam", Decision: "flag"})
	})
	db.flags.put(fill, stale, map[int64]string{st.ID: ""})
	got, err := db.StatusViewerFlags(ctx0, w.alice.ID, []int64{st.ID})
	if err != nil {
		t.Fatal(err)
	}
	if want := (ViewerFlags{Favourited: true, Screened: "spam"}); got[st.ID] != want {
		t.Errorf("after a read spoiled by a favourite and a flag: %+v, want %+v", got[st.ID], want)
	}
}

// The cache's bookkeeping: a fill is spoiled by an invalidation of its
// viewer, of one of its statuses, or of everything, and by nothing else.
func TestFlagCacheFills(t *testing.T) {
	for _, tc := range []struct {
		name              string
		viewers, statuses []int64
		all, ok           bool
	}{
		{name: "its viewer", viewers: []int64{7}},
		{name: "one of its statuses", statuses: []int64{2}},
		{name: "everything", all: true},
		{name: "another viewer and status", viewers: []int64{8}, statuses: []int64{3}, ok: true},
	} {
		c := newFlagCache()
		_, f := c.lookup(7, []int64{1, 2}, map[int64]ViewerFlags{})
		c.invalidate(tc.viewers, tc.statuses, tc.all)
		c.put(f, &viewerMarks{viewer: 7, ids: [numMarkKinds][]int64{markFavourite: {1}}}, map[int64]string{1: "hate"})
		out := map[int64]ViewerFlags{}
		marks, f2 := c.lookup(7, []int64{1, 2}, out)
		if kept := marks != nil && f2 == nil; kept != tc.ok {
			t.Errorf("%s: kept = %v, want %v", tc.name, kept, tc.ok)
		}
		if tc.ok && out[1].Screened != "hate" {
			t.Errorf("%s: screening flag not kept: %+v", tc.name, out[1])
		}
		if len(c.fills) != 1 && !tc.ok || len(c.fills) != 0 && tc.ok {
			t.Errorf("%s: %d fills in flight", tc.name, len(c.fills))
		}
	}
}

// Reading a viewer's marks is one index range per kind, in order.
func TestViewerMarksPlan(t *testing.T) {
	sqliteOnly(t)
	db := openTest(t)
	for k, q := range markQueries {
		plan := strings.Join(queryPlan(t, db, q, 1, 10), "\n")
		if strings.Contains(plan, "SCAN ") || strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("marks of kind %d:\n%s", k, plan)
		}
	}
}

// A committed change updates the cached marks in place: adds and removals,
// a boost multiset (two boosts of a status, one deleted: still boosted), a
// kind growing past the cap, a removal of a mark not held.
func TestViewerMarksWith(t *testing.T) {
	add := func(k markKind, id int64) markDelta { return markDelta{viewer: 1, kind: k, id: id, add: true} }
	del := func(k markKind, id int64) markDelta { return markDelta{viewer: 1, kind: k, id: id} }
	for _, tc := range []struct {
		name   string
		before [numMarkKinds][]int64
		deltas []markDelta
		want   [numMarkKinds][]int64
		over   markKind // -1: none
	}{
		{name: "add in order", before: [numMarkKinds][]int64{markFavourite: {2, 9}},
			deltas: []markDelta{add(markFavourite, 5), add(markPin, 3)},
			want:   [numMarkKinds][]int64{markFavourite: {2, 5, 9}, markPin: {3}}, over: -1},
		{name: "remove", before: [numMarkKinds][]int64{markPin: {2, 5}, markBoost: {4}},
			deltas: []markDelta{del(markPin, 2), del(markBoost, 4), del(markBookmark, 7)},
			want:   [numMarkKinds][]int64{markPin: {5}, markBoost: {}}, over: -1},
		{name: "boosted twice, one boost deleted", before: [numMarkKinds][]int64{markBoost: {3}},
			deltas: []markDelta{add(markBoost, 3), del(markBoost, 3)},
			want:   [numMarkKinds][]int64{markBoost: {3}}, over: -1},
		{name: "added and removed in one write", deltas: []markDelta{add(markBookmark, 8), del(markBookmark, 8)},
			want: [numMarkKinds][]int64{markBookmark: {}}, over: -1},
		{name: "past the cap", before: [numMarkKinds][]int64{markFavourite: {1, 2, 3}},
			deltas: []markDelta{add(markFavourite, 4), del(markFavourite, 4)}, over: markFavourite},
	} {
		m := &viewerMarks{viewer: 1, ids: tc.before}
		n := m.with(tc.deltas, 3)
		for k := range numMarkKinds {
			if n.over[k] != (k == tc.over) {
				t.Errorf("%s: kind %d over = %v", tc.name, k, n.over[k])
			}
			if len(n.ids[k]) != len(tc.want[k]) || !slices.Equal(n.ids[k], tc.want[k]) && len(tc.want[k]) > 0 {
				t.Errorf("%s: kind %d = %v, want %v", tc.name, k, n.ids[k], tc.want[k])
			}
		}
		if !slices.Equal(m.ids[markFavourite], tc.before[markFavourite]) {
			t.Errorf("%s: the cached marks changed in place: %v", tc.name, m.ids[markFavourite])
		}
	}
}

// Marks read while a write changing them commits are not kept: they may
// already hold the change, which apply would add a second time (so that
// taking it back would leave a copy).
func TestFlagCacheRefusesMarksReadDuringCommit(t *testing.T) {
	c := newFlagCache()
	_, f := c.lookup(7, nil, nil)
	c.committing = map[int64]struct{}{7: {}}
	c.put(f, &viewerMarks{viewer: 7, ids: [numMarkKinds][]int64{markFavourite: {1}}}, nil)
	c.apply([]markDelta{{viewer: 7, kind: markFavourite, id: 1, add: true}}, nil, false, true)
	if marks, _ := c.lookup(7, nil, nil); marks != nil {
		t.Fatalf("marks read during the commit kept: %+v", marks.ids)
	}
	if c.committing != nil {
		t.Errorf("committing not cleared by apply: %v", c.committing)
	}
}

// A write rolled back leaves the viewer's marks as they were: the cached
// ones are dropped, not changed, and read again.
func TestStatusViewerFlagsRollback(t *testing.T) {
	db := openTest(t)
	w := newWorld(t, db)
	st := post(t, db, w.bob, VisibilityPublic)
	if _, err := db.StatusViewerFlags(ctx0, w.alice.ID, []int64{st.ID}); err != nil {
		t.Fatal(err)
	}
	err := db.Write(ctx0, func(tx *Tx) error {
		if err := tx.InsertFavourite(ctx0, &Favourite{AccountID: w.alice.ID, StatusID: st.ID}); err != nil {
			return err
		}
		return ErrConflict
	})
	if err == nil {
		t.Fatal("the write did not fail")
	}
	got, err := db.StatusViewerFlags(ctx0, w.alice.ID, []int64{st.ID})
	if err != nil || got[st.ID].Favourited {
		t.Fatalf("after a favourite rolled back: %+v, %v", got[st.ID], err)
	}
}
