package media

import (
	"bytes"
	"context"
	"image"
	"net/http"
	"testing"

	"github.com/bbrks/go-blurhash"

	"github.com/pictor-social/pictor/internal/apperr"
)

// fuzzLimits keep each fuzz run fast while still exercising resizing.
var fuzzLimits = Limits{
	MaxUploadBytes:    1 << 20,
	MaxPixels:         256 * 256,
	MaxSide:           128,
	MaxFederatedBytes: 100_000,
	ThumbSide:         32,
}

// FuzzProcess feeds arbitrary bytes to Process. It must never panic, must
// fail only with a user-facing 422 or 413, and whatever it accepts must come
// out as a decodable image within the limits. The seeds run in every normal
// `go test`; explore with `go test -fuzz=FuzzProcess ./media`.
func FuzzProcess(f *testing.F) {
	seeds := [][]byte{
		encodePNGT(f, gradient(40, 30)),
		encodePNGT(f, noise(20, 20, true)),
		encodePNGT(f, image.NewGray16(image.Rect(0, 0, 9, 7))),
		encodeJPEGT(f, gradient(40, 30)),
		withExif(encodeJPEGT(f, quadrants(16, 8)), 6, "desc"),
		encodeGIFT(f, gradient(20, 10), false),
		encodeGIFT(f, gradient(20, 10), true),
		fixture(f, "opaque-48x32.lossy.webp"),
		fixture(f, "alpha-48x32.lossless.webp"),
		fixture(f, "alpha-48x32.lossy.webp"),
		pngBomb(100000, 100000),
		pngBomb(300, 300),
		nil,
		[]byte("GIF89a"),
		[]byte("RIFF\x00\x00\x00\x00WEBPVP8L"),
		[]byte("<svg/>"),
	}
	for _, s := range seeds {
		f.Add(s)
		if len(s) > 8 {
			f.Add(s[:len(s)/2]) // truncated
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := Process(context.Background(), bytes.NewReader(data), fuzzLimits, Options{KeepOriginal: true})
		if err != nil {
			if s := apperr.StatusOf(err); s != http.StatusUnprocessableEntity && s != http.StatusRequestEntityTooLarge {
				t.Fatalf("internal error %v (status %d)", err, s)
			}
			return
		}
		checkFuzzResult(t, res)
	})
}

func checkFuzzResult(t *testing.T, res Result) {
	t.Helper()
	for _, v := range []Variant{res.Full, res.Thumb} {
		decodeVariant(t, v)
		if v.Width > fuzzLimits.MaxSide || v.Height > fuzzLimits.MaxSide || len(v.Data) > fuzzLimits.MaxFederatedBytes {
			t.Fatalf("%s %dx%d %d bytes is out of bounds", v.MediaType, v.Width, v.Height, len(v.Data))
		}
	}
	if res.Thumb.Width > fuzzLimits.ThumbSide || res.Thumb.Height > fuzzLimits.ThumbSide {
		t.Fatalf("thumb %dx%d", res.Thumb.Width, res.Thumb.Height)
	}
	if x, y, err := blurhash.Components(res.Blurhash); err != nil || x != 4 || y != 3 {
		t.Fatalf("blurhash %q: %d×%d %v", res.Blurhash, x, y, err)
	}
}
