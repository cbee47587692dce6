package web

import (
	"testing"
	"time"

	"github.com/pictor-social/pictor/store"
)

func TestBridgeReadiness(t *testing.T) {
	now := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		a    store.Account
		want int
	}{
		{"new, default avatar", store.Account{CreatedAt: now}, 1},
		{"old, default avatar", store.Account{CreatedAt: now.Add(-8 * 24 * time.Hour)}, 0},
		{"old with avatar", store.Account{CreatedAt: now.Add(-8 * 24 * time.Hour), AvatarFile: "x.png"}, 0},
		{"opted out", store.Account{CreatedAt: now.Add(-30 * 24 * time.Hour), AvatarFile: "x.png", NoteSource: "no thanks #NoBridge"}, 1},
		{"six days old", store.Account{CreatedAt: now.Add(-6 * 24 * time.Hour), AvatarFile: "x.png"}, 1},
	}
	for _, tc := range cases {
		v := bridgeReadiness(tc.a, now)
		if len(v.Problems) != tc.want || v.Ready != (tc.want == 0) {
			t.Errorf("%s: %+v", tc.name, v)
		}
	}
}
