package main

import (
	"context"
	"strings"
	"testing"

	"github.com/pictor-social/pictor/store"
)

// "pictor post" is screened like any post: a warned text needs
// --screening-ack, and then waits in "pictor admin screening" until an
// admin confirms or overturns it.
func TestPostScreeningAndAdminQueue(t *testing.T) {
	cfg, dataDir := testConfig(t)
	if code, _, stderr := runCLI(t, "", "user", "create", "alice", "--config", cfg); code != 0 {
		t.Fatalf("create: %s", stderr)
	}
	if code, out, _ := runCLI(t, "", "admin", "screening", "--config", cfg); code != 0 || out != "nothing waits for review\n" {
		t.Fatalf("empty queue: %d %q", code, out)
	}
	code, _, stderr := runCLI(t, "", "post", "--as", "alice", "--config", cfg, "just kys")
	if code != 1 || !strings.Contains(stderr, "harassment") || !strings.Contains(stderr, "--screening-ack") {
		t.Fatalf("warned post: %d %q", code, stderr)
	}
	if code, _, stderr := runCLI(t, "", "post", "--as", "alice", "--screening-ack", "--config", cfg, "just kys"); code != 0 {
		t.Fatalf("confirmed post: %d %q", code, stderr)
	}
	code, out, stderr := runCLI(t, "", "admin", "screening", "--config", cfg)
	if code != 0 || !strings.Contains(out, "\t@alice\twarn\tharassment\twordlist/builtin\t1.00\tstatus ") {
		t.Fatalf("queue: %d %q %q", code, out, stderr)
	}
	id := strings.SplitN(out, "\t", 2)[0]
	if code, _, stderr := runCLI(t, "", "admin", "overturn", "12345", "--config", cfg); code != 1 || !strings.Contains(stderr, "not found") {
		t.Fatalf("unknown decision: %d %q", code, stderr)
	}
	if code, out, stderr := runCLI(t, "", "admin", "confirm", id, "--config", cfg); code != 0 || out != "confirmed screening decision "+id+"\n" {
		t.Fatalf("confirm: %d %q %q", code, out, stderr)
	}
	if code, out, _ := runCLI(t, "", "admin", "screening", "--config", cfg); code != 0 || out != "nothing waits for review\n" {
		t.Fatalf("after confirming: %d %q", code, out)
	}
	db := openDB(t, dataDir)
	did, _ := store.ParseID(id)
	if d, err := db.ScreeningDecisionByID(context.Background(), did); err != nil || d.Review || d.Overturned() {
		t.Fatalf("decision %+v, %v", d, err)
	}
}
