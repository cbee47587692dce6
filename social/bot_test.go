package social

import (
	"context"
	"errors"
	"testing"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/store"
)

// The bot's mention intake: each mention is handed over once, bots are
// skipped, a passing failure takes the mention again (nothing acknowledged
// is lost), a refusal or repeated failures move past it.
func TestBotTakesMentions(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	b := e.svc.NewBot(BotSpec{Username: "helper", DisplayName: "Helper", CursorKey: "test.bot.cursor"})
	bot, err := b.Account(ctx)
	if err != nil || !bot.Bot {
		t.Fatalf("bot account %+v, %v", bot, err)
	}
	if again, _ := b.Account(ctx); again.ID != bot.ID {
		t.Fatal("a second account")
	}
	alice := e.user(t, "alice")
	other, err := e.svc.CreateAccount(ctx, NewAccount{Username: "otherbot", Bot: true})
	if err != nil {
		t.Fatal(err)
	}
	post := func(a store.Account, text string) store.Status {
		st, err := e.svc.CreateStatus(ctx, a.ID, Draft{Text: text, Visibility: store.VisibilityUnlisted})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	post(alice, "@helper one")
	post(other, "@helper from a bot")
	second := post(alice, "@helper two")

	var taken []string
	fail := 1 // the first take of the second mention fails as the store would
	take := func(_ context.Context, m Mention) error {
		if m.Status.ID == second.ID && fail > 0 {
			fail--
			return errors.New("database is locked")
		}
		taken = append(taken, MentionText(m.Status))
		return nil
	}
	if _, err := b.TakeNew(ctx, take); err == nil {
		t.Fatal("a failed take was not reported")
	}
	if n, err := b.TakeNew(ctx, take); err != nil || n != 1 {
		t.Fatalf("second round = %d, %v", n, err)
	}
	if len(taken) != 2 || taken[0] != "one" || taken[1] != "two" {
		t.Fatalf("taken %q", taken)
	}
	if n, _ := b.TakeNew(ctx, take); n != 0 {
		t.Fatalf("a mention taken twice (%d)", n)
	}

	// A refusal is final at once; a failure that persists is given up after
	// maxTakeFailures rounds.
	post(alice, "@helper refused")
	if _, err := b.TakeNew(ctx, func(context.Context, Mention) error { return apperr.Invalid("no") }); err != nil {
		t.Fatalf("refusal: %v", err)
	}
	post(alice, "@helper broken")
	for i := range maxTakeFailures {
		_, err := b.TakeNew(ctx, func(context.Context, Mention) error { return errors.New("broken") })
		if (err == nil) != (i == maxTakeFailures-1) {
			t.Fatalf("round %d: %v", i, err)
		}
	}
	if n, _ := b.TakeNew(ctx, take); n != 0 {
		t.Fatalf("cursor did not move past the broken mention (%d)", n)
	}
}

// A bot whose account another process created after this one looked for
// it (two processes starting together) takes that account.
func TestBotAccountMadeByAnotherProcess(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	other, err := e.svc.CreateAccount(ctx, NewAccount{Username: "helper", Bot: true})
	if err != nil {
		t.Fatal(err)
	}
	b := e.svc.NewBot(BotSpec{Username: "helper", CursorKey: "test.bot.cursor"})
	got, err := b.create(ctx) // as after a lookup that found none
	if err != nil || got.ID != other.ID {
		t.Fatalf("bot account %+v, %v; want the other process's %d", got, err, other.ID)
	}
}

func TestBotReplyVisibilityAndText(t *testing.T) {
	for in, want := range map[string]string{"public": "unlisted", "": "unlisted", "unlisted": "unlisted",
		"private": "private", "direct": "direct"} {
		if got := BotReplyVisibility(in); got != want {
			t.Errorf("BotReplyVisibility(%q) = %q", in, got)
		}
	}
	if got := Truncate("abcdef", 4); got != "abc…" {
		t.Errorf("Truncate = %q", got)
	}
	if got := Defuse("@a #b"); got != "@\u200ba #\u200bb" {
		t.Errorf("Defuse = %q", got)
	}
	if got := MentionText(store.Status{Text: "@helper @bob@x.test  why?"}); got != "why?" {
		t.Errorf("MentionText = %q", got)
	}
}

func TestParseCommand(t *testing.T) {
	cases := []struct {
		text, cmd, rest string
		ok              bool
	}{
		{"/ask why?", "/ask", "why?", true},
		{" \r\n/ask\r\nwhy? ", "/ask", "why?", true},
		{"/ask", "/ask", "", true},
		{"/asking why", "/ask", "", false},
		{"why /ask", "/ask", "", false},
		{"/ask why?", "", "", false},
	}
	for _, tc := range cases {
		if rest, ok := ParseCommand(tc.text, tc.cmd); rest != tc.rest || ok != tc.ok {
			t.Errorf("ParseCommand(%q, %q) = %q, %v", tc.text, tc.cmd, rest, ok)
		}
	}
}
