package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pictor-social/pictor/store"
)

func TestAdminAnnounce(t *testing.T) {
	cfg, _ := testConfig(t)
	ends := time.Now().Add(2 * time.Hour).UTC().Truncate(time.Second)
	code, out, stderr := runCLI(t, "", "admin", "announce", "Maintenance", "tonight", "--ends", ends.Format(time.RFC3339), "--config", cfg)
	if code != 0 || !strings.HasPrefix(out, "published announcement ") {
		t.Fatalf("announce: %d %q %q", code, out, stderr)
	}
	for _, bad := range [][]string{
		{"admin", "announce", "--config", cfg},
		{"admin", "announce", "x", "--ends", "tomorrow", "--config", cfg},
		{"admin", "announce", "x", "--starts", "2030-01-02T00:00:00Z", "--ends", "2030-01-01T00:00:00Z", "--config", cfg},
	} {
		if code, _, _ := runCLI(t, "", bad...); code == 0 {
			t.Errorf("%q succeeded", bad)
		}
	}

	ctx := context.Background()
	s, err := openServer(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	list, err := s.Social.ActiveAnnouncements(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Text != "Maintenance tonight" || !list[0].EndsAt.Equal(ends) || !list[0].StartsAt.IsZero() {
		t.Fatalf("active announcements: %+v", list)
	}
	if id := strings.TrimSpace(strings.TrimPrefix(out, "published announcement ")); id != store.FormatID(list[0].ID) {
		t.Fatalf("printed id %s, stored %d", id, list[0].ID)
	}
}
