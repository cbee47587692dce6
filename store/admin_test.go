package store

import (
	"context"
	"errors"
	"net/url"
	"testing"
	"time"
)

func TestCleanDomain(t *testing.T) {
	cases := []struct {
		in, want string
		ok       bool
	}{
		{"Spam.Example", "spam.example", true},
		{"https://spam.example/about?x", "spam.example", true},
		{"@user@Spam.example", "spam.example", true},
		{"spam.example.", "spam.example", true},
		{"127.0.0.1:8443", "127.0.0.1:8443", true},
		{"", "", false},
		{"spam .example", "spam .example", false},
		{"-bad.example", "-bad.example", false},
		{"a..b", "a..b", false},
	}
	for _, tc := range cases {
		got, ok := CleanDomain(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("CleanDomain(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestBlockDomainEndsFollowsAndDeliveries(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	local := Account{Username: "alice", URI: "https://here.test/users/alice"}
	spam := Account{Username: "s", Domain: "a.spam.example", URI: "https://a.spam.example/users/s"}
	lookalike := Account{Username: "n", Domain: "notspam.example", URI: "https://notspam.example/users/n"}
	mustWrite(t, db, func(tx *Tx) error {
		for _, a := range []*Account{&local, &spam, &lookalike} {
			if err := tx.InsertAccount(ctx, a); err != nil {
				return err
			}
		}
		for _, f := range []*Follow{{AccountID: spam.ID, TargetAccountID: local.ID, Accepted: true},
			{AccountID: local.ID, TargetAccountID: spam.ID, Accepted: true},
			{AccountID: lookalike.ID, TargetAccountID: local.ID, Accepted: true}} {
			if err := tx.UpsertFollow(ctx, f); err != nil {
				return err
			}
		}
		act := OutboxActivity{URI: "https://here.test/a/1", AccountID: local.ID, Type: "Create", Body: []byte("{}")}
		if err := tx.InsertOutboxActivity(ctx, &act); err != nil {
			return err
		}
		host := func(s string) string { u, _ := url.Parse(s); return u.Host }
		_, err := tx.InsertDeliveries(ctx, act.ID, []string{"https://a.spam.example/inbox", "https://notspam.example/inbox"}, host)
		return err
	})
	var res BlockDomainResult
	mustWrite(t, db, func(tx *Tx) (err error) { res, err = tx.BlockDomain(ctx, " Spam.Example", "spam"); return err })
	if res.FollowsEnded != 2 || res.DeliveriesDropped != 1 {
		t.Fatalf("result %+v, want 2 follows and 1 delivery", res)
	}
	if _, err := db.FollowBetween(ctx, lookalike.ID, local.ID); err != nil {
		t.Fatalf("look-alike domain's follow ended: %v", err)
	}
	blocks, err := db.DomainBlocks(ctx)
	if err != nil || len(blocks) != 1 || blocks[0].Domain != "spam.example" || blocks[0].Reason != "spam" {
		t.Fatalf("blocks = %+v, %v", blocks, err)
	}
	mustWrite(t, db, func(tx *Tx) error { return tx.UnblockDomain(ctx, "spam.example") })
	if err := db.Write(ctx, func(tx *Tx) error { return tx.UnblockDomain(ctx, "spam.example") }); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second unblock: %v", err)
	}
}

func TestSuspensionEndsSessions(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	a := Account{Username: "bob", URI: "https://here.test/users/bob"}
	mustWrite(t, db, func(tx *Tx) error {
		if err := tx.InsertAccount(ctx, &a); err != nil {
			return err
		}
		return tx.InsertWebSession(ctx, &WebSession{TokenHash: "h1", AccountID: a.ID, CSRFToken: "c",
			ExpiresAt: time.Now().Add(time.Hour)})
	})
	if _, err := db.WebSessionByHash(ctx, "h1"); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, db, func(tx *Tx) error { return tx.SetAccountSuspended(ctx, a.ID, true) })
	if _, err := db.WebSessionByHash(ctx, "h1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("session survived suspension: %v", err)
	}
	got, _ := db.AccountByID(ctx, a.ID)
	if got.SuspendedAt.IsZero() {
		t.Fatal("not suspended")
	}
	mustWrite(t, db, func(tx *Tx) error { return tx.SetAccountSuspended(ctx, a.ID, false) })
	if got, _ := db.AccountByID(ctx, a.ID); !got.SuspendedAt.IsZero() {
		t.Fatal("suspension not lifted")
	}
	if err := db.Write(ctx, func(tx *Tx) error { return tx.SetAccountSuspended(ctx, 42, true) }); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown account: %v", err)
	}
	// A deleted account stays suspended.
	mustWrite(t, db, func(tx *Tx) error { _, err := tx.DeleteLocalAccount(ctx, a.ID); return err })
	if err := db.Write(ctx, func(tx *Tx) error { return tx.SetAccountSuspended(ctx, a.ID, false) }); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unsuspending a deleted account: %v", err)
	}
	if got, _ := db.AccountByID(ctx, a.ID); got.SuspendedAt.IsZero() {
		t.Fatal("a deleted account was unsuspended")
	}
}
