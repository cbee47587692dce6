package assistant

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/internal/testkit/fakeopenai"
	"github.com/pictor-social/pictor/store"
)

func openStore(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "pictor.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func seeAll(context.Context, int64, store.Status) (bool, error) { return true, nil }

func newTestService(t testing.TB, fake *fakeopenai.Server, co ClientOptions, o Options) (*Service, *store.DB) {
	t.Helper()
	co.BaseURL = fake.BaseURL()
	if co.Model == "" {
		co.Model = "chat-model"
	}
	c, err := NewClient(co, nil)
	if err != nil {
		t.Fatal(err)
	}
	db := openStore(t)
	s, err := New(Deps{DB: db, Client: c, CanSee: seeAll}, o)
	if err != nil {
		t.Fatal(err)
	}
	return s, db
}

func TestCallCountsQuota(t *testing.T) {
	fake := fakeopenai.New(t)
	s, _ := newTestService(t, fake, ClientOptions{}, Options{Limits: map[Feature]int{FeatureSuggestions: 3}})
	ctx := context.Background()
	req := Request{Messages: []Message{{Role: RoleUser, Text: "hi"}}}
	// 429 and 5xx are given back; a refusal and a success count.
	fake.QueueChat(fakeopenai.RateLimited(""), fakeopenai.ServerError(), fakeopenai.ChatRefusal("no"))
	for i, want := range []error{ErrRateLimited, ErrUnavailable, ErrRefused, nil, nil, ErrQuota} {
		_, err := s.Call(ctx, 1, FeatureSuggestions, req)
		if (want == nil && err != nil) || (want != nil && !errors.Is(err, want)) {
			t.Fatalf("call %d: err = %v, want %v", i, err, want)
		}
	}
	if used, _ := s.Quota.Used(ctx, 1, FeatureSuggestions); used != 3 {
		t.Fatalf("used %d, want 3", used)
	}
	_, err := s.Call(ctx, 1, FeatureSuggestions, req)
	if apperr.StatusOf(err) != http.StatusTooManyRequests || apperr.MessageOf(err) == "" {
		t.Fatalf("over quota: %v", err)
	}
	if n := len(fake.RequestsTo(fakeopenai.ChatPath)); n != 5 {
		t.Fatalf("%d calls reached the model, want 5 (none over quota)", n)
	}
	// Another user and another feature are counted apart.
	if _, err := s.Call(ctx, 2, FeatureSuggestions, req); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Call(ctx, 1, FeatureDescriptions, req); err != nil {
		t.Fatal(err)
	}
}

func TestCallPrunesOldUsage(t *testing.T) {
	fake := fakeopenai.New(t)
	s, db := newTestService(t, fake, ClientOptions{}, Options{})
	ctx := context.Background()
	today := dayOf(db.Now())
	for _, d := range []int64{today - 30, today - keepUsageDays, today - keepUsageDays + 1} {
		if _, err := db.TakeAssistantCall(ctx, 9, "suggestions", d, 0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Call(ctx, 1, FeatureSuggestions, Request{Messages: []Message{{Role: RoleUser, Text: "hi"}}}); err != nil {
		t.Fatal(err)
	}
	for d, want := range map[int64]int{today - 30: 0, today - keepUsageDays: 0, today - keepUsageDays + 1: 1} {
		if n, _ := db.AssistantCalls(ctx, 9, "suggestions", d); n != want {
			t.Errorf("day %d: %d calls kept, want %d", today-d, n, want)
		}
	}
}
