package main

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"image"
	"image/color"
	"image/png"
	"io"
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

// The decode bomb is a valid PNG whatever its side: its zlib stream (pieces
// deflated on their own, joined, with a combined checksum) inflates to
// exactly the declared rows with the right checksum, and every row decodes
// to the first row's gradient.
func TestBombPNG16(t *testing.T) {
	for _, side := range []int{1, 2, bombPieceRows, bombPieceRows + 1, 3*bombPieceRows + 8} {
		b, err := bombPNG16(side)
		if err != nil {
			t.Fatal(err)
		}
		// The IDAT chunk starts after the signature (8), IHDR (25) and its own
		// length and type (8); zlib's reader checks the Adler-32 at the end.
		idatLen := binary.BigEndian.Uint32(b[33:])
		zr, err := zlib.NewReader(bytes.NewReader(b[41 : 41+idatLen]))
		if err != nil {
			t.Fatal(err)
		}
		n, err := io.Copy(io.Discard, zr)
		if err != nil || n != int64(side*(1+8*side)) {
			t.Fatalf("side %d: inflated %d bytes, want %d: %v", side, n, side*(1+8*side), err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("side %d: %v", side, err)
		}
		m, ok := img.(*image.NRGBA64)
		if !ok || m.Rect != image.Rect(0, 0, side, side) {
			t.Fatalf("side %d: decoded %T %v", side, img, img.Bounds())
		}
		for y := range side {
			for x := range side {
				v := uint16(x * 65535 / max(1, side-1))
				if got, want := m.NRGBA64At(x, y), (color.NRGBA64{R: v, G: 65535 - v, B: 0x4000, A: 0x8000 | v>>1}); got != want {
					t.Fatalf("side %d: pixel (%d,%d) %v, want %v", side, x, y, got, want)
				}
			}
		}
	}
}
