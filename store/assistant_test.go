package store

import (
	"context"
	"sync"
	"testing"
)

func TestAssistantCallQuota(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	const day = 20000
	var wg sync.WaitGroup
	var mu sync.Mutex
	taken := 0
	for range 8 { // concurrent takers never overrun the limit
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := db.TakeAssistantCall(ctx, 7, "suggestions", day, 5)
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				taken++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if n, err := db.AssistantCalls(ctx, 7, "suggestions", day); taken != 5 || n != 5 || err != nil {
		t.Fatalf("taken %d, counted %d, %v; want 5", taken, n, err)
	}
	// Other features, users and days count apart; a refund frees one call.
	for _, c := range []struct {
		account int64
		feature string
		day     int64
	}{{7, "descriptions", day}, {8, "suggestions", day}, {7, "suggestions", day + 1}} {
		if ok, err := db.TakeAssistantCall(ctx, c.account, c.feature, c.day, 5); !ok || err != nil {
			t.Errorf("take %+v = %v, %v", c, ok, err)
		}
	}
	if err := db.RefundAssistantCall(ctx, 7, "suggestions", day); err != nil {
		t.Fatal(err)
	}
	if ok, _ := db.TakeAssistantCall(ctx, 7, "suggestions", day, 5); !ok {
		t.Fatal("refunded call not available again")
	}
	if ok, _ := db.TakeAssistantCall(ctx, 7, "suggestions", day, 0); !ok {
		t.Fatal("limit 0 refused")
	}
	if err := db.PruneAssistantUsage(ctx, day+1); err != nil {
		t.Fatal(err)
	}
	if n, _ := db.AssistantCalls(ctx, 7, "suggestions", day); n != 0 {
		t.Fatalf("after prune: %d calls", n)
	}
	if n, _ := db.AssistantCalls(ctx, 7, "suggestions", day+1); n != 1 {
		t.Fatalf("prune removed a newer day: %d calls", n)
	}
}

func TestAssistantSettings(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	a := Account{Username: "alice", URI: "https://x.test/users/alice"}
	mustWrite(t, db, func(tx *Tx) error { return tx.InsertAccount(ctx, &a) })
	if s, err := db.AssistantSettingsOf(ctx, a.ID); err != nil || s.ReplySuggestions {
		t.Fatalf("default = %+v, %v", s, err)
	}
	for _, on := range []bool{true, false, true} {
		if err := db.SetAssistantSettings(ctx, a.ID, AssistantSettings{ReplySuggestions: on}); err != nil {
			t.Fatal(err)
		}
		if s, err := db.AssistantSettingsOf(ctx, a.ID); err != nil || s.ReplySuggestions != on {
			t.Fatalf("after set %v: %+v, %v", on, s, err)
		}
	}
}
