package social

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pictor-social/pictor/internal/apperr"
)

func TestIsEmoji(t *testing.T) {
	cases := []struct {
		name string
		want bool
	}{
		{"👍", true},
		{"👍🏽", true},
		{"❤️", true},
		{"❤", true},
		{"🇫🇷", true},
		{"1️⃣", true},
		{"#⃣", true},
		{"👩‍👩‍👧", true},
		{"🏳️‍🌈", true},
		{"🏴\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F", true},
		{"", false},
		{"a", false},
		{"1", false},
		{":blobcat:", false},
		{"👍👍", false},
		{"👍 ", false},
		{"🇫", false},
		{"👍\u200d", false},
		{"🏴\U000E0067", false},
		{strings.Repeat("👍\u200d", 20) + "👍", false},
	}
	for _, tc := range cases {
		if got := IsEmoji(tc.name); got != tc.want {
			t.Errorf("IsEmoji(%q) = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestAnnouncementLifecycle(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	alice, bob := e.user(t, "alice"), e.user(t, "bob")
	sub := e.hub.Subscribe(StreamAnnouncements)
	defer sub.Close()

	for _, d := range []AnnouncementDraft{
		{Text: "  "},
		{Text: strings.Repeat("x", MaxAnnouncementText+1)},
		{Text: "x", StartsAt: time.Now(), EndsAt: time.Now().Add(-time.Hour)},
	} {
		if _, err := e.svc.CreateAnnouncement(ctx, d); kindOf(err) != apperr.KindInvalid {
			t.Errorf("draft %.20q: err = %v, want invalid", d.Text, err)
		}
	}
	a, err := e.svc.CreateAnnouncement(ctx, AnnouncementDraft{Text: "Maintenance tonight, ask @alice #ops https://p.test/x"})
	if err != nil {
		t.Fatal(err)
	}
	if ev := <-sub.C; ev.Kind != "announcement" || ev.Payload.(AnnouncementEvent).ID != a.ID {
		t.Fatalf("event = %+v", ev)
	}
	c := e.svc.FormatAnnouncement(ctx, a)
	if len(c.Mentions) != 1 || c.Mentions[0].ID != alice.ID || len(c.Tags) != 1 || c.Tags[0] != "ops" ||
		!strings.Contains(c.HTML, `href="https://p.test/x"`) {
		t.Fatalf("content = %+v", c)
	}

	if err := e.svc.AddAnnouncementReaction(ctx, bob.ID, a.ID, "nope"); kindOf(err) != apperr.KindInvalid {
		t.Fatalf("bad emoji: %v", err)
	}
	if err := e.svc.AddAnnouncementReaction(ctx, bob.ID, a.ID, "🎉"); err != nil {
		t.Fatal(err)
	}
	if ev := <-sub.C; ev.Kind != "announcement.reaction" || ev.Payload.(AnnouncementEvent).Count != 1 {
		t.Fatalf("event = %+v", ev)
	}
	for i, em := range []string{"😀", "😁", "😂", "🤣", "😃", "😄", "😅"} {
		if err := e.svc.AddAnnouncementReaction(ctx, alice.ID, a.ID, em); err != nil {
			t.Fatalf("reaction %d: %v", i, err)
		}
		<-sub.C
	}
	if err := e.svc.AddAnnouncementReaction(ctx, alice.ID, a.ID, "😆"); kindOf(err) != apperr.KindInvalid {
		t.Fatalf("ninth emoji: %v", err)
	}
	if err := e.svc.AddAnnouncementReaction(ctx, alice.ID, a.ID, "🎉"); err != nil {
		t.Fatalf("existing emoji at the limit: %v", err)
	}
	if ev := <-sub.C; ev.Payload.(AnnouncementEvent).Count != 2 {
		t.Fatalf("count event = %+v", ev)
	}
	if err := e.svc.DismissAnnouncement(ctx, bob.ID, a.ID); err != nil {
		t.Fatal(err)
	}

	if err := e.svc.SetAnnouncementPublished(ctx, a.ID, false); err != nil {
		t.Fatal(err)
	}
	if ev := <-sub.C; ev.Kind != "announcement.delete" {
		t.Fatalf("event = %+v", ev)
	}
	for name, err := range map[string]error{
		"dismiss":  e.svc.DismissAnnouncement(ctx, bob.ID, a.ID),
		"react":    e.svc.AddAnnouncementReaction(ctx, bob.ID, a.ID, "👍"),
		"unreact":  e.svc.RemoveAnnouncementReaction(ctx, bob.ID, a.ID, "🎉"),
		"delete 0": e.svc.DeleteAnnouncement(ctx, 1),
	} {
		if kindOf(err) != apperr.KindNotFound {
			t.Errorf("%s on hidden announcement: %v", name, err)
		}
	}
	if list, err := e.svc.ActiveAnnouncements(ctx); err != nil || len(list) != 0 {
		t.Fatalf("active = %v, %v", list, err)
	}
	if err := e.svc.DeleteAnnouncement(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
}
