package store

import (
	"context"
	"fmt"
	"testing"
)

func TestViewerOfAuthor(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	ids := map[string]int64{}
	for _, name := range []string{"author", "stranger", "follower", "pending", "blocker", "blocked"} {
		a := Account{Username: name, URI: fmt.Sprintf("https://example.com/users/%s", name)}
		mustWrite(t, db, func(tx *Tx) error { return tx.InsertAccount(ctx, &a) })
		ids[name] = a.ID
	}
	author := ids["author"]
	mustWrite(t, db, func(tx *Tx) error {
		for _, f := range []Follow{{AccountID: ids["follower"], TargetAccountID: author, Accepted: true},
			{AccountID: ids["pending"], TargetAccountID: author},
			{AccountID: ids["blocker"], TargetAccountID: author, Accepted: true}} {
			if err := tx.UpsertFollow(ctx, &f); err != nil {
				return err
			}
		}
		if err := tx.InsertBlock(ctx, &Block{AccountID: ids["blocker"], TargetAccountID: author}); err != nil {
			return err
		}
		return tx.InsertBlock(ctx, &Block{AccountID: author, TargetAccountID: ids["blocked"]})
	})
	for _, tc := range []struct {
		viewer int64
		want   ViewerOfAuthor
	}{
		{0, ViewerOfAuthor{}},
		{author, ViewerOfAuthor{}},
		{ids["stranger"], ViewerOfAuthor{}},
		{ids["follower"], ViewerOfAuthor{Following: true}},
		{ids["pending"], ViewerOfAuthor{}},
		{ids["blocker"], ViewerOfAuthor{Blocked: true, Following: true}},
		{ids["blocked"], ViewerOfAuthor{Blocked: true}},
	} {
		got, err := db.ViewerOfAuthor(ctx, tc.viewer, author)
		if err != nil || got != tc.want {
			t.Errorf("viewer %d: %+v, %v; want %+v", tc.viewer, got, err, tc.want)
		}
	}

	// Every answer above is cached now; each change is seen by the next read.
	follower, stranger := ids["follower"], ids["stranger"]
	steps := []struct {
		name   string
		change func(tx *Tx) error
		viewer int64
		want   ViewerOfAuthor
	}{
		{"follow", func(tx *Tx) error {
			return tx.UpsertFollow(ctx, &Follow{AccountID: stranger, TargetAccountID: author, Accepted: true})
		}, stranger, ViewerOfAuthor{Following: true}},
		{"block", func(tx *Tx) error {
			return tx.InsertBlock(ctx, &Block{AccountID: author, TargetAccountID: follower})
		}, follower, ViewerOfAuthor{Blocked: true, Following: true}},
		{"unfollow", func(tx *Tx) error { _, err := tx.DeleteFollow(ctx, stranger, author); return err }, stranger, ViewerOfAuthor{}},
	}
	for _, s := range steps {
		if _, err := db.ViewerOfAuthor(ctx, s.viewer, author); err != nil {
			t.Fatal(err)
		}
		mustWrite(t, db, s.change)
		if got, err := db.ViewerOfAuthor(ctx, s.viewer, author); err != nil || got != s.want {
			t.Errorf("after %s: %+v, %v; want %+v", s.name, got, err, s.want)
		}
	}
}
