package store

import (
	"context"
	"testing"
)

func TestRefusesFollowFrom(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	alice := Account{Username: "alice", URI: "https://here.test/users/alice"}
	bob := Account{Username: "bob", Domain: "there.test", URI: "https://there.test/users/bob"}
	carol := Account{Username: "carol", Domain: "elsewhere.test", URI: "https://elsewhere.test/users/carol"}
	dave := Account{Username: "dave", Domain: "blocked.test", URI: "https://blocked.test/users/dave"}
	mustWrite(t, db, func(tx *Tx) error {
		for _, a := range []*Account{&alice, &bob, &carol, &dave} {
			if err := tx.InsertAccount(ctx, a); err != nil {
				return err
			}
		}
		if err := tx.InsertBlock(ctx, &Block{AccountID: alice.ID, TargetAccountID: bob.ID}); err != nil {
			return err
		}
		_, err := tx.InsertUserDomainBlock(ctx, alice.ID, "blocked.test")
		return err
	})
	cases := []struct {
		target   int64
		follower Account
		want     bool
	}{
		{alice.ID, bob, true},    // blocked account
		{alice.ID, dave, true},   // blocked domain
		{alice.ID, carol, false}, // neither
		{carol.ID, dave, false},  // someone else's domain block
		{bob.ID, alice, false},   // a block is one-way here: bob did not block alice
	}
	for _, tc := range cases {
		var got bool
		mustWrite(t, db, func(tx *Tx) error {
			var err error
			got, err = tx.RefusesFollowFrom(ctx, tc.target, tc.follower)
			return err
		})
		if got != tc.want {
			t.Errorf("target %d, follower %s: %v, want %v", tc.target, tc.follower.Username, got, tc.want)
		}
	}
}
