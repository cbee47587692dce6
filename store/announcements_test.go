package store

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func TestActiveAnnouncementsWindowAndOrder(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	now := db.Now()
	mk := func(text string, starts, ends time.Time, published bool) Announcement {
		a := Announcement{Text: text, StartsAt: starts, EndsAt: ends}
		if published {
			a.PublishedAt = now.Add(-time.Hour)
		}
		mustWrite(t, db, func(tx *Tx) error { return tx.InsertAnnouncement(ctx, &a) })
		return a
	}
	open := mk("open", time.Time{}, time.Time{}, true)
	started := mk("started", now.Add(-2*time.Hour), now.Add(time.Hour), true)
	mk("draft", time.Time{}, time.Time{}, false)
	mk("future", now.Add(time.Hour), time.Time{}, true)
	mk("ended", time.Time{}, now.Add(-time.Minute), true)

	list, err := db.ActiveAnnouncements(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range list {
		got = append(got, a.Text)
		if !a.ActiveAt(now) {
			t.Errorf("%s listed but not ActiveAt", a.Text)
		}
	}
	if len(got) != 2 || got[0] != "started" || got[1] != "open" {
		t.Fatalf("active = %v, want [started open]", got)
	}
	all, err := db.Announcements(ctx, 10)
	if err != nil || len(all) != 5 {
		t.Fatalf("all = %d, %v", len(all), err)
	}

	mustWrite(t, db, func(tx *Tx) error { return tx.SetAnnouncementPublished(ctx, started.ID, false) })
	if a, _ := db.AnnouncementByID(ctx, started.ID); a.Published() {
		t.Fatal("still published")
	}
	mustWrite(t, db, func(tx *Tx) error { return tx.DeleteAnnouncement(ctx, open.ID) })
	if _, err := db.AnnouncementByID(ctx, open.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted: %v", err)
	}
	err = db.Write(ctx, func(tx *Tx) error { return tx.DeleteAnnouncement(ctx, open.ID) })
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("delete twice: %v", err)
	}
	if list, _ := db.ActiveAnnouncements(ctx, now); len(list) != 0 {
		t.Fatalf("active after unpublish and delete: %v", list)
	}
}

func TestAnnouncementReadsAndReactions(t *testing.T) {
	// Reactions are ordered by when each was first given: a clock that moves
	// a second per reading keeps two quick writes from sharing a millisecond.
	var tick sync.Mutex
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "pictor.db"), Options{Clock: func() time.Time {
		tick.Lock()
		defer tick.Unlock()
		now = now.Add(time.Second)
		return now
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	alice, bob := newJobAccount(t, db, "alice"), newJobAccount(t, db, "bob")
	a := Announcement{Text: "hello", PublishedAt: db.Now()}
	mustWrite(t, db, func(tx *Tx) error { return tx.InsertAnnouncement(ctx, &a) })

	for range 2 {
		mustWrite(t, db, func(tx *Tx) error { return tx.MarkAnnouncementRead(ctx, alice.ID, a.ID) })
	}
	read, err := db.AnnouncementsRead(ctx, alice.ID, []int64{a.ID})
	if err != nil || !read[a.ID] {
		t.Fatalf("alice read = %v, %v", read, err)
	}
	if read, _ := db.AnnouncementsRead(ctx, bob.ID, []int64{a.ID}); read[a.ID] {
		t.Fatal("bob read")
	}

	add := func(who Account, name string) bool {
		var added bool
		mustWrite(t, db, func(tx *Tx) (err error) { added, err = tx.AddAnnouncementReaction(ctx, a.ID, who.ID, name); return err })
		return added
	}
	if !add(alice, "👍") || add(alice, "👍") || !add(bob, "👍") || !add(bob, "🎉") {
		t.Fatal("add reported wrong novelty")
	}
	byID, err := db.AnnouncementReactions(ctx, alice.ID, []int64{a.ID})
	if err != nil {
		t.Fatal(err)
	}
	want := []AnnouncementReaction{{"👍", 2, true}, {"🎉", 1, false}}
	if got := byID[a.ID]; len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("reactions = %+v, want %+v", got, want)
	}
	var removed bool
	mustWrite(t, db, func(tx *Tx) (err error) {
		removed, err = tx.RemoveAnnouncementReaction(ctx, a.ID, alice.ID, "👍")
		return err
	})
	if !removed {
		t.Fatal("not removed")
	}
	var names map[string]int64
	mustWrite(t, db, func(tx *Tx) (err error) { names, err = tx.AnnouncementReactionNames(ctx, a.ID); return err })
	if len(names) != 2 || names["👍"] != 1 {
		t.Fatalf("names = %v", names)
	}
	mustWrite(t, db, func(tx *Tx) error { return tx.DeleteAnnouncement(ctx, a.ID) })
	if byID, _ := db.AnnouncementReactions(ctx, bob.ID, []int64{a.ID}); len(byID[a.ID]) != 0 {
		t.Fatal("reactions survive deletion")
	}
}
