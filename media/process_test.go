package media

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/bbrks/go-blurhash"

	"github.com/pictor-social/pictor/internal/apperr"
)

// decodeVariant decodes v and checks its type and recorded size.
func decodeVariant(t *testing.T, v Variant) image.Image {
	t.Helper()
	var m image.Image
	var err error
	switch v.MediaType {
	case TypeJPEG:
		m, err = jpeg.Decode(bytes.NewReader(v.Data))
	case TypePNG:
		m, err = png.Decode(bytes.NewReader(v.Data))
	default:
		t.Fatalf("media type %q", v.MediaType)
	}
	if err != nil {
		t.Fatalf("decode %s: %v", v.MediaType, err)
	}
	if b := m.Bounds(); b.Dx() != v.Width || b.Dy() != v.Height {
		t.Fatalf("%s is %v, variant says %dx%d", v.MediaType, b, v.Width, v.Height)
	}
	return m
}

func TestProcessFormats(t *testing.T) {
	cases := []struct {
		name     string
		in       []byte
		origType string
		fullType string
		fullW    int
		fullH    int
		thumbW   int
		thumbH   int
	}{
		{"png opaque", encodePNGT(t, gradient(300, 200)), TypePNG, TypeJPEG, 300, 200, 300, 200},
		{"png transparent", encodePNGT(t, noise(64, 64, true)), TypePNG, TypePNG, 64, 64, 64, 64},
		{"png gray", encodePNGT(t, image.NewGray(image.Rect(0, 0, 20, 10))), TypePNG, TypeJPEG, 20, 10, 20, 10},
		{"png 16-bit", encodePNGT(t, image.NewRGBA64(image.Rect(0, 0, 20, 10))), TypePNG, TypePNG, 20, 10, 20, 10},
		{"jpeg", encodeJPEGT(t, gradient(120, 80)), TypeJPEG, TypeJPEG, 120, 80, 120, 80},
		{"jpeg gray", encodeJPEGT(t, image.NewGray(image.Rect(0, 0, 33, 17))), TypeJPEG, TypeJPEG, 33, 17, 33, 17},
		{"gif opaque", encodeGIFT(t, gradient(50, 40), false), TypeGIF, TypeJPEG, 50, 40, 50, 40},
		{"gif transparent", encodeGIFT(t, gradient(50, 40), true), TypeGIF, TypePNG, 50, 40, 50, 40},
		{"webp lossy", fixture(t, "opaque-48x32.lossy.webp"), TypeWebP, TypeJPEG, 48, 32, 48, 32},
		{"webp lossless alpha", fixture(t, "alpha-48x32.lossless.webp"), TypeWebP, TypePNG, 48, 32, 48, 32},
		{"webp lossy alpha", fixture(t, "alpha-48x32.lossy.webp"), TypeWebP, TypePNG, 48, 32, 48, 32},
		{"wide is scaled", encodePNGT(t, gradient(3000, 1000)), TypePNG, TypeJPEG, 2048, 683, 640, 213},
		{"tall is scaled", encodeJPEGT(t, gradient(10, 5000)), TypeJPEG, TypeJPEG, 4, 2048, 1, 640},
		{"1x1", encodePNGT(t, gradient(1, 1)), TypePNG, TypeJPEG, 1, 1, 1, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Process(context.Background(), bytes.NewReader(tc.in), DefaultLimits(), Options{KeepOriginal: true})
			if err != nil {
				t.Fatalf("Process: %v", err)
			}
			if res.Full.MediaType != tc.fullType || res.Full.Width != tc.fullW || res.Full.Height != tc.fullH {
				t.Errorf("full = %s %dx%d, want %s %dx%d", res.Full.MediaType, res.Full.Width, res.Full.Height,
					tc.fullType, tc.fullW, tc.fullH)
			}
			if res.Thumb.MediaType != tc.fullType || res.Thumb.Width != tc.thumbW || res.Thumb.Height != tc.thumbH {
				t.Errorf("thumb = %s %dx%d, want %s %dx%d", res.Thumb.MediaType, res.Thumb.Width, res.Thumb.Height,
					tc.fullType, tc.thumbW, tc.thumbH)
			}
			decodeVariant(t, res.Full)
			decodeVariant(t, res.Thumb)
			if len(res.Full.Data) > DefaultLimits().MaxFederatedBytes {
				t.Errorf("full is %d bytes", len(res.Full.Data))
			}
			if !bytes.Equal(res.Original.Data, tc.in) || res.Original.MediaType != tc.origType {
				t.Errorf("original = %s %d bytes, want %s %d bytes", res.Original.MediaType, len(res.Original.Data),
					tc.origType, len(tc.in))
			}
			checkBlurhash(t, res.Blurhash)
		})
	}
}

func checkBlurhash(t *testing.T, hash string) {
	t.Helper()
	x, y, err := blurhash.Components(hash)
	if err != nil || x != 4 || y != 3 {
		t.Fatalf("blurhash %q: components %d×%d, err %v; want 4×3", hash, x, y, err)
	}
	if _, err := blurhash.Decode(hash, 8, 6, 1); err != nil {
		t.Fatalf("blurhash %q does not decode: %v", hash, err)
	}
}

func TestProcessOriginalOnlyWhenAsked(t *testing.T) {
	res, err := Process(context.Background(), bytes.NewReader(encodePNGT(t, gradient(8, 8))), DefaultLimits(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Original.Data != nil || res.Original.MediaType != "" {
		t.Fatalf("Original filled without KeepOriginal: %s, %d bytes", res.Original.MediaType, len(res.Original.Data))
	}
}

func TestProcessErrors(t *testing.T) {
	goodPNG := encodePNGT(t, gradient(64, 64))
	goodJPEG := encodeJPEGT(t, gradient(64, 64))
	small := DefaultLimits()
	small.MaxUploadBytes = 100
	cases := []struct {
		name    string
		in      []byte
		lim     Limits
		status  int
		message string // a word the user-facing message must contain
	}{
		{"empty", nil, DefaultLimits(), 422, "empty"},
		{"text", []byte("hello, world"), DefaultLimits(), 422, "unsupported"},
		{"html", []byte("<!doctype html><html><body>hi</body></html>"), DefaultLimits(), 422, "unsupported"},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>`), DefaultLimits(), 422, "unsupported"},
		{"bmp", append([]byte("BM"), make([]byte, 60)...), DefaultLimits(), 422, "unsupported"},
		{"riff but not webp", []byte("RIFF\x10\x00\x00\x00AVI LIST"), DefaultLimits(), 422, "unsupported"},
		{"webp magic only", []byte("RIFF\x10\x00\x00\x00WEBPVP8 "), DefaultLimits(), 422, "damaged"},
		{"truncated png header", goodPNG[:20], DefaultLimits(), 422, "damaged"},
		{"truncated png data", goodPNG[:len(goodPNG)/2], DefaultLimits(), 422, "damaged"},
		{"truncated jpeg", goodJPEG[:len(goodJPEG)/2], DefaultLimits(), 422, "damaged"},
		{"png bomb 100000x100000", pngBomb(100000, 100000), DefaultLimits(), 422, "pixels"},
		{"png just over limit", pngBomb(7681, 4320), DefaultLimits(), 422, "pixels"},
		{"jpeg header 65535x65535", patchJPEGSize(goodJPEG, 65535, 65535), DefaultLimits(), 422, "pixels"},
		{"gif screen 65535x65535", patchGIFSize(encodeGIFT(t, gradient(8, 8), false), 65535, 65535), DefaultLimits(), 422, "pixels"},
		{"png bomb 1x2^31", pngBomb(1, 1<<31-1), DefaultLimits(), 422, ""},
		{"too many bytes", goodPNG, small, 413, "larger"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Process(context.Background(), bytes.NewReader(tc.in), tc.lim, Options{})
			if err == nil {
				t.Fatal("Process accepted it")
			}
			if got := apperr.StatusOf(err); got != tc.status {
				t.Fatalf("status = %d (%v), want %d", got, err, tc.status)
			}
			if msg := apperr.MessageOf(err); !strings.Contains(msg, tc.message) {
				t.Fatalf("message %q does not mention %q", msg, tc.message)
			}
		})
	}
}

// A bomb must be refused from its header: no pixel buffer may be allocated.
func TestProcessBombAllocatesLittle(t *testing.T) {
	bomb := pngBomb(100000, 100000)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := Process(context.Background(), bytes.NewReader(bomb), DefaultLimits(), Options{})
	runtime.ReadMemStats(&after)
	if apperr.StatusOf(err) != http.StatusUnprocessableEntity {
		t.Fatalf("err = %v, want 422", err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
		t.Fatalf("refusing the bomb allocated %d bytes", n)
	}
}

func TestProcessStripsMetadata(t *testing.T) {
	const secret = "GPS 48.8584N 2.2945E owner=alice"
	cases := []struct {
		name string
		in   []byte
	}{
		{"jpeg exif", withExif(encodeJPEGT(t, gradient(64, 48)), 1, secret)},
		{"png text", withPNGText(encodePNGT(t, gradient(64, 48)), "Comment", secret)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if !bytes.Contains(tc.in, []byte(secret)) {
				t.Fatal("fixture lacks the secret")
			}
			res, err := Process(context.Background(), bytes.NewReader(tc.in), DefaultLimits(), Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range []Variant{res.Full, res.Thumb} {
				if bytes.Contains(v.Data, []byte(secret)) || bytes.Contains(v.Data, []byte("Exif")) {
					t.Fatalf("%s output still carries metadata", v.MediaType)
				}
				if v.MediaType == TypeJPEG && bytes.IndexByte(jpegMarkers(v.Data), 0xe1) >= 0 {
					t.Fatalf("jpeg output has an APP1 segment: markers % x", jpegMarkers(v.Data))
				}
			}
		})
	}
}

func TestProcessOrientation(t *testing.T) {
	red, green, blue, white := color.RGBA{255, 0, 0, 255}, color.RGBA{0, 255, 0, 255},
		color.RGBA{0, 0, 255, 255}, color.RGBA{255, 255, 255, 255}
	// Source 80×40: red top-left, green top-right, blue bottom-left, white bottom-right.
	cases := []struct {
		orientation uint16
		w, h        int
		corners     [4]color.RGBA // top-left, top-right, bottom-left, bottom-right of the output
	}{
		{1, 80, 40, [4]color.RGBA{red, green, blue, white}},
		{2, 80, 40, [4]color.RGBA{green, red, white, blue}},
		{3, 80, 40, [4]color.RGBA{white, blue, green, red}},
		{4, 80, 40, [4]color.RGBA{blue, white, red, green}},
		{5, 40, 80, [4]color.RGBA{red, blue, green, white}},
		{6, 40, 80, [4]color.RGBA{blue, red, white, green}},
		{7, 40, 80, [4]color.RGBA{white, green, blue, red}},
		{8, 40, 80, [4]color.RGBA{green, white, red, blue}},
	}
	src := encodeJPEGT(t, quadrants(80, 40))
	for _, tc := range cases {
		t.Run(string(rune('0'+tc.orientation)), func(t *testing.T) {
			res, err := Process(context.Background(), bytes.NewReader(withExif(src, tc.orientation, "x")), DefaultLimits(), Options{})
			if err != nil {
				t.Fatal(err)
			}
			m := decodeVariant(t, res.Full)
			if res.Full.Width != tc.w || res.Full.Height != tc.h {
				t.Fatalf("size %dx%d, want %dx%d", res.Full.Width, res.Full.Height, tc.w, tc.h)
			}
			pts := []image.Point{{5, 5}, {tc.w - 6, 5}, {5, tc.h - 6}, {tc.w - 6, tc.h - 6}}
			for i, p := range pts {
				if !near(m.At(p.X, p.Y), tc.corners[i], 40) {
					t.Errorf("pixel %v = %v, want %v", p, m.At(p.X, p.Y), tc.corners[i])
				}
			}
		})
	}
}

// near reports whether c is within tol of want in every channel.
func near(c color.Color, want color.RGBA, tol int) bool {
	r, g, b, _ := c.RGBA()
	d := func(a uint32, b uint8) bool { return abs(int(a>>8)-int(b)) <= tol }
	return d(r, want.R) && d(g, want.G) && d(b, want.B)
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func TestProcessFitsFederatedBytes(t *testing.T) {
	lim := DefaultLimits()
	lim.MaxUploadBytes = 32 << 20 // noise does not compress; the input itself is large
	cases := []struct {
		name     string
		in       []byte
		wantType string
	}{
		{"opaque noise 2048", encodeRawPNGT(t, noise(2048, 2048, false)), TypeJPEG},
		{"transparent noise 1024", encodeRawPNGT(t, noise(1024, 1024, true)), TypePNG},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Process(context.Background(), bytes.NewReader(tc.in), lim, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Full.MediaType != tc.wantType {
				t.Fatalf("type %s, want %s", res.Full.MediaType, tc.wantType)
			}
			if n := len(res.Full.Data); n > lim.MaxFederatedBytes || n < lim.MaxFederatedBytes/4 {
				t.Fatalf("full is %d bytes, want at most %d and not needlessly small", n, lim.MaxFederatedBytes)
			}
			if res.Full.Width > lim.MaxSide || res.Full.Height > lim.MaxSide {
				t.Fatalf("full is %dx%d", res.Full.Width, res.Full.Height)
			}
			decodeVariant(t, res.Full)
			t.Logf("%s: %dx%d, %d bytes", res.Full.MediaType, res.Full.Width, res.Full.Height, len(res.Full.Data))
		})
	}
}

// Files are content-addressed, so the same input must give the same bytes.
func TestProcessDeterministic(t *testing.T) {
	in := encodePNGT(t, gradient(700, 500))
	a, err := Process(context.Background(), bytes.NewReader(in), DefaultLimits(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Process(context.Background(), bytes.NewReader(in), DefaultLimits(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Full.Data, b.Full.Data) || !bytes.Equal(a.Thumb.Data, b.Thumb.Data) || a.Blurhash != b.Blurhash {
		t.Fatal("two runs over the same input differ")
	}
}

func TestProcessConcurrent(t *testing.T) {
	in := encodeJPEGT(t, gradient(900, 600))
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			_, err := Process(context.Background(), bytes.NewReader(in), DefaultLimits(), Options{})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestLimitsZeroFieldsTakeDefaults(t *testing.T) {
	if got := (Limits{}).withDefaults(); got != DefaultLimits() {
		t.Fatalf("zero Limits = %+v", got)
	}
	custom := Limits{MaxSide: 100}
	if got := custom.withDefaults(); got.MaxSide != 100 || got.MaxPixels != DefaultLimits().MaxPixels {
		t.Fatalf("partial Limits = %+v", got)
	}
}
