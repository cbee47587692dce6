package store

import (
	"fmt"
	"path/filepath"
	"testing"
)

// BenchmarkStatusViewerFlags reads the flags of pages of 20 statuses out of
// 20,000 for a viewer who favourited 4,000 of them, bookmarked 1,000 and
// boosted 500 (so most pages hold some of each), with a few screening
// flags: "query" is the one-query read (PostgreSQL, or the cache off),
// "cached" the SQLite path once the viewer's marks are held, "refill" a
// page right after a change of the viewer's marks (they are read again).
//
//	go test -run '^$' -bench StatusViewerFlags -benchtime 20000x ./store/
func BenchmarkStatusViewerFlags(b *testing.B) {
	db, err := Open(ctx0, filepath.Join(b.TempDir(), "pictor.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	var viewer, author Account
	const n = 20_000
	ids := make([]int64, 0, n)
	err = db.Write(ctx0, func(tx *Tx) error {
		for _, a := range []*Account{&viewer, &author} {
			name := map[*Account]string{&viewer: "viewer", &author: "author"}[a]
			*a = Account{Username: name, URI: "https://here.test/users/" + name}
			if err := tx.InsertAccount(ctx0, a); err != nil {
				return err
			}
		}
		for i := range n {
			st := Status{AccountID: author.ID, Visibility: VisibilityPublic, Local: true,
				URI: fmt.Sprintf("https://here.test/users/author/statuses/%d", i)}
			if err := tx.InsertStatus(ctx0, &st); err != nil {
				return err
			}
			ids = append(ids, st.ID)
			switch {
			case i%5 == 0:
				err = tx.InsertFavourite(ctx0, &Favourite{AccountID: viewer.ID, StatusID: st.ID})
			case i%20 == 1:
				err = tx.InsertBookmark(ctx0, viewer.ID, st.ID)
			case i%40 == 2:
				err = tx.InsertStatus(ctx0, &Status{AccountID: viewer.ID, Local: true, ReblogOfID: st.ID,
					URI: fmt.Sprintf("https://here.test/users/viewer/statuses/%d", i)})
			case i%500 == 3:
				err = tx.InsertScreeningDecision(ctx0, &ScreeningDecision{StatusID: st.ID, AccountID: author.ID,
					Backend: "wordlist", Category: "spam", Decision: "flag"})
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	pages := n / 20
	all := []markKind{markFavourite, markBoost, markBookmark, markPin}
	b.Run("query", func(b *testing.B) {
		for i := range b.N {
			page := ids[i%pages*20 : i%pages*20+20]
			out := make(map[int64]ViewerFlags, 20)
			if err := db.readViewerFlags(ctx0, viewer.ID, page, all, page, out); err != nil || len(out) < 4 {
				b.Fatalf("%d flags, %v", len(out), err)
			}
		}
	})
	b.Run("cached", func(b *testing.B) {
		for i := range b.N {
			page := ids[i%pages*20 : i%pages*20+20]
			if out, err := db.StatusViewerFlags(ctx0, viewer.ID, page); err != nil || len(out) < 4 {
				b.Fatalf("%d flags, %v", len(out), err)
			}
		}
	})
	b.Run("refill", func(b *testing.B) {
		for i := range b.N {
			db.flags.invalidate([]int64{viewer.ID}, nil, false)
			page := ids[i%pages*20 : i%pages*20+20]
			if out, err := db.StatusViewerFlags(ctx0, viewer.ID, page); err != nil || len(out) < 4 {
				b.Fatalf("%d flags, %v", len(out), err)
			}
		}
	})
}
