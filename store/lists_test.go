package store

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func newList(t *testing.T, db *DB, owner Account, policy string, exclusive bool, members ...Account) List {
	t.Helper()
	l := List{AccountID: owner.ID, Title: "l", RepliesPolicy: policy, Exclusive: exclusive}
	mustWrite(t, db, func(tx *Tx) error {
		if err := tx.InsertList(ctx0, &l); err != nil {
			return err
		}
		for _, m := range members {
			if _, err := tx.AddListAccount(ctx0, l.ID, m.ID); err != nil {
				return err
			}
		}
		return nil
	})
	return l
}

func listTimeline(t *testing.T, db *DB, l List) []int64 {
	t.Helper()
	list, err := db.ListTimeline(ctx0, l, Page{Limit: 40})
	if err != nil {
		t.Fatal(err)
	}
	return ids(list)
}

func TestListFeedMembersDirectAndUnfollow(t *testing.T) {
	db := openTest(t)
	w := newWorld(t, db)
	before := post(t, db, w.bob, VisibilityPublic) // backfilled when bob joins
	l := newList(t, db, w.alice, RepliesList, false, w.bob)
	private := post(t, db, w.bob, VisibilityPrivate)
	post(t, db, w.bob, VisibilityDirect)
	post(t, db, w.dave, VisibilityPublic) // not a member
	if got, want := fmt.Sprint(listTimeline(t, db, l)), fmt.Sprint([]int64{private.ID, before.ID}); got != want {
		t.Fatalf("list timeline %s, want %s", got, want)
	}
	// Ending the follow (unfollow, block, remote Undo) takes bob out of the list.
	mustWrite(t, db, func(tx *Tx) error { _, err := tx.DeleteFollow(ctx0, w.alice.ID, w.bob.ID); return err })
	if got := listTimeline(t, db, l); len(got) != 0 {
		t.Fatalf("after unfollow: %v", got)
	}
	members, err := db.ListMembers(ctx0, l.ID, Page{Limit: 40})
	if err != nil || len(members.IDs) != 0 {
		t.Fatalf("members after unfollow %v %v", members.IDs, err)
	}
}

func TestListRepliesPolicy(t *testing.T) {
	db := openTest(t)
	w := newWorld(t, db)
	// alice follows bob (accepted) and dave (accepted); dave is no member.
	mustWrite(t, db, func(tx *Tx) error {
		return tx.UpsertFollow(ctx0, &Follow{AccountID: w.alice.ID, TargetAccountID: w.dave.ID, Accepted: true})
	})
	reply := func(to Account) Status {
		st := Status{AccountID: w.bob.ID, Visibility: VisibilityPublic, InReplyToAccountID: to.ID, InReplyToURI: to.URI + "/s/1"}
		mustWrite(t, db, func(tx *Tx) error {
			st.URI = fmt.Sprintf("%s/statuses/%d", w.bob.URI, tx.NewID(tx.Now()))
			return tx.InsertStatus(ctx0, &st)
		})
		return st
	}
	self, toDave, toCarol, toAlice := reply(w.bob), reply(w.dave), reply(w.carol), reply(w.alice)
	cases := []struct {
		policy string
		want   []int64
	}{
		{RepliesFollowed, []int64{toAlice.ID, toDave.ID, self.ID}},
		{RepliesList, []int64{toAlice.ID, self.ID}},
		{RepliesNone, []int64{toAlice.ID, self.ID}},
	}
	_ = toCarol // carol's follow is pending: never shown
	for _, tc := range cases {
		l := newList(t, db, w.alice, tc.policy, false, w.bob)
		if got := listTimeline(t, db, l); fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%s: %v, want %v", tc.policy, got, tc.want)
		}
	}
}

func TestExclusiveListHidesMembersFromHome(t *testing.T) {
	db := openTest(t)
	w := newWorld(t, db)
	bobs := post(t, db, w.bob, VisibilityPublic)
	own := post(t, db, w.alice, VisibilityPublic)
	home := func() string {
		list, err := db.HomeTimeline(ctx0, w.alice.ID, Page{Limit: 40})
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(ids(list))
	}
	newList(t, db, w.alice, RepliesList, false, w.bob)
	if got, want := home(), fmt.Sprint([]int64{own.ID, bobs.ID}); got != want {
		t.Fatalf("home with a plain list %s, want %s", got, want)
	}
	newList(t, db, w.alice, RepliesList, true, w.bob, w.alice)
	if got, want := home(), fmt.Sprint([]int64{own.ID}); got != want {
		t.Fatalf("home with an exclusive list %s, want %s", got, want)
	}
}

func TestFollowedTagFillsHomeWithRemotePublicPosts(t *testing.T) {
	db := openTest(t)
	w := newWorld(t, db)
	mustWrite(t, db, func(tx *Tx) error {
		tag, err := tx.EnsureTag(ctx0, "fox")
		if err != nil {
			return err
		}
		return tx.FollowTag(ctx0, w.dave.ID, tag.ID)
	})
	tagged := func(vis string) Status {
		st := post(t, db, w.carol, vis) // remote, not followed by dave
		mustWrite(t, db, func(tx *Tx) error { return tx.SetStatusTags(ctx0, st.ID, []string{"Fox", "other"}) })
		return st
	}
	public := tagged(VisibilityPublic)
	tagged(VisibilityUnlisted)
	tagged(VisibilityPrivate)
	post(t, db, w.carol, VisibilityPublic) // untagged
	list, err := db.HomeTimeline(ctx0, w.dave.ID, Page{Limit: 40})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(ids(list)), fmt.Sprint([]int64{public.ID}); got != want {
		t.Fatalf("dave's home %s, want %s", got, want)
	}
	followers, err := db.LocalTagFollowers(ctx0, public.ID)
	if err != nil || fmt.Sprint(followers) != fmt.Sprint([]int64{w.dave.ID}) {
		t.Fatalf("tag followers %v %v", followers, err)
	}
	tag, err := db.TagByName(ctx0, "fox")
	if err != nil {
		t.Fatal(err)
	}
	hist, err := db.TagHistory(ctx0, tag.ID, time.Now(), 7)
	if err != nil || len(hist) != 7 || hist[0].Uses != 3 || hist[0].Accounts != 1 || hist[1].Uses != 0 {
		t.Fatalf("history %+v %v", hist, err)
	}
}

func TestListTimelineQueryIsIndexBacked(t *testing.T) {
	db := openTest(t)
	for _, policy := range []string{RepliesFollowed, RepliesList, RepliesNone} {
		q := `SELECT ` + statusColsS + ` FROM list_feed f JOIN statuses s ON s.id = f.status_id
			WHERE f.list_id = :list AND f.status_id < :p0 AND s.deleted_at = 0 AND ` + repliesCond(policy) +
			viewerExclusions("f.author_id") + ` ORDER BY f.status_id DESC LIMIT 40`
		plan := queryPlan(t, db, q, named("list", 1), named("viewer", 1), named("p0", 1<<62))
		joined := strings.Join(plan, "\n")
		if !strings.Contains(joined, "SEARCH f USING PRIMARY KEY (list_id=? AND status_id<?)") || strings.Contains(joined, "TEMP B-TREE") {
			t.Fatalf("%s: list timeline plan is not an index range scan:\n%s", policy, joined)
		}
	}
}
