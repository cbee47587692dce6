package main

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestDecodeBombPeakRSS sends 12 concurrent uploads of a 5760×5760 16-bit
// RGBA PNG (a few hundred kilobytes; 265 MB of pixels) to a real `pictor
// serve` child process: every upload is answered, with success or 503 and a
// JSON error, and the server's peak resident memory stays under 1 GB. It
// builds the binary and takes a minute, so it runs with the e2e suites
// (PICTOR_E2E=1).
func TestDecodeBombPeakRSS(t *testing.T) {
	if os.Getenv("PICTOR_E2E") == "" {
		t.Skip("set PICTOR_E2E=1 to run (builds pictor, about a minute)")
	}
	bin := filepath.Join(t.TempDir(), "pictor")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/pictor-social/pictor/cmd/pictor").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	res, err := decodeBench(context.Background(), decodeFlags{uploads: 12, side: 5760, memory: 512 << 20,
		wait: 10 * time.Second, pictor: bin})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("statuses %v, peak RSS %d MB", res.Statuses, res.PeakRSSKB/1024)
	for code, n := range res.Statuses {
		switch code {
		case http.StatusOK, http.StatusTooManyRequests, http.StatusServiceUnavailable:
		default:
			t.Errorf("%d uploads answered %d", n, code)
		}
	}
	if res.Statuses[http.StatusOK] == 0 {
		t.Error("no upload succeeded")
	}
	if res.PeakRSSKB == 0 || res.PeakRSSKB >= 1<<20 {
		t.Errorf("peak RSS %d kB, want under 1 GB", res.PeakRSSKB)
	}
}
