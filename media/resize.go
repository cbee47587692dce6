package media

import (
	"image"
	"runtime"
	"sync"
	"sync/atomic"
)

// weightBits is the fixed-point precision of filter weights: the weights of
// one output sample sum to exactly 1<<weightBits, and 255<<weightBits still
// fits a uint32 accumulator.
const weightBits = 14

// tap is one source sample contributing to an output sample.
type tap struct {
	src    int
	weight uint32
}

// fitSize returns w×h scaled down (never up) so that the longest side is at
// most maxSide, keeping the aspect ratio and at least one pixel per side.
func fitSize(w, h, maxSide int) (int, int) {
	if w <= maxSide && h <= maxSide {
		return w, h
	}
	if w >= h {
		return maxSide, max(1, int((int64(h)*int64(maxSide)+int64(w)/2)/int64(w)))
	}
	return max(1, int((int64(w)*int64(maxSide)+int64(h)/2)/int64(h))), maxSide
}

// areaTaps computes, for each of dstN output samples, the source samples it
// covers and by how much: the box (area-averaging) filter. Every source pixel
// contributes in proportion to its overlap, so downscaling by any factor
// averages all input pixels and cannot alias the way point sampling does.
// It requires dstN <= srcN.
func areaTaps(srcN, dstN int) [][]tap {
	out := make([][]tap, dstN)
	scale := float64(srcN) / float64(dstN)
	for i := range out {
		lo, hi := float64(i)*scale, float64(i+1)*scale
		first, last := int(lo), min(int(hi-1e-9), srcN-1)
		taps := make([]tap, 0, last-first+1)
		var sum uint32
		best := 0
		for s := first; s <= last; s++ {
			cover := min(hi, float64(s+1)) - max(lo, float64(s))
			w := uint32(cover/scale*(1<<weightBits) + 0.5)
			if w == 0 {
				continue
			}
			taps = append(taps, tap{s, w})
			sum += w
			if w > taps[best].weight {
				best = len(taps) - 1
			}
		}
		// Rounding may leave the sum a unit off; the largest tap absorbs it so
		// flat colours stay exactly flat.
		taps[best].weight += (1 << weightBits) - sum
		out[i] = taps
	}
	return out
}

// resize returns src downscaled to exactly w×h with the area filter. It
// returns src itself when the size already matches; it never upscales (a
// larger target is clamped to the source size per axis).
func resize(src *image.RGBA, w, h int) *image.RGBA {
	sw, sh := src.Rect.Dx(), src.Rect.Dy()
	w, h = min(w, sw), min(h, sh)
	if w == sw && h == sh {
		return src
	}
	tmp := src
	if w != sw {
		tmp = image.NewRGBA(image.Rect(0, 0, w, sh))
		xt := areaTaps(sw, w)
		parallelRows(sh, func(y0, y1 int) { resizeRows(tmp, src, xt, y0, y1) })
	}
	if h == sh {
		return tmp
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	yt := areaTaps(sh, h)
	parallelRows(h, func(y0, y1 int) { resizeCols(dst, tmp, yt, y0, y1) })
	return dst
}

// resizeRows filters rows [y0,y1) of src horizontally into dst.
func resizeRows(dst, src *image.RGBA, xt [][]tap, y0, y1 int) {
	for y := y0; y < y1; y++ {
		filterRow(dst.Pix[y*dst.Stride:], src.Pix[y*src.Stride:], xt)
	}
}

// filterRow filters one row of pixels s horizontally into d, one output
// pixel per entry of xt.
func filterRow(d, s []uint8, xt [][]tap) {
	const half = 1 << (weightBits - 1)
	for x, taps := range xt {
		var r, g, b, a uint32
		for _, t := range taps {
			p := s[4*t.src : 4*t.src+4 : 4*t.src+4]
			r += uint32(p[0]) * t.weight
			g += uint32(p[1]) * t.weight
			b += uint32(p[2]) * t.weight
			a += uint32(p[3]) * t.weight
		}
		q := d[4*x : 4*x+4 : 4*x+4]
		q[0] = uint8((r + half) >> weightBits)
		q[1] = uint8((g + half) >> weightBits)
		q[2] = uint8((b + half) >> weightBits)
		q[3] = uint8((a + half) >> weightBits)
	}
}

// resizeFrom returns the decoded image src converted to premultiplied 8-bit
// RGBA and downscaled to w×h (clamped to its size, never upscaled), and
// whether any source pixel is not fully opaque. It reads src a row at a time
// (rowSource), filtering each row horizontally as it is converted, so besides
// src and the result it holds only the w × source-height intermediate: never
// a second full-size copy of src.
func resizeFrom(src image.Image, w, h int) (*image.RGBA, bool) {
	rs := newRowSource(src)
	sw, sh := rs.width, rs.height
	w, h = min(w, sw), min(h, sh)
	tmp := image.NewRGBA(image.Rect(0, 0, w, sh))
	var xt [][]tap
	if w != sw {
		xt = areaTaps(sw, w)
	}
	var transparent atomic.Bool
	parallelRows(sh, func(y0, y1 int) {
		var row []uint8
		if xt != nil {
			row = make([]uint8, 4*sw)
		}
		seen := false
		for y := y0; y < y1; y++ {
			d := tmp.Pix[y*tmp.Stride : y*tmp.Stride+4*w]
			s := d
			if xt != nil {
				s = row
			}
			rs.row(s, y)
			if rs.alpha && !seen && rowHasAlpha(s) {
				seen = true
			}
			if xt != nil {
				filterRow(d, s, xt)
			}
		}
		if seen {
			transparent.Store(true)
		}
	})
	if h == sh {
		return tmp, transparent.Load()
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	yt := areaTaps(sh, h)
	parallelRows(h, func(y0, y1 int) { resizeCols(dst, tmp, yt, y0, y1) })
	return dst, transparent.Load()
}

// resizeCols filters output rows [y0,y1) of dst vertically from src, a whole
// row at a time so memory is read sequentially.
func resizeCols(dst, src *image.RGBA, yt [][]tap, y0, y1 int) {
	const half = 1 << (weightBits - 1)
	n := 4 * dst.Rect.Dx()
	acc := make([]uint32, n)
	for y := y0; y < y1; y++ {
		clear(acc)
		for _, t := range yt[y] {
			s := src.Pix[t.src*src.Stride : t.src*src.Stride+n]
			for i, v := range s {
				acc[i] += uint32(v) * t.weight
			}
		}
		d := dst.Pix[y*dst.Stride : y*dst.Stride+n]
		for i, v := range acc {
			d[i] = uint8((v + half) >> weightBits)
		}
	}
}

// parallelRows splits [0,n) into one band per CPU and runs fn on each band,
// returning when all are done. Small jobs run on the calling goroutine.
func parallelRows(n int, fn func(y0, y1 int)) {
	workers := min(runtime.GOMAXPROCS(0), n/64)
	if workers <= 1 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	for i := range workers {
		y0, y1 := n*i/workers, n*(i+1)/workers
		wg.Go(func() { fn(y0, y1) })
	}
	wg.Wait()
}
