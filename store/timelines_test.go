package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// world is a small social graph: local users alice and dave, remote bob and
// carol; alice follows bob (accepted) and carol (pending).
type world struct {
	alice, dave, bob, carol Account
}

func newWorld(t *testing.T, db *DB) world {
	t.Helper()
	ctx := context.Background()
	var w world
	mustWrite(t, db, func(tx *Tx) error {
		for _, a := range []*Account{&w.alice, &w.dave} {
			name := map[*Account]string{&w.alice: "alice", &w.dave: "dave"}[a]
			*a = Account{Username: name, URI: "https://here.test/users/" + name}
			if err := tx.InsertAccount(ctx, a); err != nil {
				return err
			}
			if err := tx.InsertUser(ctx, &User{AccountID: a.ID, PasswordHash: "x"}); err != nil {
				return err
			}
		}
		w.bob = Account{Username: "bob", Domain: "there.test", URI: "https://there.test/users/bob"}
		w.carol = Account{Username: "carol", Domain: "there.test", URI: "https://there.test/users/carol"}
		if err := tx.InsertAccount(ctx, &w.bob); err != nil {
			return err
		}
		if err := tx.InsertAccount(ctx, &w.carol); err != nil {
			return err
		}
		if err := tx.UpsertFollow(ctx, &Follow{AccountID: w.alice.ID, TargetAccountID: w.bob.ID, Accepted: true}); err != nil {
			return err
		}
		return tx.UpsertFollow(ctx, &Follow{AccountID: w.alice.ID, TargetAccountID: w.carol.ID, URI: "https://here.test/f/1"})
	})
	return w
}

func post(t *testing.T, db *DB, author Account, vis string) Status {
	t.Helper()
	st := Status{AccountID: author.ID, Visibility: vis, Local: author.Local()}
	mustWrite(t, db, func(tx *Tx) error {
		st.URI = fmt.Sprintf("%s/statuses/%d", author.URI, tx.NewID(tx.Now()))
		return tx.InsertStatus(ctx0, &st)
	})
	return st
}

var ctx0 = context.Background()

func ids(list []Status) []int64 {
	out := make([]int64, len(list))
	for i, s := range list {
		out[i] = s.ID
	}
	return out
}

func TestHomeFeedFollowsAcceptsAndUnfollows(t *testing.T) {
	db := openTest(t)
	w := newWorld(t, db)
	own := post(t, db, w.alice, VisibilityPublic)
	fromBob := post(t, db, w.bob, VisibilityPrivate)
	fromCarol := post(t, db, w.carol, VisibilityPublic)
	post(t, db, w.dave, VisibilityPublic)      // not followed
	dm := post(t, db, w.bob, VisibilityDirect) // not mentioning alice
	mustWrite(t, db, func(tx *Tx) error { return tx.InsertMentions(ctx0, dm.ID, []int64{w.dave.ID}) })

	home := func() []int64 {
		t.Helper()
		list, err := db.HomeTimeline(ctx0, w.alice.ID, Page{Limit: 40})
		if err != nil {
			t.Fatal(err)
		}
		return ids(list)
	}
	if got, want := fmt.Sprint(home()), fmt.Sprint([]int64{fromBob.ID, own.ID}); got != want {
		t.Fatalf("home = %s, want %s (own + accepted follow, newest first)", got, want)
	}
	daveHome, _ := db.HomeTimeline(ctx0, w.dave.ID, Page{Limit: 40})
	if len(daveHome) != 2 || daveHome[0].ID != dm.ID {
		t.Fatalf("dave's home = %v, want the DM that mentions him and his own post", ids(daveHome))
	}

	// Carol accepts: her earlier post is backfilled.
	mustWrite(t, db, func(tx *Tx) error {
		f, err := tx.FollowBetween(ctx0, w.alice.ID, w.carol.ID)
		if err != nil {
			return err
		}
		return tx.AcceptFollow(ctx0, f.ID)
	})
	if got := home(); len(got) != 3 || got[0] != fromCarol.ID {
		t.Fatalf("after accept home = %v, want carol's post first", got)
	}
	// Muting bob hides him; unfollowing carol removes her posts.
	mustWrite(t, db, func(tx *Tx) error { return tx.UpsertMute(ctx0, w.alice.ID, w.bob.ID, true) })
	mustWrite(t, db, func(tx *Tx) error { _, err := tx.DeleteFollow(ctx0, w.alice.ID, w.carol.ID); return err })
	if got, want := fmt.Sprint(home()), fmt.Sprint([]int64{own.ID}); got != want {
		t.Fatalf("after mute+unfollow home = %s, want %s", got, want)
	}
	// A deleted post leaves the timeline.
	mustWrite(t, db, func(tx *Tx) error { return tx.MarkStatusDeleted(ctx0, own.ID) })
	if got := home(); len(got) != 0 {
		t.Fatalf("deleted post still in home: %v", got)
	}
}

func TestTimelinePaging(t *testing.T) {
	db := openTest(t)
	w := newWorld(t, db)
	var all []int64 // oldest first
	for i := 0; i < 7; i++ {
		all = append(all, post(t, db, w.bob, VisibilityPublic).ID)
	}
	cases := []struct {
		name string
		page Page
		want []int64
	}{
		{"first page", Page{Limit: 3}, []int64{all[6], all[5], all[4]}},
		{"max_id", Page{MaxID: all[4], Limit: 3}, []int64{all[3], all[2], all[1]}},
		{"max_id at the end", Page{MaxID: all[1], Limit: 3}, []int64{all[0]}},
		{"since_id gives newest", Page{SinceID: all[1], Limit: 2}, []int64{all[6], all[5]}},
		{"min_id gives the page right after", Page{MinID: all[1], Limit: 2}, []int64{all[3], all[2]}},
		{"max and min", Page{MaxID: all[5], MinID: all[2], Limit: 10}, []int64{all[4], all[3]}},
		{"nothing newer", Page{MinID: all[6], Limit: 3}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for name, get := range map[string]func() ([]Status, error){
				"home":    func() ([]Status, error) { return db.HomeTimeline(ctx0, w.alice.ID, tc.page) },
				"public":  func() ([]Status, error) { return db.PublicTimeline(ctx0, PublicFilter{Remote: true}, tc.page) },
				"account": func() ([]Status, error) { return db.AccountTimeline(ctx0, w.bob.ID, AccountFilter{}, tc.page) },
			} {
				list, err := get()
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if fmt.Sprint(ids(list)) != fmt.Sprint(tc.want) {
					t.Fatalf("%s: got %v, want %v", name, ids(list), tc.want)
				}
			}
		})
	}
}

func TestHomeTimelineQueryIsIndexBacked(t *testing.T) {
	db := openTest(t)
	plan := queryPlan(t, db, `SELECT `+statusColsS+`
		FROM home_feed h JOIN statuses s ON s.id = h.status_id
		WHERE h.account_id = :viewer AND h.status_id < :p0 AND s.deleted_at = 0`+viewerExclusions("h.author_id")+
		` ORDER BY h.status_id DESC LIMIT 40`, named("viewer", 1), named("p0", 1<<62))
	joined := strings.Join(plan, "\n")
	if !strings.Contains(joined, "SEARCH h USING PRIMARY KEY (account_id=? AND status_id<?)") ||
		!strings.Contains(joined, "SEARCH s USING INTEGER PRIMARY KEY") || strings.Contains(joined, "TEMP B-TREE") {
		t.Fatalf("home timeline plan is not a pure index range scan:\n%s", joined)
	}
}

func TestRelationshipsAndFlags(t *testing.T) {
	db := openTest(t)
	w := newWorld(t, db)
	st := post(t, db, w.bob, VisibilityPublic)
	mustWrite(t, db, func(tx *Tx) error {
		if err := tx.InsertBlock(ctx0, &Block{AccountID: w.dave.ID, TargetAccountID: w.alice.ID}); err != nil {
			return err
		}
		if err := tx.InsertBookmark(ctx0, w.alice.ID, st.ID); err != nil {
			return err
		}
		return tx.InsertFavourite(ctx0, &Favourite{AccountID: w.alice.ID, StatusID: st.ID})
	})
	rel, err := db.Relationships(ctx0, w.alice.ID, []int64{w.bob.ID, w.carol.ID, w.dave.ID})
	if err != nil {
		t.Fatal(err)
	}
	if !rel[w.bob.ID].Following || rel[w.bob.ID].Requested || !rel[w.carol.ID].Requested || !rel[w.dave.ID].BlockedBy {
		t.Fatalf("relationships = %+v", rel)
	}
	flags, err := db.StatusViewerFlags(ctx0, w.alice.ID, []int64{st.ID})
	if err != nil {
		t.Fatal(err)
	}
	if f := flags[st.ID]; !f.Favourited || !f.Bookmarked || f.Reblogged {
		t.Fatalf("flags = %+v", f)
	}
	favs, err := db.FavouritesOf(ctx0, w.alice.ID, Page{Limit: 5})
	if err != nil || len(favs.IDs) != 1 || favs.IDs[0] != st.ID {
		t.Fatalf("favourites = %+v, %v", favs, err)
	}
}

// A multi-hashtag timeline lists the public posts with any hashtag of any[]
// and all of all[] and none of none[], on both engines.
func TestTagTimelineAnyAllNone(t *testing.T) {
	db := openTest(t)
	w := newWorld(t, db)
	tagged := func(tags ...string) Status {
		st := post(t, db, w.alice, VisibilityPublic)
		mustWrite(t, db, func(tx *Tx) error { return tx.SetStatusTags(ctx0, st.ID, tags) })
		return st
	}
	a, b, ab, c := tagged("a"), tagged("b"), tagged("a", "b"), tagged("c")
	for _, tc := range []struct {
		q    TagQuery
		want []int64
	}{
		{TagQuery{Any: []string{"a"}}, []int64{ab.ID, a.ID}},
		{TagQuery{Any: []string{"a", "c"}}, []int64{c.ID, ab.ID, a.ID}},
		{TagQuery{Any: []string{"a", "b"}, None: []string{"b"}}, []int64{a.ID}},
		{TagQuery{Any: []string{"b"}, All: []string{"a"}}, []int64{ab.ID}},
		{TagQuery{Any: []string{"nothing"}}, nil},
		{TagQuery{Any: []string{"nothing", "a"}}, nil},
		{TagQuery{Any: []string{"a"}, All: []string{"nothing"}}, nil},
		{TagQuery{Any: []string{"a"}, None: []string{"nothing"}}, []int64{ab.ID, a.ID}},
		{TagQuery{Any: []string{"a", "nothing"}}, []int64{ab.ID, a.ID}},
	} {
		got, err := db.TagTimeline(ctx0, tc.q, PublicFilter{}, Page{Limit: 20})
		if err != nil || fmt.Sprint(ids(got)) != fmt.Sprint(tc.want) {
			t.Errorf("%+v: %v, %v; want %v", tc.q, ids(got), err, tc.want)
		}
	}
	_ = b
}

// A multi-hashtag timeline reads one (tag_id, status_id) index range per
// hashtag of any[] and probes status_tags by primary key for all[] and
// none[]; nothing scans a whole table.
func TestTagTimelineQueryPlan(t *testing.T) {
	db := openTest(t)
	sel, args := tagTimelineQuery(TagQuery{Any: []string{"a", "b", "c"}, All: []string{"d"}, None: []string{"e", "f"}},
		PublicFilter{Viewer: 7, OnlyMedia: true}, Page{MaxID: 1 << 60, Limit: 20})
	for _, idsOnly := range []bool{true, false} {
		plan := queryPlan(t, db, sel(idsOnly), args...)
		branches := 0
		for _, d := range plan {
			// Scans of the branches' own (page-sized) results and of their
			// merge are expected; a scan of a table is not.
			if strings.HasPrefix(d, "SCAN") && !strings.Contains(d, "USING") && !strings.HasPrefix(d, "SCAN (subquery") && !strings.HasPrefix(d, "SCAN b") && d != "SCAN m" {
				t.Errorf("full scan %q in %v", d, plan)
			}
			if strings.Contains(d, "status_tags_tag") {
				branches++
			}
		}
		if branches != 3 {
			t.Errorf("%d index ranges, want 3: %v", branches, plan)
		}
	}
}

// The home feed and lists leave out boosts as Mastodon's do: those of a
// status by an account the reader mutes, blocks or hides by domain, that
// blocks the reader or that is suspended, and every boost of an account the
// reader follows with boosts hidden; the booster's own posts stay. Each
// case is undone before the next, and the feeds show everything again.
func TestHomeTimelineLeavesOutUnwantedBoosts(t *testing.T) {
	db := openTest(t)
	w := newWorld(t, db)
	l := newList(t, db, w.alice, RepliesList, false, w.bob)
	feeds := map[string]func() ([]Status, error){
		"home": func() ([]Status, error) { return db.HomeTimeline(ctx0, w.alice.ID, Page{Limit: 40}) },
		"list": func() ([]Status, error) { return db.ListTimeline(ctx0, l, Page{Limit: 40}) },
	}
	var eve Account
	mustWrite(t, db, func(tx *Tx) error {
		eve = Account{Username: "eve", Domain: "elsewhere.test", URI: "https://elsewhere.test/users/eve"}
		return tx.InsertAccount(ctx0, &eve)
	})
	boostOf := map[string]int64{} // boosted author → bob's boost
	for _, a := range []Account{w.carol, w.dave, eve} {
		orig := post(t, db, a, VisibilityPublic)
		mustWrite(t, db, func(tx *Tx) error {
			b := Status{AccountID: w.bob.ID, Visibility: VisibilityPublic, ReblogOfID: orig.ID,
				URI: fmt.Sprintf("%s/boosts/%d", w.bob.URI, orig.ID)}
			err := tx.InsertStatus(ctx0, &b)
			boostOf[a.Username] = b.ID
			return err
		})
	}
	own := post(t, db, w.bob, VisibilityPublic)
	write := func(f func(tx *Tx) error) func() { return func() { mustWrite(t, db, f) } }
	cases := []struct {
		name     string
		do, undo func()
		hidden   []string // boosted authors whose boost is left out
	}{
		{"nothing", func() {}, func() {}, nil},
		{"reader mutes the boosted author",
			write(func(tx *Tx) error { return tx.UpsertMute(ctx0, w.alice.ID, w.dave.ID, true) }),
			write(func(tx *Tx) error { return tx.DeleteMute(ctx0, w.alice.ID, w.dave.ID) }), []string{"dave"}},
		{"reader blocks the boosted author",
			write(func(tx *Tx) error {
				return tx.InsertBlock(ctx0, &Block{AccountID: w.alice.ID, TargetAccountID: w.carol.ID})
			}),
			write(func(tx *Tx) error { _, err := tx.DeleteBlock(ctx0, w.alice.ID, w.carol.ID); return err }), []string{"carol"}},
		{"the boosted author blocks the reader",
			write(func(tx *Tx) error {
				return tx.InsertBlock(ctx0, &Block{AccountID: w.dave.ID, TargetAccountID: w.alice.ID})
			}),
			write(func(tx *Tx) error { _, err := tx.DeleteBlock(ctx0, w.dave.ID, w.alice.ID); return err }), []string{"dave"}},
		{"the boosted author is suspended",
			write(func(tx *Tx) error { return tx.SetAccountSuspended(ctx0, eve.ID, true) }),
			write(func(tx *Tx) error { return tx.SetAccountSuspended(ctx0, eve.ID, false) }), []string{"eve"}},
		{"reader hides the boosted author's domain",
			write(func(tx *Tx) error { _, err := tx.InsertUserDomainBlock(ctx0, w.alice.ID, "elsewhere.test"); return err }),
			write(func(tx *Tx) error { return tx.DeleteUserDomainBlock(ctx0, w.alice.ID, "elsewhere.test") }), []string{"eve"}},
		{"reader follows the booster with boosts hidden",
			write(func(tx *Tx) error {
				return tx.SetFollowOptions(ctx0, Follow{AccountID: w.alice.ID, TargetAccountID: w.bob.ID, HideReblogs: true})
			}),
			write(func(tx *Tx) error {
				return tx.SetFollowOptions(ctx0, Follow{AccountID: w.alice.ID, TargetAccountID: w.bob.ID})
			}),
			[]string{"carol", "dave", "eve"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.do()
			defer tc.undo()
			for feed, read := range feeds {
				list, err := read()
				if err != nil {
					t.Fatal(err)
				}
				shown := map[int64]bool{}
				for _, st := range list {
					shown[st.ID] = true
				}
				if !shown[own.ID] {
					t.Errorf("%s: the booster's own post is missing: %v", feed, ids(list))
				}
				for author, id := range boostOf {
					if want := !slices.Contains(tc.hidden, author); shown[id] != want {
						t.Errorf("%s: boost of %s's status shown = %v, want %v", feed, author, shown[id], want)
					}
				}
			}
		})
	}
}

// ShownInPublicFeeds leaves out, for one viewer, the authors the public
// timelines leave out: muted, blocked, blocking, domain-hidden, suspended.
func TestShownInPublicFeeds(t *testing.T) {
	db := openTest(t)
	w := newWorld(t, db)
	var eve, fred Account
	mustWrite(t, db, func(tx *Tx) error {
		eve = Account{Username: "eve", Domain: "elsewhere.test", URI: "https://elsewhere.test/users/eve"}
		fred = Account{Username: "fred", Domain: "far.test", URI: "https://far.test/users/fred"}
		for _, a := range []*Account{&eve, &fred} {
			if err := tx.InsertAccount(ctx0, a); err != nil {
				return err
			}
		}
		if err := tx.UpsertMute(ctx0, w.alice.ID, w.bob.ID, true); err != nil {
			return err
		}
		if err := tx.InsertBlock(ctx0, &Block{AccountID: w.dave.ID, TargetAccountID: w.alice.ID}); err != nil {
			return err
		}
		if _, err := tx.InsertUserDomainBlock(ctx0, w.alice.ID, "elsewhere.test"); err != nil {
			return err
		}
		return tx.SetAccountSuspended(ctx0, fred.ID, true)
	})
	for _, tc := range []struct {
		author           Account
		toAlice, toCarol bool
	}{
		{author: w.bob, toAlice: false, toCarol: true},  // alice mutes bob
		{author: w.dave, toAlice: false, toCarol: true}, // dave blocks alice
		{author: eve, toAlice: false, toCarol: true},    // alice hides eve's domain
		{author: fred, toAlice: false, toCarol: false},  // fred is suspended
		{author: w.carol, toAlice: true, toCarol: true},
	} {
		st := post(t, db, tc.author, VisibilityPublic)
		for _, v := range []struct {
			viewer Account
			want   bool
		}{{w.alice, tc.toAlice}, {w.carol, tc.toCarol}} {
			if got, err := db.ShownInPublicFeeds(ctx0, v.viewer.ID, st.ID); err != nil || got != v.want {
				t.Errorf("%s's post to %s: shown %v, %v; want %v", tc.author.Username, v.viewer.Username, got, err, v.want)
			}
		}
	}
}

// PostSubscribers lists the accepted local followers that asked to be
// notified of an author's posts, for an original post or a reply to the
// author's own, and leaves out those whose home does not show the post.
func TestPostSubscribers(t *testing.T) {
	db := openTest(t)
	w := newWorld(t, db)
	// alice (accepted, notify) and dave (accepted, no notify) follow bob;
	// carol is remote, so her follow never notifies here.
	mustWrite(t, db, func(tx *Tx) error {
		if err := tx.SetFollowOptions(ctx0, Follow{AccountID: w.alice.ID, TargetAccountID: w.bob.ID, Notify: true}); err != nil {
			return err
		}
		if err := tx.UpsertFollow(ctx0, &Follow{AccountID: w.dave.ID, TargetAccountID: w.bob.ID, Accepted: true}); err != nil {
			return err
		}
		return tx.UpsertFollow(ctx0, &Follow{AccountID: w.carol.ID, TargetAccountID: w.bob.ID, Accepted: true, Notify: true})
	})
	other := post(t, db, w.carol, VisibilityPublic)
	n := 0
	insert := func(st Status) int64 {
		n++
		st.AccountID, st.URI = w.bob.ID, fmt.Sprintf("%s/s/%d", w.bob.URI, n)
		mustWrite(t, db, func(tx *Tx) error { return tx.InsertStatus(ctx0, &st) })
		return st.ID
	}
	original := insert(Status{Visibility: VisibilityPublic, Text: "a"})
	selfReply := insert(Status{Visibility: VisibilityPublic, Text: "bb", InReplyToID: original, InReplyToAccountID: w.bob.ID})
	reply := insert(Status{Visibility: VisibilityPublic, Text: "ccc", InReplyToID: other.ID, InReplyToAccountID: w.carol.ID})
	boost := insert(Status{Visibility: VisibilityPublic, ReblogOfID: other.ID})
	followersOnly := insert(Status{Visibility: VisibilityPrivate, Text: "dddd"})
	direct := insert(Status{Visibility: VisibilityDirect, Text: "eeeee"})
	subscribers := func(id int64) (out string) {
		mustWrite(t, db, func(tx *Tx) error {
			ids, err := tx.PostSubscribers(ctx0, id)
			out = fmt.Sprint(ids)
			return err
		})
		return out
	}
	alice := fmt.Sprint([]int64{w.alice.ID})
	for _, tc := range []struct {
		name string
		id   int64
		want string
	}{
		{"original", original, alice}, {"reply to oneself", selfReply, alice}, {"reply to another", reply, "[]"},
		{"boost", boost, "[]"}, {"followers-only", followersOnly, alice}, {"direct, not mentioning", direct, "[]"},
	} {
		if got := subscribers(tc.id); got != tc.want {
			t.Errorf("%s: subscribers %s, want %s", tc.name, got, tc.want)
		}
	}
	mustWrite(t, db, func(tx *Tx) error { return tx.UpsertMute(ctx0, w.alice.ID, w.bob.ID, false) })
	if got := subscribers(original); got != "[]" {
		t.Errorf("after alice muted bob: subscribers %s, want none", got)
	}
}

// A profile leaves out the boosts of a status whose author the viewer
// blocks (or who blocks the viewer, mutes, hides by domain: the exclusions
// home applies), and nobody sees a boost of a suspended account's status.
func TestAccountTimelineLeavesOutExcludedBoosts(t *testing.T) {
	db := openTest(t)
	w := newWorld(t, db)
	orig := post(t, db, w.carol, VisibilityPublic)
	var boost Status
	mustWrite(t, db, func(tx *Tx) error {
		boost = Status{AccountID: w.bob.ID, Visibility: VisibilityPublic, ReblogOfID: orig.ID, URI: w.bob.URI + "/boosts/1"}
		return tx.InsertStatus(ctx0, &boost)
	})
	shows := func(viewer int64) bool {
		t.Helper()
		list, err := db.AccountTimeline(ctx0, w.bob.ID, AccountFilter{Profile: true, Viewer: viewer}, Page{})
		if err != nil {
			t.Fatal(err)
		}
		return slices.ContainsFunc(list, func(st Status) bool { return st.ID == boost.ID })
	}
	if !shows(w.alice.ID) || !shows(0) || !shows(w.bob.ID) {
		t.Fatal("the boost is missing before any block")
	}
	mustWrite(t, db, func(tx *Tx) error {
		return tx.InsertBlock(ctx0, &Block{AccountID: w.alice.ID, TargetAccountID: w.carol.ID})
	})
	if shows(w.alice.ID) || !shows(0) || !shows(w.dave.ID) {
		t.Errorf("after alice blocks carol: alice %v, anonymous %v, dave %v; want false, true, true", shows(w.alice.ID), shows(0), shows(w.dave.ID))
	}
	mustWrite(t, db, func(tx *Tx) error { return tx.SetAccountSuspended(ctx0, w.carol.ID, true) })
	if shows(0) || shows(w.dave.ID) || shows(w.bob.ID) {
		t.Errorf("after carol's suspension: anonymous %v, dave %v, bob %v; want none", shows(0), shows(w.dave.ID), shows(w.bob.ID))
	}
}
