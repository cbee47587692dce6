package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/pictor-social/pictor/store"
)

func TestImagine(t *testing.T) {
	cfg, dataDir := testConfig(t)
	if code, _, stderr := runCLI(t, "", "user", "create", "alice", "--config", cfg); code != 0 {
		t.Fatal(stderr)
	}
	var progress bytes.Buffer
	progressOut = &progress
	t.Cleanup(func() { progressOut = os.Stderr })

	code, out, stderr := runCLI(t, "", "imagine", "--config", cfg, "--as", "alice", "--seed", "7", "--size", "256x256", "a", "quiet", "harbour")
	if code != 0 || !strings.Contains(out, "media ") || !strings.Contains(out, "https://pictor.test/media/") || !strings.Contains(out, "original: "+dataDir) {
		t.Fatalf("imagine: %d %q %q", code, out, stderr)
	}
	if !strings.Contains(progress.String(), "generating with builtin pictor-abstract-1") || !strings.Contains(progress.String(), "done") {
		t.Fatalf("progress: %q", progress.String())
	}
	origPath := strings.TrimSpace(out[strings.Index(out, "original: ")+len("original: "):])
	if _, err := os.Stat(origPath); err != nil {
		t.Fatalf("original not on disk: %v", err)
	}

	code, out, stderr = runCLI(t, "", "imagine", "--config", cfg, "--as", "alice", "--post", "--visibility", "unlisted", "a quiet harbour")
	if code != 0 || !strings.Contains(out, "post: https://pictor.test/@alice/") {
		t.Fatalf("imagine --post: %d %q %q", code, out, stderr)
	}
	db := openDB(t, dataDir)
	alice, _ := db.AccountByHandle(context.Background(), "alice", "")
	list, _ := db.AccountStatuses(context.Background(), alice.ID, nil, store.Page{})
	if len(list) != 1 || !list[0].Generated || list[0].Visibility != store.VisibilityUnlisted {
		t.Fatalf("statuses %+v", list)
	}

	// Options typed in the prompt, as in /imagine: --seed 9 is taken, while
	// the --size flag wins over a typed --ar.
	code, out, stderr = runCLI(t, "", "imagine", "--config", cfg, "--as", "alice", "--size", "320x200", "a red kite --seed 9 --ar 2:3")
	if code != 0 {
		t.Fatalf("imagine with options: %d %q %q", code, out, stderr)
	}
	jobs, _ := db.JobsOf(context.Background(), alice.ID, 1)
	if len(jobs) != 1 || jobs[0].Prompt != "a red kite" || jobs[0].Seed != 9 || jobs[0].Size != "320x200" {
		t.Fatalf("job %+v", jobs)
	}
	if code, _, stderr = runCLI(t, "", "imagine", "--config", cfg, "--as", "alice", "a kite --chaos 3"); code != 1 ||
		!strings.Contains(stderr, "unknown option --chaos") {
		t.Fatalf("unknown option: %d %q", code, stderr)
	}

	// Refused by the word list: a clear message, exit 1.
	code, _, stderr = runCLI(t, "", "imagine", "--config", cfg, "--as", "alice", "explicit", "gore")
	if code != 1 || !strings.Contains(stderr, "refused by this server's content rules") {
		t.Fatalf("refused prompt: %d %q", code, stderr)
	}
	for _, args := range [][]string{{"imagine", "--config", cfg, "x"}, {"imagine", "--config", cfg, "--as", "alice"}} {
		if code, _, _ := runCLI(t, "", args...); code != 2 {
			t.Errorf("%v: exit %d, want usage", args, code)
		}
	}
}
