package store

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// recount computes an account's counts from the rows themselves: the
// definition account_counts must match after any sequence of writes.
func recount(t *testing.T, db *DB, id int64) AccountStats {
	t.Helper()
	var s AccountStats
	var last int64
	err := db.read.QueryRow(`SELECT
		(SELECT count(*) FROM follows WHERE target_account_id = ? AND accepted = 1),
		(SELECT count(*) FROM follows WHERE account_id = ? AND accepted = 1),
		(SELECT count(*) FROM statuses WHERE account_id = ? AND local = 1 AND deleted_at = 0),
		(SELECT COALESCE(max(created_at), 0) FROM statuses WHERE account_id = ? AND local = 1 AND deleted_at = 0)`, id, id, id, id).Scan(&s.Followers, &s.Following, &s.Statuses, &last)
	if err != nil {
		t.Fatal(err)
	}
	s.LastStatusAt = fromMS(last)
	return s
}

func TestAccountCountsFollowEveryWrite(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	var alice, bob, carol, remote Account
	mustWrite(t, db, func(tx *Tx) error {
		for _, a := range []*Account{&alice, &bob, &carol} {
			a.Username = fmt.Sprintf("u%d", tx.NewID(tx.Now()))
			a.URI = "https://here.test/users/" + a.Username
			if err := tx.InsertAccount(ctx, a); err != nil {
				return err
			}
		}
		remote = Account{Username: "r", Domain: "remote.test", URI: "https://remote.test/users/r"}
		return tx.InsertAccount(ctx, &remote)
	})
	t0 := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	var posts []Status
	post := func(author int64, at time.Time, reblogOf int64) {
		mustWrite(t, db, func(tx *Tx) error {
			st := Status{AccountID: author, Local: author != remote.ID, URI: fmt.Sprintf("https://here.test/s/%d", len(posts)),
				Visibility: VisibilityPublic, CreatedAt: at, ReblogOfID: reblogOf}
			if err := tx.InsertStatus(ctx, &st); err != nil {
				return err
			}
			posts = append(posts, st)
			return nil
		})
	}
	exec := func(q string, args ...any) {
		mustWrite(t, db, func(tx *Tx) error { _, err := tx.tx.ExecContext(ctx, q, args...); return err })
	}
	steps := []struct {
		name string
		do   func()
	}{
		{"posts", func() {
			for i := 0; i < 5; i++ {
				post(alice.ID, t0.Add(time.Duration(i)*time.Minute), 0)
			}
			post(remote.ID, t0, 0)
		}},
		{"boost is counted, as Mastodon counts it", func() { post(alice.ID, t0.Add(time.Hour), posts[5].ID) }},
		{"follow requested", func() {
			mustWrite(t, db, func(tx *Tx) error {
				return tx.UpsertFollow(ctx, &Follow{AccountID: bob.ID, TargetAccountID: alice.ID})
			})
		}},
		{"follow accepted", func() {
			exec(`UPDATE follows SET accepted = 1 WHERE account_id = ? AND target_account_id = ?`, bob.ID, alice.ID)
		}},
		{"follows inserted accepted", func() {
			mustWrite(t, db, func(tx *Tx) error {
				for _, f := range []Follow{{AccountID: carol.ID, TargetAccountID: alice.ID, Accepted: true},
					{AccountID: alice.ID, TargetAccountID: remote.ID, Accepted: true},
					{AccountID: remote.ID, TargetAccountID: alice.ID, Accepted: true}} {
					if err := tx.UpsertFollow(ctx, &f); err != nil {
						return err
					}
				}
				return nil
			})
		}},
		{"follow upserted again", func() {
			mustWrite(t, db, func(tx *Tx) error {
				return tx.UpsertFollow(ctx, &Follow{AccountID: carol.ID, TargetAccountID: alice.ID, Accepted: true})
			})
		}},
		{"follow unaccepted", func() {
			exec(`UPDATE follows SET accepted = 0 WHERE account_id = ? AND target_account_id = ?`, bob.ID, alice.ID)
		}},
		{"unfollow", func() {
			mustWrite(t, db, func(tx *Tx) error { _, err := tx.DeleteFollow(ctx, carol.ID, alice.ID); return err })
		}},
		{"newest post deleted", func() {
			mustWrite(t, db, func(tx *Tx) error { return tx.MarkStatusDeleted(ctx, posts[4].ID) })
		}},
		{"older post deleted", func() {
			mustWrite(t, db, func(tx *Tx) error { return tx.MarkStatusDeleted(ctx, posts[1].ID) })
		}},
		{"newest post removed outright", func() { exec(`DELETE FROM statuses WHERE id = ?`, posts[3].ID) }},
		{"post moved in time", func() { exec(`UPDATE statuses SET created_at = ? WHERE id = ?`, ms(t0.Add(2*time.Hour)), posts[0].ID) }},
		{"remote follower gone", func() { exec(`DELETE FROM accounts WHERE id = ?`, remote.ID) }},
	}
	for _, step := range steps {
		step.do()
		got, err := db.LocalAccountStats(ctx, []int64{alice.ID, bob.ID, carol.ID})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range []Account{alice, bob, carol} {
			if want := recount(t, db, a.ID); got[a.ID] != want {
				t.Fatalf("after %q: %s's counts = %+v, recounted %+v", step.name, a.Username, got[a.ID], want)
			}
		}
		var local int64
		db.read.QueryRow(`SELECT count(*) FROM statuses WHERE local = 1 AND deleted_at = 0`).Scan(&local)
		if n, err := db.CountLocalStatuses(ctx); err != nil || n != local {
			t.Fatalf("after %q: CountLocalStatuses = %d, %v; recounted %d", step.name, n, err, local)
		}
	}
	if got, _ := db.LocalAccountStats(ctx, []int64{alice.ID}); got[alice.ID].Statuses != 2 || got[alice.ID].Following != 0 {
		t.Fatalf("final counts of alice = %+v, want 2 statuses (the boost went with the remote post) and no follows", got[alice.ID])
	}
}
