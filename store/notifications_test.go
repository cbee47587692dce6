package store

import (
	"testing"
)

// A notification the recipient does not want is not stored, as Mastodon
// dismisses it: from an account the recipient blocks, mutes with its
// notifications or whose domain it blocks. A mute without notifications,
// another recipient, and a report to admins still arrive. Each case is
// undone before the next.
func TestInsertNotificationDismissesUnwanted(t *testing.T) {
	db := openTest(t)
	w := newWorld(t, db)
	st := post(t, db, w.alice, VisibilityPublic)
	write := func(f func(tx *Tx) error) func() { return func() { mustWrite(t, db, f) } }
	cases := []struct {
		name     string
		do, undo func()
		n        Notification
		want     bool
	}{
		{"nothing in the way", func() {}, func() {}, Notification{AccountID: w.alice.ID, FromAccountID: w.bob.ID, Type: NotifyFavourite, StatusID: st.ID}, true},
		{"recipient blocks the sender",
			write(func(tx *Tx) error {
				return tx.InsertBlock(ctx0, &Block{AccountID: w.alice.ID, TargetAccountID: w.bob.ID})
			}),
			write(func(tx *Tx) error { _, err := tx.DeleteBlock(ctx0, w.alice.ID, w.bob.ID); return err }),
			Notification{AccountID: w.alice.ID, FromAccountID: w.bob.ID, Type: NotifyMention, StatusID: st.ID}, false},
		{"recipient mutes the sender with notifications",
			write(func(tx *Tx) error { return tx.UpsertMute(ctx0, w.alice.ID, w.bob.ID, true) }),
			write(func(tx *Tx) error { return tx.DeleteMute(ctx0, w.alice.ID, w.bob.ID) }),
			Notification{AccountID: w.alice.ID, FromAccountID: w.bob.ID, Type: NotifyReblog, StatusID: st.ID}, false},
		{"recipient mutes the sender but not its notifications",
			write(func(tx *Tx) error { return tx.UpsertMute(ctx0, w.alice.ID, w.bob.ID, false) }),
			write(func(tx *Tx) error { return tx.DeleteMute(ctx0, w.alice.ID, w.bob.ID) }),
			Notification{AccountID: w.alice.ID, FromAccountID: w.bob.ID, Type: NotifyFollow}, true},
		{"recipient blocks the sender's domain",
			write(func(tx *Tx) error { _, err := tx.InsertUserDomainBlock(ctx0, w.alice.ID, "there.test"); return err }),
			write(func(tx *Tx) error { return tx.DeleteUserDomainBlock(ctx0, w.alice.ID, "there.test") }),
			Notification{AccountID: w.alice.ID, FromAccountID: w.carol.ID, Type: NotifyFollowRequest}, false},
		{"someone else blocks the sender",
			write(func(tx *Tx) error {
				return tx.InsertBlock(ctx0, &Block{AccountID: w.dave.ID, TargetAccountID: w.bob.ID})
			}),
			write(func(tx *Tx) error { _, err := tx.DeleteBlock(ctx0, w.dave.ID, w.bob.ID); return err }),
			Notification{AccountID: w.alice.ID, FromAccountID: w.bob.ID, Type: NotifyMention, StatusID: st.ID}, true},
		{"a report reaches an admin who blocks the reporter",
			write(func(tx *Tx) error {
				return tx.InsertBlock(ctx0, &Block{AccountID: w.alice.ID, TargetAccountID: w.dave.ID})
			}),
			write(func(tx *Tx) error { _, err := tx.DeleteBlock(ctx0, w.alice.ID, w.dave.ID); return err }),
			Notification{AccountID: w.alice.ID, FromAccountID: w.dave.ID, Type: NotifyAdminReport}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.do()
			defer tc.undo()
			n := tc.n
			var inserted bool
			mustWrite(t, db, func(tx *Tx) (err error) { inserted, err = tx.InsertNotification(ctx0, &n); return err })
			list, err := db.Notifications(ctx0, n.AccountID, NotificationFilter{FromAccount: n.FromAccountID, Types: []string{n.Type}}, Page{})
			if err != nil {
				t.Fatal(err)
			}
			if inserted != tc.want || (len(list) == 1) != tc.want {
				t.Errorf("inserted %v, listed %d; want stored %v", inserted, len(list), tc.want)
			}
			mustWrite(t, db, func(tx *Tx) error { return tx.DeleteNotificationsFrom(ctx0, n.AccountID, n.FromAccountID, "", 0) })
		})
	}
}
