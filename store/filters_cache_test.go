package store

import (
	"context"
	"testing"
)

// FiltersOf's cache follows every committed change of a filter, its
// keywords and its statuses, and one account's change never shows in
// another's filters.
func TestFiltersOfFollowsWrites(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	alice := Account{Username: "alice", URI: "https://pictor.test/users/alice"}
	bob := Account{Username: "bob", URI: "https://pictor.test/users/bob"}
	st := Status{URI: "https://pictor.test/s/1", Local: true}
	mustWrite(t, db, func(tx *Tx) error {
		if err := tx.InsertAccount(ctx, &alice); err != nil {
			return err
		}
		if err := tx.InsertAccount(ctx, &bob); err != nil {
			return err
		}
		st.AccountID = bob.ID
		return tx.InsertStatus(ctx, &st)
	})
	filters := func(id int64) []Filter {
		t.Helper()
		list, err := db.FiltersOf(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return list
	}
	if len(filters(alice.ID)) != 0 || len(filters(bob.ID)) != 0 {
		t.Fatal("filters before any")
	}
	f := Filter{AccountID: alice.ID, Title: "one", Context: []string{"home"}, Action: FilterWarn,
		Keywords: []FilterKeyword{{Keyword: "cat"}}}
	var kw FilterKeyword
	steps := []struct {
		name  string
		write func(tx *Tx) error
		check func(list []Filter) bool
	}{
		{"insert", func(tx *Tx) error { return tx.InsertFilter(ctx, &f) },
			func(l []Filter) bool { return len(l) == 1 && len(l[0].Keywords) == 1 }},
		{"update", func(tx *Tx) error { f.Title = "two"; return tx.UpdateFilter(ctx, f) },
			func(l []Filter) bool { return len(l) == 1 && l[0].Title == "two" }},
		{"keyword added", func(tx *Tx) error {
			kw = FilterKeyword{FilterID: f.ID, Keyword: "dog"}
			return tx.InsertFilterKeyword(ctx, &kw)
		}, func(l []Filter) bool { return len(l) == 1 && len(l[0].Keywords) == 2 }},
		{"keyword edited", func(tx *Tx) error {
			kw.Keyword = "bird"
			return tx.UpdateFilterKeyword(ctx, kw)
		}, func(l []Filter) bool { return len(l) == 1 && l[0].Keywords[1].Keyword == "bird" }},
		{"status added", func(tx *Tx) error { return tx.InsertFilterStatus(ctx, &FilterStatus{FilterID: f.ID, StatusID: st.ID}) },
			func(l []Filter) bool { return len(l) == 1 && len(l[0].Statuses) == 1 }},
		{"deleted", func(tx *Tx) error { return tx.DeleteFilter(ctx, alice.ID, f.ID) },
			func(l []Filter) bool { return len(l) == 0 }},
	}
	for _, s := range steps {
		filters(alice.ID) // cached
		mustWrite(t, db, s.write)
		if got := filters(alice.ID); !s.check(got) {
			t.Fatalf("%s: %+v", s.name, got)
		}
		if len(filters(bob.ID)) != 0 {
			t.Fatalf("%s: bob sees alice's filters", s.name)
		}
	}
}
