package e2ekit

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// PNG makes a small distinct image.
func PNG(t *testing.T, seed uint8) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 320, 200))
	for y := 0; y < 200; y++ {
		for x := 0; x < 320; x++ {
			img.Set(x, y, color.RGBA{uint8(x) + seed, uint8(y) * seed, 128, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// WritePNG writes a PNG image into the test's temporary directory and
// returns its path, for scripts that upload a file.
func WritePNG(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "pond.png")
	if err := os.WriteFile(p, PNG(t, 11), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
