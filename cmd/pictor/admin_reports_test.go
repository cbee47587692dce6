package main

import (
	"context"
	"strings"
	"testing"

	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

func TestAdminReportsAndResolve(t *testing.T) {
	cfg, dataDir := testConfig(t)
	for _, name := range []string{"alice", "bob"} {
		if code, _, stderr := runCLI(t, "", "user", "create", name, "--config", cfg); code != 0 {
			t.Fatalf("create %s: %s", name, stderr)
		}
	}
	if code, out, _ := runCLI(t, "", "admin", "reports", "--config", cfg); code != 0 || out != "no open reports\n" {
		t.Fatalf("empty list: %d %q", code, out)
	}
	ctx := context.Background()
	s, err := openServer(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	alice, _ := s.DB.AccountByHandle(ctx, "alice", "")
	bob, _ := s.DB.AccountByHandle(ctx, "bob", "")
	rep, err := s.Social.CreateReport(ctx, alice.ID, social.ReportDraft{TargetID: bob.ID, Comment: "rude\nreplies", Category: "spam"})
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	id := store.FormatID(rep.ID)

	code, out, stderr := runCLI(t, "", "admin", "reports", "--config", cfg)
	if code != 0 || !strings.HasPrefix(out, id+"\t") || !strings.Contains(out, "\t@bob\tby @alice\tspam\t0 statuses\t\"rude replies\"\n") {
		t.Fatalf("list: %d %q %q", code, out, stderr)
	}
	if code, _, stderr := runCLI(t, "", "admin", "resolve", "12345", "--config", cfg); code != 1 || !strings.Contains(stderr, "not found") {
		t.Fatalf("unknown report: %d %q", code, stderr)
	}
	for _, args := range [][]string{{"admin", "resolve", "--config", cfg}, {"admin", "reports", "x", "--config", cfg}} {
		if code, _, stderr := runCLI(t, "", args...); code != 2 || !strings.Contains(stderr, "usage") {
			t.Fatalf("%v: %d %q", args, code, stderr)
		}
	}
	if code, out, stderr := runCLI(t, "", "admin", "resolve", id, "--config", cfg); code != 0 || out != "resolved report "+id+"\n" {
		t.Fatalf("resolve: %d %q %q", code, out, stderr)
	}
	if code, out, _ := runCLI(t, "", "admin", "reports", "--config", cfg); code != 0 || out != "no open reports\n" {
		t.Fatalf("after resolving: %d %q", code, out)
	}
	db := openDB(t, dataDir)
	if r, err := db.ReportByID(ctx, rep.ID); err != nil || r.Open() {
		t.Fatalf("report %+v, %v", r, err)
	}
}
