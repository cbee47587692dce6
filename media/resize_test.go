package media

import (
	"image"
	"image/color"
	"testing"
)

func TestFitSize(t *testing.T) {
	cases := []struct{ w, h, side, wantW, wantH int }{
		{100, 50, 200, 100, 50},
		{2048, 2048, 2048, 2048, 2048},
		{4096, 2048, 2048, 2048, 1024},
		{3000, 1000, 2048, 2048, 683},
		{1000, 3000, 2048, 683, 2048},
		{10000, 1, 640, 640, 1},
		{1, 10000, 640, 1, 640},
	}
	for _, tc := range cases {
		if w, h := fitSize(tc.w, tc.h, tc.side); w != tc.wantW || h != tc.wantH {
			t.Errorf("fitSize(%d,%d,%d) = %d,%d, want %d,%d", tc.w, tc.h, tc.side, w, h, tc.wantW, tc.wantH)
		}
	}
}

func TestAreaTapsSumToOne(t *testing.T) {
	for _, n := range [][2]int{{10, 3}, {2048, 640}, {7, 7}, {3, 2}, {1000, 999}, {5, 1}} {
		for i, taps := range areaTaps(n[0], n[1]) {
			var sum uint32
			for _, tp := range taps {
				sum += tp.weight
				if tp.src < 0 || tp.src >= n[0] {
					t.Fatalf("%v: output %d reads source %d", n, i, tp.src)
				}
			}
			if sum != 1<<weightBits {
				t.Fatalf("%v: output %d weights sum to %d", n, i, sum)
			}
		}
	}
}

func TestResize(t *testing.T) {
	flat := image.NewRGBA(image.Rect(0, 0, 37, 23))
	for i := 0; i < len(flat.Pix); i += 4 {
		copy(flat.Pix[i:], []uint8{10, 200, 77, 255})
	}
	// A one-pixel checkerboard averages to mid-grey at any reduction; point
	// sampling would give black or white.
	checker := image.NewRGBA(image.Rect(0, 0, 64, 64))
	for y := range 64 {
		for x := range 64 {
			v := uint8(0)
			if (x+y)%2 == 0 {
				v = 255
			}
			checker.SetRGBA(x, y, color.RGBA{v, v, v, 255})
		}
	}
	cases := []struct {
		name string
		src  *image.RGBA
		w, h int
		want color.RGBA
		tol  int
	}{
		{"flat stays exact", flat, 11, 5, color.RGBA{10, 200, 77, 255}, 0},
		{"checker halves", checker, 32, 32, color.RGBA{128, 128, 128, 255}, 1},
		{"checker by 3/5", checker, 38, 38, color.RGBA{128, 128, 128, 255}, 12},
		{"checker to 7", checker, 7, 7, color.RGBA{128, 128, 128, 255}, 6},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := resize(tc.src, tc.w, tc.h)
			if out.Rect.Dx() != tc.w || out.Rect.Dy() != tc.h {
				t.Fatalf("size %v", out.Rect)
			}
			for y := range tc.h {
				for x := range tc.w {
					if c := out.RGBAAt(x, y); !near(c, tc.want, tc.tol) || c.A != 255 {
						t.Fatalf("pixel (%d,%d) = %v, want %v ±%d", x, y, c, tc.want, tc.tol)
					}
				}
			}
		})
	}
}

func TestResizeKeepsTransparentEdgesClean(t *testing.T) {
	// Left half transparent "black", right half opaque white. Averaging
	// premultiplied pixels keeps the edge white, just partly transparent.
	m := image.NewRGBA(image.Rect(0, 0, 4, 1))
	m.SetRGBA(2, 0, color.RGBA{255, 255, 255, 255})
	m.SetRGBA(3, 0, color.RGBA{255, 255, 255, 255})
	out := resize(m, 1, 1).RGBAAt(0, 0)
	if out.A < 126 || out.A > 129 || out.R != out.A {
		t.Fatalf("edge = %v, want white at half alpha (premultiplied R == A)", out)
	}
}
