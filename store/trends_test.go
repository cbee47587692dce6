package store

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var trendNow = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

// trendWorld is a store at trendNow with four discoverable authors: local
// ann and ben, remote rita (far.test) and sam (sub.evil.test).
type trendWorld struct {
	db                  *DB
	ann, ben, rita, sam Account
	fans                []Account // local accounts that only like and boost
	sinceWeek           time.Time
}

func newTrendWorld(t testing.TB) *trendWorld {
	t.Helper()
	opts := Options{Clock: func() time.Time { return trendNow }}
	var db *DB
	if tt, ok := t.(*testing.T); ok {
		db = openTestOpts(tt, opts) // both engines
	} else {
		var err error
		if db, err = Open(context.Background(), filepath.Join(t.TempDir(), "pictor.db"), opts); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
	}
	w := &trendWorld{db: db, sinceWeek: trendNow.AddDate(0, 0, -7)}
	w.ann, w.ben = w.account(t, "ann", ""), w.account(t, "ben", "")
	w.rita, w.sam = w.account(t, "rita", "far.test"), w.account(t, "sam", "sub.evil.test")
	for i := range 12 {
		w.fans = append(w.fans, w.account(t, fmt.Sprintf("fan%d", i), ""))
	}
	return w
}

func (w *trendWorld) account(t testing.TB, name, domain string) Account {
	t.Helper()
	a := Account{Username: name, Domain: domain, URI: "https://" + domain + "/users/" + name, Discoverable: true}
	if domain == "" {
		a.URI = "https://here.test/users/" + name
	}
	if err := w.db.Write(ctx0, func(tx *Tx) error { return tx.InsertAccount(ctx0, &a) }); err != nil {
		t.Fatal(err)
	}
	return a
}

// image posts a status by author created age ago with one attachment
// (unless st says otherwise through edit) and the given hashtags.
func (w *trendWorld) image(t *testing.T, author Account, age time.Duration, edit func(*Status), tags ...string) Status {
	t.Helper()
	st := Status{AccountID: author.ID, Local: author.Local(), Visibility: VisibilityPublic, Generated: true,
		CreatedAt: trendNow.Add(-age)}
	if edit != nil {
		edit(&st)
	}
	mustWrite(t, w.db, func(tx *Tx) error {
		st.URI = fmt.Sprintf("%s/statuses/%d", author.URI, tx.NewID(tx.Now()))
		if err := tx.InsertStatus(ctx0, &st); err != nil {
			return err
		}
		if err := tx.SetStatusTags(ctx0, st.ID, tags); err != nil {
			return err
		}
		if st.Text == "no media" {
			return nil
		}
		m := MediaAttachment{AccountID: author.ID, FileName: "x.png"}
		if err := tx.InsertMedia(ctx0, &m); err != nil {
			return err
		}
		return tx.AttachMedia(ctx0, st.ID, []int64{m.ID})
	})
	return st
}

// engage adds likes favourites and boosts reblogs of st by distinct fans.
func (w *trendWorld) engage(t *testing.T, st Status, likes, boosts int) {
	t.Helper()
	mustWrite(t, w.db, func(tx *Tx) error {
		for i := range likes {
			if err := tx.InsertFavourite(ctx0, &Favourite{AccountID: w.fans[i].ID, StatusID: st.ID}); err != nil {
				return err
			}
		}
		for i := range boosts {
			fan := w.fans[len(w.fans)-1-i]
			rb := Status{AccountID: fan.ID, Local: true, ReblogOfID: st.ID, URI: fmt.Sprintf("%s/boost/%d", fan.URI, st.ID)}
			if err := tx.InsertStatus(ctx0, &rb); err != nil {
				return err
			}
		}
		return nil
	})
}

func (w *trendWorld) trending(t *testing.T, f TrendFilter) []int64 {
	t.Helper()
	if f.Since.IsZero() {
		f.Since = w.sinceWeek
	}
	list, err := w.db.TrendingStatuses(ctx0, f)
	if err != nil {
		t.Fatal(err)
	}
	return ids(list)
}

func TestTrendingStatusesRankByDecayedEngagement(t *testing.T) {
	w := newTrendWorld(t)
	fresh := w.image(t, w.ann, time.Hour, nil)        // 2 likes: 2/3^1.5 ≈ 0.38
	older := w.image(t, w.ben, 48*time.Hour, nil)     // 10 likes: 10/50^1.5 ≈ 0.028
	boosted := w.image(t, w.rita, 2*time.Hour, nil)   // 1 like + 1 boost: 3/4^1.5 = 0.375
	stale := w.image(t, w.ann, 8*24*time.Hour, nil)   // outside the week
	quiet := w.image(t, w.ben, 30*time.Minute, nil)   // no engagement
	selfish := w.image(t, w.ben, 10*time.Minute, nil) // only its author likes it
	w.engage(t, fresh, 2, 0)
	w.engage(t, older, 10, 0)
	w.engage(t, boosted, 1, 1)
	w.engage(t, stale, 12, 0)
	mustWrite(t, w.db, func(tx *Tx) error {
		return tx.InsertFavourite(ctx0, &Favourite{AccountID: w.ben.ID, StatusID: selfish.ID})
	})
	_ = quiet
	want := []int64{fresh.ID, boosted.ID, older.ID}
	if got := w.trending(t, TrendFilter{}); !slices.Equal(got, want) {
		t.Fatalf("trending = %v, want %v", got, want)
	}
	pages := [][]int64{w.trending(t, TrendFilter{Limit: 2}), w.trending(t, TrendFilter{Limit: 2, Offset: 2}),
		w.trending(t, TrendFilter{Limit: 2, Offset: 4})}
	if !slices.Equal(pages[0], want[:2]) || !slices.Equal(pages[1], want[2:]) || len(pages[2]) != 0 {
		t.Fatalf("pages = %v, want %v split by 2", pages, want)
	}
}

func TestTrendingStatusesExclusions(t *testing.T) {
	w := newTrendWorld(t)
	ok := w.image(t, w.ann, time.Hour, nil)
	cases := []struct {
		name   string
		author Account
		edit   func(*Status)
		after  func(t *testing.T, st Status)
	}{
		{"sensitive", w.ann, func(s *Status) { s.Sensitive = true }, nil},
		{"content warning", w.ann, func(s *Status) { s.SpoilerText = "cw" }, nil},
		{"unlisted", w.ann, func(s *Status) { s.Visibility = VisibilityUnlisted }, nil},
		{"private", w.ann, func(s *Status) { s.Visibility = "private" }, nil},
		{"direct", w.ann, func(s *Status) { s.Visibility = "direct" }, nil},
		{"reply", w.ann, func(s *Status) { s.InReplyToID = ok.ID; s.InReplyToURI = ok.URI }, nil},
		{"no media", w.ann, func(s *Status) { s.Text = "no media" }, nil},
		{"deleted", w.ann, func(s *Status) { s.DeletedAt = trendNow }, nil},
		{"suspended author", w.ben, nil, func(t *testing.T, _ Status) {
			mustWrite(t, w.db, func(tx *Tx) error { return tx.SetAccountSuspended(ctx0, w.ben.ID, true) })
		}},
		{"not discoverable", w.rita, nil, func(t *testing.T, _ Status) {
			mustExec(t, w.db, `UPDATE accounts SET discoverable = 0 WHERE id = ?`, w.rita.ID)
		}},
		{"blocked parent domain", w.sam, nil, func(t *testing.T, _ Status) {
			mustWrite(t, w.db, func(tx *Tx) error { _, err := tx.BlockDomain(ctx0, "evil.test", ""); return err })
		}},
	}
	for _, tc := range cases {
		st := w.image(t, tc.author, 30*time.Minute, tc.edit)
		w.engage(t, st, 5, 2)
		if tc.after != nil {
			tc.after(t, st)
		}
	}
	w.engage(t, ok, 1, 0)
	if got := w.trending(t, TrendFilter{}); !slices.Equal(got, []int64{ok.ID}) {
		t.Fatalf("trending = %v, want only %d; some exclusion failed", got, ok.ID)
	}
	// A viewer's block hides the post from them only.
	mustWrite(t, w.db, func(tx *Tx) error {
		return tx.InsertBlock(ctx0, &Block{AccountID: w.fans[0].ID, TargetAccountID: w.ann.ID})
	})
	if got := w.trending(t, TrendFilter{Viewer: w.fans[0].ID}); len(got) != 0 {
		t.Fatalf("blocking viewer sees %v", got)
	}
	if got := w.trending(t, TrendFilter{Viewer: w.fans[1].ID}); len(got) != 1 {
		t.Fatalf("other viewer sees %v", got)
	}
}

func TestTrendingStatusesGeneratedOnly(t *testing.T) {
	w := newTrendWorld(t)
	gen := w.image(t, w.ann, time.Hour, nil)
	photo := w.image(t, w.ben, time.Hour, func(s *Status) { s.Generated = false })
	w.engage(t, gen, 1, 0)
	w.engage(t, photo, 3, 0)
	if got := w.trending(t, TrendFilter{}); !slices.Equal(got, []int64{photo.ID, gen.ID}) {
		t.Fatalf("all = %v", got)
	}
	if got := w.trending(t, TrendFilter{Generated: true}); !slices.Equal(got, []int64{gen.ID}) {
		t.Fatalf("generated = %v", got)
	}
}

func TestTrendingTagsRankByDistinctAccounts(t *testing.T) {
	w := newTrendWorld(t)
	for _, a := range []Account{w.ann, w.ben, w.rita} {
		w.image(t, a, 2*time.Hour, nil, "sunset", "aigenerated")
	}
	for range 5 {
		w.image(t, w.ann, time.Hour, nil, "cats") // many uses, one account
	}
	w.image(t, w.ben, time.Hour, nil, "cats")
	w.image(t, w.ben, time.Hour, func(s *Status) { s.Visibility = VisibilityUnlisted }, "hidden")
	w.image(t, w.rita, 8*24*time.Hour, nil, "old")
	list, err := w.db.TrendingTags(ctx0, TrendFilter{Since: w.sinceWeek, ExcludeTag: "AIGenerated"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tt := range list {
		got = append(got, fmt.Sprintf("%s:%d/%d", tt.Tag.Name, tt.Accounts, tt.Uses))
	}
	if want := "sunset:3/3 cats:2/6"; strings.Join(got, " ") != want {
		t.Fatalf("tags = %v, want %s", got, want)
	}
	page, err := w.db.TrendingTags(ctx0, TrendFilter{Since: w.sinceWeek, ExcludeTag: "aigenerated", Limit: 1, Offset: 1})
	if err != nil || len(page) != 1 || page[0].Tag.Name != "cats" {
		t.Fatalf("second page = %v, %v", page, err)
	}
}

func mustExec(t *testing.T, db *DB, q string, args ...any) {
	t.Helper()
	if _, err := db.write.ExecContext(ctx0, q, args...); err != nil {
		t.Fatal(err)
	}
}

// The trends queries start from index range scans over recent engagement
// and tag uses (status ids carry their time), never from a whole table.
func TestTrendsQueriesAreIndexBacked(t *testing.T) {
	w := newTrendWorld(t)
	cases := []struct {
		name  string
		query string
		want  []string // each: a plan line fragment, or alternatives split by '|'
	}{
		{"statuses", trendingStatusesSQL(TrendFilter{Viewer: 1}), []string{
			"SEARCH favourites USING INDEX favourites_status (status_id>?)",
			"SEARCH statuses USING INDEX statuses_reblog (reblog_of_id>?)"}},
		{"tags", trendingTagsSQL(TrendFilter{Viewer: 1}), []string{
			"sqlite_autoindex_status_tags_1 (status_id>?)|statuses_public (id>?)"}},
	}
	for _, tc := range cases {
		plan := queryPlan(t, w.db, tc.query, trendArgs(w.db, TrendFilter{Since: w.sinceWeek, Viewer: 1})...)
		joined := strings.Join(plan, "\n")
		for _, d := range plan {
			// e and p are the query's own small CTEs; domain_blocks is the admin's short list.
			cte := d == "SCAN e" || d == "SCAN p"
			if strings.HasPrefix(d, "SCAN") && !strings.Contains(d, "USING") && !cte && !strings.Contains(d, "domain_blocks") {
				t.Errorf("%s: full scan %q in plan:\n%s", tc.name, d, joined)
			}
		}
		for _, s := range tc.want {
			if !slices.ContainsFunc(strings.Split(s, "|"), func(alt string) bool { return strings.Contains(joined, alt) }) {
				t.Errorf("%s: plan lacks %q:\n%s", tc.name, s, joined)
			}
		}
	}
}
