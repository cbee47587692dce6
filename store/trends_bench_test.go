package store

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkTrendingStatuses ranks a week out of 10,000 image posts spread
// over ten days, most with a few likes and some with a boost.
func BenchmarkTrendingStatuses(b *testing.B) {
	w := newTrendWorldB(b)
	f := TrendFilter{Since: w.sinceWeek, Limit: 40}
	b.ResetTimer()
	for range b.N {
		if list, err := w.db.TrendingStatuses(ctx0, f); err != nil || len(list) != 40 {
			b.Fatalf("%d statuses, %v", len(list), err)
		}
	}
}

// BenchmarkTrendingTags ranks the hashtags of the same posts.
func BenchmarkTrendingTags(b *testing.B) {
	w := newTrendWorldB(b)
	f := TrendFilter{Since: w.sinceWeek, Limit: 20}
	b.ResetTimer()
	for range b.N {
		if list, err := w.db.TrendingTags(ctx0, f); err != nil || len(list) != 20 {
			b.Fatalf("%d tags, %v", len(list), err)
		}
	}
}

func newTrendWorldB(b *testing.B) *trendWorld {
	w := newTrendWorld(b)
	authors := []Account{w.ann, w.ben, w.rita, w.sam}
	const n = 10000
	err := w.db.Write(ctx0, func(tx *Tx) error {
		for i := range n {
			a := authors[i%len(authors)]
			st := Status{AccountID: a.ID, Local: a.Local(), Visibility: VisibilityPublic, Generated: true,
				CreatedAt: trendNow.Add(-time.Duration(i) * 10 * 24 * time.Hour / n), URI: fmt.Sprintf("%s/s/%d", a.URI, i)}
			if err := tx.InsertStatus(ctx0, &st); err != nil {
				return err
			}
			if err := tx.SetStatusTags(ctx0, st.ID, []string{fmt.Sprintf("tag%d", i%97)}); err != nil {
				return err
			}
			m := MediaAttachment{AccountID: a.ID, FileName: "x.png"}
			if err := tx.InsertMedia(ctx0, &m); err != nil {
				return err
			}
			if err := tx.AttachMedia(ctx0, st.ID, []int64{m.ID}); err != nil {
				return err
			}
			for j := range i % 4 {
				if err := tx.InsertFavourite(ctx0, &Favourite{AccountID: w.fans[(i+j)%len(w.fans)].ID, StatusID: st.ID}); err != nil {
					return err
				}
			}
			if i%5 == 0 {
				fan := w.fans[i%len(w.fans)]
				rb := Status{AccountID: fan.ID, Local: true, ReblogOfID: st.ID, URI: fmt.Sprintf("%s/b/%d", fan.URI, i)}
				if err := tx.InsertStatus(ctx0, &rb); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return w
}
