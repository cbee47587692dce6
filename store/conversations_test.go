package store

import (
	"errors"
	"fmt"
	"slices"
	"testing"
)

// dm stores a direct status by author, replying to parent (0: none),
// mentioning the given accounts, as social and activitypub store one.
func dm(t *testing.T, db *DB, author Account, parent int64, mentioned ...Account) Status {
	t.Helper()
	st := Status{AccountID: author.ID, Visibility: VisibilityDirect, Local: author.Local(), InReplyToID: parent}
	mustWrite(t, db, func(tx *Tx) error {
		st.URI = fmt.Sprintf("%s/statuses/%d", author.URI, tx.NewID(tx.Now()))
		if err := tx.InsertStatus(ctx0, &st); err != nil {
			return err
		}
		var ids []int64
		for _, m := range mentioned {
			ids = append(ids, m.ID)
		}
		return tx.InsertMentions(ctx0, st.ID, ids)
	})
	return st
}

func conversations(t *testing.T, db *DB, who Account) []Conversation {
	t.Helper()
	list, err := db.Conversations(ctx0, who.ID, Page{Limit: 40})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func TestConversationsGroupByThreadAndTrackUnread(t *testing.T) {
	db := openTest(t)
	w := newWorld(t, db)
	first := dm(t, db, w.bob, 0, w.alice, w.dave) // remote DM to two local users
	if got := conversations(t, db, w.bob); len(got) != 0 {
		t.Fatalf("remote author got conversations %v", got)
	}
	a := conversations(t, db, w.alice)
	if len(a) != 1 || !a[0].Unread || a[0].LastStatusID != first.ID || a[0].ThreadID != first.ID {
		t.Fatalf("alice after remote DM: %+v", a)
	}
	reply := dm(t, db, w.alice, first.ID, w.bob, w.dave) // alice answers in the thread
	a = conversations(t, db, w.alice)
	if len(a) != 1 || a[0].Unread || a[0].LastStatusID != reply.ID {
		t.Fatalf("alice after her reply: %+v (author's own reply marks it read)", a)
	}
	d := conversations(t, db, w.dave)
	if len(d) != 1 || !d[0].Unread || d[0].LastStatusID != reply.ID || d[0].ThreadID != first.ID {
		t.Fatalf("dave: %+v", d)
	}
	other := dm(t, db, w.dave, 0, w.alice) // a new thread is a second conversation, newest first
	a = conversations(t, db, w.alice)
	if len(a) != 2 || a[0].LastStatusID != other.ID || a[1].LastStatusID != reply.ID {
		t.Fatalf("alice with two threads: %+v", a)
	}
	page, err := db.Conversations(ctx0, w.alice.ID, Page{MaxID: other.ID, Limit: 40})
	if err != nil || len(page) != 1 || page[0].LastStatusID != reply.ID {
		t.Fatalf("page below max_id: %+v %v", page, err)
	}
	if _, err := db.ConversationByID(ctx0, w.dave.ID, a[1].ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("dave reads alice's conversation row: %v", err)
	}
	c, err := db.ConversationOfStatus(ctx0, w.dave.ID, first.ID)
	if err != nil || c.ID != d[0].ID {
		t.Fatalf("conversation of status: %+v %v", c, err)
	}
}

func TestConversationsFollowDeletesReadsAndRemovals(t *testing.T) {
	db := openTest(t)
	w := newWorld(t, db)
	first := dm(t, db, w.bob, 0, w.alice)
	second := dm(t, db, w.bob, first.ID, w.alice)
	mustWrite(t, db, func(tx *Tx) error { return tx.MarkStatusDeleted(ctx0, second.ID) })
	a := conversations(t, db, w.alice)
	if len(a) != 1 || a[0].LastStatusID != first.ID {
		t.Fatalf("after deleting the last status: %+v", a)
	}
	mustWrite(t, db, func(tx *Tx) error { return tx.MarkConversationRead(ctx0, w.alice.ID, a[0].ID) })
	if a = conversations(t, db, w.alice); a[0].Unread {
		t.Fatal("still unread after MarkConversationRead")
	}
	err := db.Write(ctx0, func(tx *Tx) error { return tx.MarkConversationRead(ctx0, w.dave.ID, a[0].ID) })
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("marking another's conversation: %v", err)
	}
	mustWrite(t, db, func(tx *Tx) error { return tx.DeleteConversation(ctx0, w.alice.ID, a[0].ID) })
	if a = conversations(t, db, w.alice); len(a) != 0 {
		t.Fatalf("after delete: %+v", a)
	}
	third := dm(t, db, w.bob, first.ID, w.alice) // a new status brings the thread back
	if a = conversations(t, db, w.alice); len(a) != 1 || a[0].LastStatusID != third.ID || !a[0].Unread {
		t.Fatalf("after a new status: %+v", a)
	}
	mustWrite(t, db, func(tx *Tx) error {
		for _, id := range []int64{first.ID, third.ID} {
			if err := tx.MarkStatusDeleted(ctx0, id); err != nil {
				return err
			}
		}
		return nil
	})
	if a = conversations(t, db, w.alice); len(a) != 0 {
		t.Fatalf("with every status deleted: %+v", a)
	}
}

func TestDirectReplyToPublicPostJoinsItsThread(t *testing.T) {
	db := openTest(t)
	w := newWorld(t, db)
	pub := post(t, db, w.bob, VisibilityPublic)
	one := dm(t, db, w.alice, pub.ID, w.bob)
	two := dm(t, db, w.bob, one.ID, w.alice)
	a := conversations(t, db, w.alice)
	if len(a) != 1 || a[0].ThreadID != pub.ID || a[0].LastStatusID != two.ID {
		t.Fatalf("%+v", a)
	}
}

func TestUserDomainBlocksHideTimelinesNotificationsAndConversations(t *testing.T) {
	db := openTest(t)
	w := newWorld(t, db)
	fromBob := post(t, db, w.bob, VisibilityPublic)
	own := post(t, db, w.alice, VisibilityPublic)
	dm(t, db, w.carol, 0, w.alice)
	mustWrite(t, db, func(tx *Tx) error {
		_, err := tx.InsertNotification(ctx0, &Notification{AccountID: w.alice.ID, FromAccountID: w.bob.ID, Type: NotifyFavourite, StatusID: own.ID})
		return err
	})
	block := func(on bool) {
		t.Helper()
		mustWrite(t, db, func(tx *Tx) error {
			if on {
				_, err := tx.InsertUserDomainBlock(ctx0, w.alice.ID, "there.test")
				return err
			}
			return tx.DeleteUserDomainBlock(ctx0, w.alice.ID, "there.test")
		})
	}
	counts := func(viewer Account) [4]int {
		t.Helper()
		home, err1 := db.HomeTimeline(ctx0, viewer.ID, Page{Limit: 40})
		pub, err2 := db.PublicTimeline(ctx0, PublicFilter{Viewer: viewer.ID}, Page{Limit: 40})
		notes, err3 := db.Notifications(ctx0, viewer.ID, NotificationFilter{}, Page{Limit: 40})
		convs, err4 := db.Conversations(ctx0, viewer.ID, Page{Limit: 40})
		if err := errors.Join(err1, err2, err3, err4); err != nil {
			t.Fatal(err)
		}
		return [4]int{len(home), len(pub), len(notes), len(convs)}
	}
	before := counts(w.alice)
	// Home holds alice's post, bob's and carol's direct message.
	if !slices.Contains(ids(mustHome(t, db, w.alice)), fromBob.ID) || before[0] != 3 || before[2] != 1 || before[3] != 1 {
		t.Fatalf("before the block: %v", before)
	}
	block(true)
	after := counts(w.alice)
	if want := [4]int{before[0] - 2, before[1] - 1, 0, 0}; after != want {
		t.Fatalf("after the block: %v, want %v", after, want)
	}
	if dave := counts(w.dave); dave[1] != before[1] {
		t.Fatalf("another user's public timeline changed: %v", dave)
	}
	rel, err := db.Relationships(ctx0, w.alice.ID, []int64{w.bob.ID, w.dave.ID})
	if err != nil || !rel[w.bob.ID].DomainBlocking || rel[w.dave.ID].DomainBlocking {
		t.Fatalf("relationships: %+v %v", rel, err)
	}
	k, err := db.UserDomainBlocks(ctx0, w.alice.ID, Page{Limit: 40})
	if err != nil || !slices.Equal(k.Domains, []string{"there.test"}) {
		t.Fatalf("domain blocks: %+v %v", k, err)
	}
	block(false)
	if again := counts(w.alice); again != before {
		t.Fatalf("after unblocking: %v, want %v", again, before)
	}
}

func mustHome(t *testing.T, db *DB, who Account) []Status {
	t.Helper()
	list, err := db.HomeTimeline(ctx0, who.ID, Page{Limit: 40})
	if err != nil {
		t.Fatal(err)
	}
	return list
}
