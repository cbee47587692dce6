package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// freshStatus reads a status row without the cache.
func freshStatus(t *testing.T, db *DB, id int64) (Status, error) {
	t.Helper()
	st, err := statusWhere(context.Background(), db.read, `id = ?`, id)
	if err != nil && !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
	return st, err
}

// The status rows the timelines, StatusByID and StatusesByIDs take from the
// status cache follow every committed change of a statuses row, whichever
// statement, foreign-key action or cascade made it; a rolled-back change
// never shows.
func TestStatusRowCacheInvalidation(t *testing.T) {
	ctx := context.Background()
	type fixture struct {
		alice, bob                    Account
		parent, status, boost, orphan Status
	}
	cases := []struct {
		name  string
		write func(tx *Tx, f *fixture) error
	}{
		{"edit", func(tx *Tx, f *fixture) error {
			st := f.status
			st.Content, st.Text, st.SpoilerText, st.Sensitive = "<p>edited</p>", "edited", "cw", true
			return tx.UpdateStatusContent(ctx, &st, "")
		}},
		{"deleted, with its boost", func(tx *Tx, f *fixture) error { return tx.MarkStatusDeleted(ctx, f.status.ID) }},
		{"uri released", func(tx *Tx, f *fixture) error {
			if err := tx.MarkStatusDeleted(ctx, f.boost.ID); err != nil {
				return err
			}
			return tx.ReleaseStatusURI(ctx, f.boost.ID)
		}},
		{"reply parent arrives", func(tx *Tx, f *fixture) error {
			later := Status{URI: "https://pictor.test/s/later", AccountID: f.alice.ID, Local: true}
			if err := tx.InsertStatus(ctx, &later); err != nil {
				return err
			}
			return tx.AttachReplyParent(ctx, later)
		}},
		{"parent gone (ON DELETE SET NULL)", func(tx *Tx, f *fixture) error {
			_, err := tx.tx.ExecContext(ctx, `DELETE FROM statuses WHERE id = ?`, f.parent.ID)
			return err
		}},
		{"author gone (cascade)", func(tx *Tx, f *fixture) error {
			_, err := tx.tx.ExecContext(ctx, `DELETE FROM accounts WHERE id = ?`, f.bob.ID)
			return err
		}},
		{"any column", func(tx *Tx, f *fixture) error {
			_, err := tx.tx.ExecContext(ctx, `UPDATE statuses SET url = 'https://pictor.test/@alice/1', language = 'fr',
				generated = 1 WHERE id = ?`, f.status.ID)
			return err
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db := openTest(t)
			var f fixture
			mustWrite(t, db, func(tx *Tx) error {
				f.alice = Account{Username: "alice", URI: "https://pictor.test/users/alice"}
				f.bob = Account{Username: "bob", Domain: "remote.test", URI: "https://remote.test/users/bob"}
				for _, a := range []*Account{&f.alice, &f.bob} {
					if err := tx.InsertAccount(ctx, a); err != nil {
						return err
					}
				}
				f.parent = Status{URI: "https://pictor.test/s/0", AccountID: f.alice.ID, Local: true, Content: "<p>parent</p>"}
				f.status = Status{URI: "https://pictor.test/s/1", AccountID: f.alice.ID, Local: true, Content: "<p>hello</p>",
					Text: "hello"}
				f.boost = Status{URI: "https://remote.test/b/1", AccountID: f.bob.ID}
				f.orphan = Status{URI: "https://remote.test/s/2", AccountID: f.bob.ID, InReplyToURI: "https://pictor.test/s/later"}
				if err := tx.InsertStatus(ctx, &f.parent); err != nil {
					return err
				}
				f.status.InReplyToID, f.status.InReplyToAccountID = f.parent.ID, f.alice.ID
				if err := tx.InsertStatus(ctx, &f.status); err != nil {
					return err
				}
				f.boost.ReblogOfID = f.status.ID
				if err := tx.InsertStatus(ctx, &f.boost); err != nil {
					return err
				}
				return tx.InsertStatus(ctx, &f.orphan)
			})
			all := []int64{f.parent.ID, f.status.ID, f.boost.ID, f.orphan.ID}
			// check compares what every cached path reads with the rows.
			check := func(when string) {
				t.Helper()
				byIDs, err := db.StatusesByIDs(ctx, all)
				if err != nil {
					t.Fatal(err)
				}
				for _, id := range all {
					want, wantErr := freshStatus(t, db, id)
					got, err := db.StatusByID(ctx, id)
					if !errors.Is(err, wantErr) || !reflect.DeepEqual(got, want) {
						t.Errorf("%s: StatusByID(%d) = %+v, %v; want %+v, %v", when, id, got, err, want, wantErr)
					}
					if got, ok := byIDs[id]; ok != (wantErr == nil) || !reflect.DeepEqual(got, want) {
						t.Errorf("%s: StatusesByIDs[%d] = %+v; want %+v, %v", when, id, got, want, wantErr)
					}
				}
				for _, a := range []Account{f.alice, f.bob} {
					list, err := db.AccountTimeline(ctx, a.ID, AccountFilter{}, Page{Limit: 20})
					if err != nil {
						t.Fatal(err)
					}
					for _, st := range list {
						if want, err := freshStatus(t, db, st.ID); err != nil || !reflect.DeepEqual(st, want) ||
							!want.DeletedAt.IsZero() {
							t.Errorf("%s: timeline of %s shows %+v; the row is %+v, %v", when, a.Username, st, want, err)
						}
					}
				}
			}
			check("first read")
			if n := db.statusCache.len(); n != len(all)*cachedOnThisEngine() {
				t.Fatalf("%d statuses cached, want %d", n, len(all)*cachedOnThisEngine())
			}
			mustRollBack(t, db, func(tx *Tx) error { return tc.write(tx, &f) })
			check("after rollback")
			mustWrite(t, db, func(tx *Tx) error { return tc.write(tx, &f) })
			check("after the write")
		})
	}
}

// Rows read before a change committed are not kept; the cache is bounded by
// the size of its rows as well as by their number.
func TestStatusRowCacheRaceAndBound(t *testing.T) {
	c := newStatusCache(10)
	out := make([]Status, 1)
	seq, missing := c.getRows([]int64{1}, out)
	if len(missing) != 1 {
		t.Fatal(missing)
	}
	c.invalidate([]int64{1}, false)
	c.putRows(seq, []Status{{ID: 1, Content: "stale"}})
	if c.len() != 0 {
		t.Fatal("a row read before a change was kept")
	}
	c.maxBytes = 3 * rowSize(&Status{Content: strings.Repeat("x", 1000)})
	seq, _ = c.getRows(nil, nil)
	for id := int64(1); id <= 4; id++ {
		c.putRows(seq, []Status{{ID: id, Content: strings.Repeat("x", 1000)}})
	}
	if _, missing := c.getRows([]int64{1, 2, 3, 4}, make([]Status, 4)); c.len() != 3 || !reflect.DeepEqual(missing, []int64{1}) {
		t.Fatalf("%d cached, missing %v; want 3 cached, 1 evicted", c.len(), missing)
	}
	// Extras and the row of a status are kept and dropped together.
	c.put(seq, map[int64]StatusExtras{4: {Tags: []string{"a"}}})
	c.invalidate([]int64{4}, false)
	if _, missing := c.getMany([]int64{4}, map[int64]StatusExtras{}); len(missing) != 1 {
		t.Fatal("extras outlived their status's invalidation")
	}
	if _, missing := c.getRows([]int64{4}, make([]Status, 1)); len(missing) != 1 {
		t.Fatal("a row outlived its invalidation")
	}
}

// Public, hashtag and profile timelines leave out the statuses of a
// suspended account, and show them again once the suspension is lifted.
func TestTimelinesHideSuspendedAccounts(t *testing.T) {
	db := openTest(t)
	w := newWorld(t, db)
	var mine, theirs Status
	for _, p := range []struct {
		st     *Status
		author Account
	}{{&mine, w.alice}, {&theirs, w.bob}} {
		*p.st = post(t, db, p.author, VisibilityPublic)
		mustWrite(t, db, func(tx *Tx) error { return tx.SetStatusTags(ctx0, p.st.ID, []string{"shared"}) })
	}
	read := map[string]func() ([]Status, error){
		"public": func() ([]Status, error) { return db.PublicTimeline(ctx0, PublicFilter{}, Page{}) },
		"public, viewer": func() ([]Status, error) {
			return db.PublicTimeline(ctx0, PublicFilter{Viewer: w.dave.ID}, Page{})
		},
		"remote": func() ([]Status, error) { return db.PublicTimeline(ctx0, PublicFilter{Remote: true}, Page{}) },
		"tag": func() ([]Status, error) {
			return db.TagTimeline(ctx0, TagQuery{Any: []string{"shared"}}, PublicFilter{}, Page{})
		},
		"account": func() ([]Status, error) { return db.AccountTimeline(ctx0, w.bob.ID, AccountFilter{}, Page{}) },
		"home":    func() ([]Status, error) { return db.HomeTimeline(ctx0, w.alice.ID, Page{}) },
		"profile": func() ([]Status, error) {
			return db.AccountTimeline(ctx0, w.bob.ID, AccountFilter{Profile: true, Viewer: w.alice.ID}, Page{})
		},
	}
	shows := func(list []Status, id int64) bool {
		for _, st := range list {
			if st.ID == id {
				return true
			}
		}
		return false
	}
	for _, suspended := range []bool{false, true, false} {
		mustWrite(t, db, func(tx *Tx) error { return tx.SetAccountSuspended(ctx0, w.bob.ID, suspended) })
		for name, get := range read {
			list, err := get()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if shows(list, theirs.ID) == suspended {
				t.Errorf("suspended %v: %s shows %v", suspended, name, ids(list))
			}
			if strings.HasPrefix(name, "public") && name != "remote" || name == "tag" || name == "home" {
				if !shows(list, mine.ID) {
					t.Errorf("suspended %v: %s lost another account's status: %v", suspended, name, ids(list))
				}
			}
		}
	}
}

// A profile shows a viewer what Mastodon does: everything to its owner,
// public and unlisted posts to others, followers-only ones to accepted
// followers, nothing across a block either way.
func TestAccountTimelineProfile(t *testing.T) {
	db := openTest(t)
	w := newWorld(t, db)
	byVis := map[string]int64{}
	for _, vis := range []string{VisibilityPublic, VisibilityUnlisted, VisibilityPrivate, VisibilityDirect} {
		byVis[vis] = post(t, db, w.bob, vis).ID
	}
	mustWrite(t, db, func(tx *Tx) error {
		return tx.UpsertFollow(ctx0, &Follow{AccountID: w.dave.ID, TargetAccountID: w.bob.ID, URI: "https://here.test/f/2"})
	})
	want := func(vis ...string) string {
		var out []int64
		for _, v := range []string{VisibilityDirect, VisibilityPrivate, VisibilityUnlisted, VisibilityPublic} {
			for _, x := range vis {
				if x == v {
					out = append(out, byVis[v])
				}
			}
		}
		return fmt.Sprint(out)
	}
	everyone := want(VisibilityPublic, VisibilityUnlisted)
	cases := []struct {
		name   string
		block  *Block // written before the read, removed after
		viewer int64
		want   string
	}{
		{"the owner", nil, w.bob.ID, want(VisibilityPublic, VisibilityUnlisted, VisibilityPrivate, VisibilityDirect)},
		{"anonymous", nil, 0, everyone},
		{"accepted follower", nil, w.alice.ID, want(VisibilityPublic, VisibilityUnlisted, VisibilityPrivate)},
		{"pending follower", nil, w.dave.ID, everyone},
		{"a stranger", nil, w.carol.ID, everyone},
		{"follower blocked by the owner", &Block{AccountID: w.bob.ID, TargetAccountID: w.alice.ID}, w.alice.ID, "[]"},
		{"viewer blocks the owner", &Block{AccountID: w.carol.ID, TargetAccountID: w.bob.ID}, w.carol.ID, "[]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.block != nil {
				mustWrite(t, db, func(tx *Tx) error { return tx.InsertBlock(ctx0, tc.block) })
				defer mustWrite(t, db, func(tx *Tx) error {
					_, err := tx.tx.ExecContext(ctx0, `DELETE FROM blocks WHERE id = ?`, tc.block.ID)
					return err
				})
			}
			list, err := db.AccountTimeline(ctx0, w.bob.ID, AccountFilter{Profile: true, Viewer: tc.viewer}, Page{Limit: 20})
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprint(ids(list)); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// Deleted statuses stay in home_feed: however many of them come first, a
// home page holds the next live statuses, a full page when there are
// enough (the loose statement's slack, then the exact statement).
func TestHomeTimelineSkipsDeletedStatuses(t *testing.T) {
	db := openTest(t)
	w := newWorld(t, db)
	var all []int64 // newest first
	for range 16 {
		all = append([]int64{post(t, db, w.bob, VisibilityPublic).ID}, all...)
	}
	home := func(p Page) string {
		t.Helper()
		list, err := db.HomeTimeline(ctx0, w.alice.ID, p)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(ids(list))
	}
	home(Page{Limit: 40}) // cache every row
	deleted := 0
	for _, n := range []int{2, looseSlack + 2} {
		mustWrite(t, db, func(tx *Tx) error {
			for ; deleted < n; deleted++ {
				if err := tx.MarkStatusDeleted(ctx0, all[deleted]); err != nil {
					return err
				}
			}
			return nil
		})
		live := all[deleted:]
		for _, tc := range []struct {
			page Page
			want []int64
		}{
			{Page{Limit: 3}, live[:3]},
			{Page{Limit: 40}, live},
			{Page{MaxID: all[deleted-1], Limit: 2}, live[:2]},
			{Page{MinID: all[len(all)-1], Limit: 40}, live[:len(live)-1]},
		} {
			if got := home(tc.page); got != fmt.Sprint(tc.want) {
				t.Errorf("%d deleted, %+v: %v, want %v", deleted, tc.page, got, tc.want)
			}
		}
	}
}
