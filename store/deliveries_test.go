package store

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"
)

func hostOfURL(s string) string {
	u, _ := url.Parse(s)
	return u.Host
}

// queueDeliveries stores one activity and a delivery to each inbox, and
// returns the number of deliveries InsertDeliveries reported.
func queueDeliveries(t *testing.T, db *DB, inboxes []string) int {
	t.Helper()
	ctx := context.Background()
	var n int
	mustWrite(t, db, func(tx *Tx) error {
		a := Account{Username: "alice", URI: "https://here.test/users/alice"}
		if err := tx.InsertAccount(ctx, &a); err != nil {
			return err
		}
		act := OutboxActivity{URI: "https://here.test/a/1", AccountID: a.ID, Type: "Create", Body: []byte(`{}`)}
		if err := tx.InsertOutboxActivity(ctx, &act); err != nil {
			return err
		}
		var err error
		n, err = tx.InsertDeliveries(ctx, act.ID, inboxes, hostOfURL)
		return err
	})
	return n
}

// A claim takes at most perHost minus what is held from any one host, and
// skips hosts already at their limit (the fix for a slow host stalling
// every other one).
func TestClaimDeliveriesPerHost(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	var inboxes []string
	for i := 0; i < 6; i++ {
		inboxes = append(inboxes, fmt.Sprintf("https://a.test/users/%d/inbox", i))
	}
	inboxes = append(inboxes, "https://b.test/inbox", "https://c.test/u/1/inbox", "https://c.test/u/2/inbox")
	queueDeliveries(t, db, inboxes)
	cases := []struct {
		held map[string]int
		want map[string]int
	}{
		{map[string]int{"a.test": 1}, map[string]int{"a.test": 1, "b.test": 1, "c.test": 2}},
		{map[string]int{"a.test": 2, "b.test": 1, "c.test": 2}, map[string]int{"a.test": 0}},
		{nil, map[string]int{"a.test": 2}},
	}
	for i, tc := range cases {
		var got []Delivery
		mustWrite(t, db, func(tx *Tx) (err error) {
			got, err = tx.ClaimDeliveriesPerHost(ctx, 10, time.Minute, 2, tc.held)
			return err
		})
		per := map[string]int{}
		for _, d := range got {
			per[d.Host]++
			if d.ActivityURI != "https://here.test/a/1" || string(d.Body) != "{}" || d.Attempts != 1 {
				t.Fatalf("case %d: delivery %+v", i, d)
			}
		}
		for h, n := range tc.want {
			if per[h] != n {
				t.Fatalf("case %d: claimed %v, want %v", i, per, tc.want)
			}
		}
		if len(per) > len(tc.want) {
			t.Fatalf("case %d: claimed %v, want %v", i, per, tc.want)
		}
	}
	// The 3 rows of a.test left are claimed; then everything is leased,
	// and only a restart frees the leases.
	var again []Delivery
	for _, want := range []int{3, 0} {
		mustWrite(t, db, func(tx *Tx) (err error) {
			again, err = tx.ClaimDeliveries(ctx, 10, time.Minute)
			return err
		})
		if len(again) != want {
			t.Fatalf("claimed %d, want %d", len(again), want)
		}
	}
	mustWrite(t, db, func(tx *Tx) error {
		n, err := tx.ReleaseDeliveryLeases(ctx)
		if n != 9 {
			t.Errorf("released %d leases, want 9", n)
		}
		return err
	})
	mustWrite(t, db, func(tx *Tx) (err error) {
		again, err = tx.ClaimDeliveries(ctx, 10, time.Minute)
		return err
	})
	if len(again) != 9 {
		t.Fatalf("after release, claimed %d, want 9", len(again))
	}
}

// A fan-out larger than one INSERT's chunk queues each distinct inbox once,
// with its host, across chunks of every size: 600 inboxes with 100 repeats
// (one of them inside a chunk) give 500 rows.
func TestInsertDeliveriesChunks(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	var inboxes []string
	for i := 0; i < 500; i++ {
		inboxes = append(inboxes, fmt.Sprintf("https://h%d.test/users/%d/inbox", i%7, i))
	}
	inboxes = append(inboxes, inboxes[:99]...)
	inboxes = append(inboxes, inboxes[92]) // index 599 repeats index 592, in the same last chunk of 8
	n := queueDeliveries(t, db, inboxes)
	rows, err := db.DeliveriesOf(ctx, "https://here.test/a/1")
	if err != nil {
		t.Fatal(err)
	}
	if n != 500 || len(rows) != 500 {
		t.Fatalf("queued %d, stored %d; want 500", n, len(rows))
	}
	seen := map[string]bool{}
	for _, r := range rows {
		if seen[r.Inbox] || r.Host != hostOfURL(r.Inbox) || r.State != "pending" {
			t.Fatalf("row %+v (seen before: %v)", r, seen[r.Inbox])
		}
		seen[r.Inbox] = true
	}
}
