package media

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/pictor-social/pictor/internal/apperr"
)

// grayWithTRNS is a gray PNG whose tRNS chunk makes image/png decode it to
// NRGBA, four times the bytes of its Gray colour model.
func grayWithTRNS(t *testing.T, w, h int) []byte {
	t.Helper()
	data := encodePNGT(t, image.NewGray(image.Rect(0, 0, w, h)))
	const ihdrEnd = 8 + 4 + 4 + 13 + 4
	out := append([]byte{}, data[:ihdrEnd]...)
	out = append(out, pngChunk("tRNS", []byte{0, 7})...)
	return append(out, data[ihdrEnd:]...)
}

// TestDecodeBytesBound checks the per-image memory estimate against what
// each decoder really allocates: never less (the budget must bound real
// use), and not wildly more (honest images must still fit). TotalAlloc
// counts every allocation, garbage included, so it bounds the peak from
// above.
func TestDecodeBytesBound(t *testing.T) {
	const w, h = 1000, 800
	paletted := image.NewPaletted(image.Rect(0, 0, w, h), color.Palette{color.Black, color.White})
	cases := []struct {
		name     string
		in       []byte
		wantType string // the decoded image's type, to show which decoder path ran
	}{
		{"png 16-bit rgba", encodeRawPNGT(t, noise16(w, h)), "*image.NRGBA64"},
		{"png 16-bit gray", encodePNGT(t, image.NewGray16(image.Rect(0, 0, w, h))), "*image.Gray16"},
		{"png interlaced", fixture(t, "gradient-1000x800.interlaced.png"), "*image.RGBA"},
		{"png 8-bit rgba", encodePNGT(t, gradient(w, h)), "*image.RGBA"},
		{"png gray", encodePNGT(t, image.NewGray(image.Rect(0, 0, w, h))), "*image.Gray"},
		{"png gray with tRNS", grayWithTRNS(t, w, h), "*image.NRGBA"},
		{"png paletted", encodePNGT(t, paletted), "*image.Paletted"},
		{"gif", encodeGIFPalettedT(t, paletted), "*image.Paletted"},
		{"jpeg 4:2:0", encodeJPEGT(t, gradient(w, h)), "*image.YCbCr"},
		{"jpeg gray", encodeJPEGT(t, image.NewGray(image.Rect(0, 0, w, h))), "*image.Gray"},
		{"jpeg progressive 4:2:0", fixture(t, "gradient-1000x800.progressive.jpg"), "*image.YCbCr"},
		{"jpeg progressive 4:4:4", fixture(t, "gradient-1000x800.progressive444.jpg"), "*image.YCbCr"},
		{"jpeg cmyk", fixture(t, "gradient-1000x800.cmyk.jpg"), "*image.CMYK"},
		{"jpeg cmyk progressive", fixture(t, "gradient-1000x800.cmyk-progressive.jpg"), "*image.CMYK"},
		{"webp lossy", fixture(t, "gradient-1000x800.lossy.webp"), "*image.YCbCr"},
		{"webp lossy alpha", fixture(t, "alpha-1000x800.lossy.webp"), "*image.NYCbCrA"},
		{"webp lossless", fixture(t, "gradient-1000x800.lossless.webp"), "*image.NRGBA"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, cfg, err := header(tc.in, DefaultLimits().MaxPixels)
			if err != nil {
				t.Fatal(err)
			}
			est := decodeBytes(f, cfg, tc.in)
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			img, err := decodePixels(f, tc.in, cfg)
			runtime.ReadMemStats(&after)
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprintf("%T", img); got != tc.wantType {
				t.Fatalf("decoded to %s, want %s", got, tc.wantType)
			}
			used := int64(after.TotalAlloc - before.TotalAlloc)
			if used > est {
				t.Errorf("decoder allocated %d bytes, estimate %d", used, est)
			}
			if est > 2*used+decodeSlack+int64(len(tc.in)) {
				t.Errorf("estimate %d is far above the %d bytes allocated", est, used)
			}
			t.Logf("allocated %d, estimated %d (%.1f bytes/pixel)", used, est, float64(est-decodeSlack)/float64(w*h))
		})
	}
}

func encodeGIFPalettedT(t *testing.T, m *image.Paletted) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := gif.Encode(&buf, m, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// noise16 is a 16-bit image with pseudo-random samples and alpha (an
// inline xorshift: the race detector makes per-sample calls slow).
func noise16(w, h int) *image.NRGBA64 {
	m := image.NewNRGBA64(image.Rect(0, 0, w, h))
	x := uint64(0x9e3779b97f4a7c15)
	for i := 0; i+8 <= len(m.Pix); i += 8 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		binary.LittleEndian.PutUint64(m.Pix[i:], x)
	}
	return m
}

// A 16-bit PNG is narrowed row by row: the pipeline after the decoder
// allocates about its intermediate and outputs, never a second full copy.
func TestResizeFromAllocatesNoSecondCopy(t *testing.T) {
	const w, h = 1500, 1000
	img := noise16(w, h)
	fw, fh := fitSize(w, h, 500)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	m, transparent := resizeFrom(img, fw, fh)
	runtime.ReadMemStats(&after)
	if !transparent || m.Rect.Dx() != fw || m.Rect.Dy() != fh {
		t.Fatalf("got %v transparent=%v", m.Rect, transparent)
	}
	used := int64(after.TotalAlloc - before.TotalAlloc)
	want := 4*int64(fw)*h + 4*int64(fw)*int64(fh) + 1<<20
	if used > want {
		t.Fatalf("resizeFrom allocated %d bytes, want at most %d (a full 8-bit copy alone is %d)", used, want, 4*w*h)
	}
}

// Every decoded type converts, row by row, to what image/draw's exact
// (slow) path gives, within one level of rounding.
func TestRowSourceMatchesDraw(t *testing.T) {
	src := noise16(7, 3)
	gray16 := image.NewGray16(src.Rect)
	copy(gray16.Pix, src.Pix)
	rgba64 := image.NewRGBA64(src.Rect)
	cmyk := image.NewCMYK(src.Rect)
	ycc := image.NewYCbCr(src.Rect, image.YCbCrSubsampleRatio420)
	nycca := image.NewNYCbCrA(src.Rect, image.YCbCrSubsampleRatio444)
	pal := image.NewPaletted(src.Rect, color.Palette{color.NRGBA{200, 10, 10, 128}, color.White})
	for i := range ycc.Y {
		ycc.Y[i], nycca.Y[i], nycca.A[i] = src.Pix[i], src.Pix[i+1], src.Pix[i+2]
	}
	for i := range ycc.Cb {
		ycc.Cb[i], ycc.Cr[i] = src.Pix[2*i], src.Pix[2*i+1]
	}
	for i := range nycca.Cb {
		nycca.Cb[i], nycca.Cr[i] = src.Pix[3*i], src.Pix[3*i+1]
	}
	copy(cmyk.Pix, src.Pix)
	for i := range pal.Pix {
		pal.Pix[i] = src.Pix[i] & 3 // indexes 2 and 3 are beyond the palette
	}
	for y := range 3 {
		for x := range 7 {
			rgba64.Set(x, y, src.At(x, y))
		}
	}
	off := noise16(9, 5).SubImage(image.Rect(2, 1, 9, 4)) // non-zero origin
	for _, img := range []image.Image{src, gray16, rgba64, off, cmyk, ycc, nycca, pal} {
		t.Run(fmt.Sprintf("%T", img), func(t *testing.T) {
			got := toRGBA(img)
			b := img.Bounds()
			for y := range b.Dy() {
				for x := range b.Dx() {
					want := [4]uint32{0, 0, 0, 0xff} // an index beyond the palette: opaque black
					if p, ok := img.(*image.Paletted); !ok || p.Pix[y*p.Stride+x] < 2 {
						r, g, bl, a := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
						want = [4]uint32{r >> 8, g >> 8, bl >> 8, a >> 8}
					}
					c := got.RGBAAt(x, y)
					for i, v := range [4]uint32{uint32(c.R), uint32(c.G), uint32(c.B), uint32(c.A)} {
						if v+1 < want[i] || v > want[i]+1 {
							t.Fatalf("(%d,%d) = %v, want %v", x, y, c, want)
						}
					}
				}
			}
		})
	}
}

// An image whose estimate exceeds MaxDecodeBytes is refused from its header,
// before any pixel is decoded, whatever its pixel count.
func TestProcessRefusesOverMemoryLimit(t *testing.T) {
	in := encodePNGT(t, image.NewNRGBA64(image.Rect(0, 0, 1200, 1000))) // 9.6 MB of 16-bit pixels
	lim := DefaultLimits()
	lim.MaxDecodeBytes = 8 << 20
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := Process(context.Background(), bytes.NewReader(in), lim, Options{})
	runtime.ReadMemStats(&after)
	if apperr.StatusOf(err) != http.StatusUnprocessableEntity || !strings.Contains(apperr.MessageOf(err), "memory") {
		t.Fatalf("err = %v, want 422 about memory", err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20+uint64(len(in)) {
		t.Fatalf("refusing it allocated %d bytes", n)
	}
	lim.MaxDecodeBytes = 64 << 20
	if _, err := Process(context.Background(), bytes.NewReader(in), lim, Options{}); err != nil {
		t.Fatalf("with room: %v", err)
	}
}

// The PNG estimate follows the bit depth, colour type and interlacing in
// IHDR, whatever the colour model DecodeConfig reports.
func TestPNGEstimateFollowsHeader(t *testing.T) {
	cases := []struct {
		name  string
		depth byte
		ctype byte
		inter byte
		bpp   int64
	}{
		{"gray 8", 8, 0, 0, 1},
		{"gray 16", 16, 0, 0, 2},
		{"truecolour 8", 8, 2, 0, 4},
		{"truecolour 16", 16, 2, 0, 8},
		{"paletted", 8, 3, 0, 1},
		{"gray alpha 8", 8, 4, 0, 4},
		{"gray alpha 16", 16, 4, 0, 8},
		{"rgba 8", 8, 6, 0, 4},
		{"rgba 16", 16, 6, 0, 8},
		{"rgba 16 interlaced", 16, 6, 1, 16},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data := pngBomb(5760, 5760)
			data[24], data[25], data[28] = tc.depth, tc.ctype, tc.inter
			if got, want := pngDecodeBytes(5760*5760, data), tc.bpp*5760*5760; got != want {
				t.Fatalf("estimate %d, want %d", got, want)
			}
		})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	if pngHasTRNS(buf.Bytes()) {
		t.Fatal("tRNS found in a PNG without one")
	}
}
