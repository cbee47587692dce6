package store

import (
	"context"
	"reflect"
	"testing"
)

// cachedOnThisEngine is how many statuses a first read caches: one, on
// either engine (PostgreSQL's triggers report changes as SQLite's hook does).
func cachedOnThisEngine() int { return 1 }

// freshExtras reads the extras of id without the cache.
func freshExtras(t *testing.T, db *DB, id int64) StatusExtras {
	t.Helper()
	ctx := context.Background()
	media, err := db.MediaForStatuses(ctx, []int64{id})
	if err != nil {
		t.Fatal(err)
	}
	counts, err := db.StatusCountsByIDs(ctx, []int64{id})
	if err != nil {
		t.Fatal(err)
	}
	mentions, err := db.MentionsForStatuses(ctx, []int64{id})
	if err != nil {
		t.Fatal(err)
	}
	tags, err := db.TagsForStatuses(ctx, []int64{id})
	if err != nil {
		t.Fatal(err)
	}
	e := StatusExtras{Media: media[id], Counts: counts[id], Mentions: mentions[id], Tags: tags[id]}
	polls, err := db.PollsByStatusIDs(ctx, []int64{id})
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := polls[id]; ok {
		e.Poll = &p
	}
	remixes, err := db.RemixesOf(ctx, []int64{id})
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := remixes[id]; ok {
		e.Remix = &r
	}
	return e
}

// Every committed change of what a status's extras are read from, by
// whichever statement, reaches the next read; a rolled-back one never does.
func TestStatusCacheInvalidation(t *testing.T) {
	ctx := context.Background()
	type fixture struct {
		alice, bob     Account
		status, source Status
		media, spare   MediaAttachment
	}
	cases := []struct {
		name  string
		write func(tx *Tx, f *fixture) error
		check func(e StatusExtras) bool
	}{
		{"media description change", func(tx *Tx, f *fixture) error {
			return tx.UpdateMediaMeta(ctx, f.media.ID, "a new description", 0.5, -0.5)
		}, func(e StatusExtras) bool { return len(e.Media) == 1 && e.Media[0].Description == "a new description" }},
		{"media attached on edit", func(tx *Tx, f *fixture) error {
			return tx.AttachMedia(ctx, f.status.ID, []int64{f.media.ID, f.spare.ID})
		}, func(e StatusExtras) bool { return len(e.Media) == 2 }},
		{"media detached on edit", func(tx *Tx, f *fixture) error { return tx.DetachMedia(ctx, f.status.ID) },
			func(e StatusExtras) bool { return len(e.Media) == 0 }},
		{"favourite", func(tx *Tx, f *fixture) error {
			return tx.InsertFavourite(ctx, &Favourite{AccountID: f.bob.ID, StatusID: f.status.ID})
		}, func(e StatusExtras) bool { return e.Counts.Favourites == 2 }},
		{"unfavourite", func(tx *Tx, f *fixture) error {
			_, err := tx.DeleteFavourite(ctx, f.alice.ID, f.status.ID)
			return err
		}, func(e StatusExtras) bool { return e.Counts.Favourites == 0 }},
		{"favourite gone with its account (cascade)", func(tx *Tx, f *fixture) error {
			_, err := tx.tx.ExecContext(ctx, `DELETE FROM favourites WHERE account_id = ?`, f.alice.ID)
			return err
		}, func(e StatusExtras) bool { return e.Counts.Favourites == 0 }},
		{"reply", func(tx *Tx, f *fixture) error {
			return tx.InsertStatus(ctx, &Status{URI: "https://pictor.test/s/reply", AccountID: f.bob.ID, Local: true,
				InReplyToID: f.status.ID})
		}, func(e StatusExtras) bool { return e.Counts.Replies == 1 }},
		{"boost", func(tx *Tx, f *fixture) error {
			return tx.InsertStatus(ctx, &Status{URI: "https://pictor.test/s/boost", AccountID: f.bob.ID, Local: true,
				ReblogOfID: f.status.ID})
		}, func(e StatusExtras) bool { return e.Counts.Reblogs == 1 }},
		{"tags edited", func(tx *Tx, f *fixture) error { return tx.SetStatusTags(ctx, f.status.ID, []string{"b", "c"}) },
			func(e StatusExtras) bool { return reflect.DeepEqual(e.Tags, []string{"b", "c"}) }},
		{"mention added", func(tx *Tx, f *fixture) error { return tx.InsertMentions(ctx, f.status.ID, []int64{f.alice.ID}) },
			func(e StatusExtras) bool { return len(e.Mentions) == 2 }},
		{"poll vote", func(tx *Tx, f *fixture) error {
			_, err := tx.InsertPollVote(ctx, &PollVote{StatusID: f.status.ID, AccountID: f.bob.ID, Choice: 1,
				URI: "https://remote.test/votes/1"})
			return err
		}, func(e StatusExtras) bool {
			return e.Poll != nil && e.Poll.Options[1].VotesCount == 1 && e.Poll.VotersCount == 1
		}},
		{"poll ended", func(tx *Tx, f *fixture) error {
			_, err := tx.tx.ExecContext(ctx, `UPDATE polls SET ended_at = 5 WHERE status_id = ?`, f.status.ID)
			return err
		}, func(e StatusExtras) bool { return e.Poll != nil && !e.Poll.EndedAt.IsZero() }},
		{"poll removed", func(tx *Tx, f *fixture) error {
			_, err := tx.tx.ExecContext(ctx, `DELETE FROM polls WHERE status_id = ?`, f.status.ID)
			return err
		}, func(e StatusExtras) bool { return e.Poll == nil }},
		{"remix source deleted", func(tx *Tx, f *fixture) error {
			_, err := tx.tx.ExecContext(ctx, `DELETE FROM statuses WHERE id = ?`, f.source.ID)
			return err
		}, func(e StatusExtras) bool { return e.Remix != nil && e.Remix.SourceID == 0 }},
		{"remix record removed", func(tx *Tx, f *fixture) error {
			_, err := tx.tx.ExecContext(ctx, `DELETE FROM status_remixes WHERE status_id = ?`, f.status.ID)
			return err
		}, func(e StatusExtras) bool { return e.Remix == nil }},
		{"status deleted (row and cascades)", func(tx *Tx, f *fixture) error {
			_, err := tx.tx.ExecContext(ctx, `DELETE FROM statuses WHERE id = ?`, f.status.ID)
			return err
		}, func(e StatusExtras) bool {
			return len(e.Media) == 0 && len(e.Tags) == 0 && e.Counts.Favourites == 0 && e.Poll == nil && e.Remix == nil
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db := openTest(t)
			var f fixture
			mustWrite(t, db, func(tx *Tx) error {
				f.alice = Account{Username: "alice", URI: "https://pictor.test/users/alice"}
				f.bob = Account{Username: "bob", Domain: "remote.test", URI: "https://remote.test/users/bob"}
				if err := tx.InsertAccount(ctx, &f.alice); err != nil {
					return err
				}
				if err := tx.InsertAccount(ctx, &f.bob); err != nil {
					return err
				}
				f.source = Status{URI: "https://pictor.test/s/0", AccountID: f.alice.ID, Local: true}
				if err := tx.InsertStatus(ctx, &f.source); err != nil {
					return err
				}
				f.status = Status{URI: "https://pictor.test/s/1", AccountID: f.alice.ID, Local: true}
				if err := tx.InsertStatus(ctx, &f.status); err != nil {
					return err
				}
				if err := tx.InsertPoll(ctx, &Poll{StatusID: f.status.ID, Options: []PollOption{{Title: "a"}, {Title: "b"}}}); err != nil {
					return err
				}
				if err := tx.InsertRemix(ctx, Remix{StatusID: f.status.ID, SourceID: f.source.ID, SourceURI: f.source.URI}); err != nil {
					return err
				}
				f.media = MediaAttachment{AccountID: f.alice.ID, FileName: "a.png", Description: "old"}
				f.spare = MediaAttachment{AccountID: f.alice.ID, FileName: "b.png"}
				for _, m := range []*MediaAttachment{&f.media, &f.spare} {
					if err := tx.InsertMedia(ctx, m); err != nil {
						return err
					}
				}
				if err := tx.AttachMedia(ctx, f.status.ID, []int64{f.media.ID}); err != nil {
					return err
				}
				if err := tx.SetStatusTags(ctx, f.status.ID, []string{"a"}); err != nil {
					return err
				}
				if err := tx.InsertMentions(ctx, f.status.ID, []int64{f.bob.ID}); err != nil {
					return err
				}
				return tx.InsertFavourite(ctx, &Favourite{AccountID: f.alice.ID, StatusID: f.status.ID})
			})
			before := freshExtras(t, db, f.status.ID)
			get := func() StatusExtras {
				m, err := db.StatusExtrasByIDs(ctx, []int64{f.status.ID, f.status.ID})
				if err != nil {
					t.Fatal(err)
				}
				return m[f.status.ID]
			}
			if got := get(); !reflect.DeepEqual(got, before) || db.statusCache.len() != cachedOnThisEngine() {
				t.Fatalf("first read %+v, want %+v, %d cached", got, before, db.statusCache.len())
			}
			mustRollBack(t, db, func(tx *Tx) error { return tc.write(tx, &f) })
			if got := get(); !reflect.DeepEqual(got, before) {
				t.Fatalf("after rollback %+v, want %+v", got, before)
			}
			mustWrite(t, db, func(tx *Tx) error { return tc.write(tx, &f) })
			got, want := get(), freshExtras(t, db, f.status.ID)
			if !reflect.DeepEqual(got, want) || !tc.check(got) {
				t.Fatalf("after the write %+v, want %+v", got, want)
			}
		})
	}
}

// Extras read before a change committed are not kept; the cache is bounded,
// least recently used out first.
func TestStatusCacheRaceAndBound(t *testing.T) {
	c := newStatusCache(2)
	out := map[int64]StatusExtras{}
	seq, missing := c.getMany([]int64{1}, out)
	if len(missing) != 1 {
		t.Fatal(missing)
	}
	c.invalidate([]int64{1}, false)
	c.put(seq, map[int64]StatusExtras{1: {Tags: []string{"stale"}}})
	if c.len() != 0 {
		t.Fatal("extras read before a change were kept")
	}
	seq, _ = c.getMany(nil, out)
	for id := int64(1); id <= 3; id++ {
		c.put(seq, map[int64]StatusExtras{id: {}})
		if id == 2 {
			c.getMany([]int64{1}, map[int64]StatusExtras{}) // 1 becomes the most recent
		}
	}
	got := map[int64]StatusExtras{}
	if _, missing := c.getMany([]int64{1, 2, 3}, got); c.len() != 2 || !reflect.DeepEqual(missing, []int64{2}) {
		t.Fatalf("%d cached, missing %v; want 2 cached, 2 evicted", c.len(), missing)
	}
}
