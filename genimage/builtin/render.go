package builtin

import (
	"image"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
)

// canvas is a float sRGB picture that layers are blended onto.
type canvas struct {
	w, h int
	unit float64 // pixels per field unit: the shorter side
	pix  []rgb
}

// field is a domain-warped wave: three sine warps bend the plane, then a
// directional wave (optionally mixed with a radial one) gives a value in [0,1].
// Its bands look like marbled paper or a topographic map.
type field struct {
	warps            [3][5]float64 // fx, fy, px, py, amp
	dirX, dirY       float64
	freq, phase      float64
	radial           float64 // weight of the radial wave
	cx, cy, rf, rPhi float64
}

func newField(rng *rand.Rand) field {
	var f field
	for i := range f.warps {
		scale := 1.5 + float64(i)*1.7
		f.warps[i] = [5]float64{
			scale * (0.6 + rng.Float64()), scale * (0.6 + rng.Float64()),
			rng.Float64() * 2 * math.Pi, rng.Float64() * 2 * math.Pi,
			(0.35 + rng.Float64()*0.4) / (1 + float64(i)),
		}
	}
	a := rng.Float64() * 2 * math.Pi
	f.dirX, f.dirY = math.Cos(a), math.Sin(a)
	f.freq = 3 + rng.Float64()*6
	f.phase = rng.Float64() * 2 * math.Pi
	if rng.IntN(3) == 0 {
		f.radial = 0.4 + rng.Float64()*0.5
	}
	f.cx, f.cy = 0.2+rng.Float64()*0.6, 0.2+rng.Float64()*0.6
	f.rf = 6 + rng.Float64()*10
	f.rPhi = rng.Float64() * 2 * math.Pi
	return f
}

func (f *field) at(x, y float64) float64 {
	for _, w := range f.warps {
		x, y = x+w[4]*math.Sin(w[1]*y+w[3]), y+w[4]*math.Sin(w[0]*x+w[2])
	}
	v := math.Sin(f.freq*(x*f.dirX+y*f.dirY) + f.phase)
	if f.radial > 0 {
		r := math.Hypot(x-f.cx, y-f.cy)
		v = v*(1-f.radial) + math.Sin(f.rf*r+f.rPhi)*f.radial
	}
	return 0.5 + 0.5*v
}

// rows runs fn over horizontal bands of h rows on all cores. Each pixel
// depends only on its own inputs, so the split does not change the output.
func rows(h int, fn func(y0, y1 int)) {
	n := min(runtime.GOMAXPROCS(0), h)
	var wg sync.WaitGroup
	for i := range n {
		y0, y1 := h*i/n, h*(i+1)/n
		wg.Go(func() { fn(y0, y1) })
	}
	wg.Wait()
}

// sampleField evaluates f at every pixel centre.
func sampleField(c *canvas, f *field) []float32 {
	t := make([]float32, c.w*c.h)
	rows(c.h, func(y0, y1 int) {
		for y := y0; y < y1; y++ {
			fy := (float64(y) + 0.5) / c.unit
			for x := 0; x < c.w; x++ {
				t[y*c.w+x] = float32(f.at((float64(x)+0.5)/c.unit, fy))
			}
		}
	})
	return t
}

// Background styles.
const (
	styleSmooth = iota
	styleContour
	stylePoster
	styleCount
)

// paintBackground colours each pixel from the gradient lut at the field value,
// with contour lines or posterised bands for those styles. Line widths come
// from the field's local slope so edges stay anti-aliased at any size.
func paintBackground(c *canvas, t []float32, lut []rgb, style, levels int, ink rgb) {
	last := float64(len(lut) - 1)
	rows(c.h, func(y0, y1 int) {
		for y := y0; y < y1; y++ {
			for x := 0; x < c.w; x++ {
				i := y*c.w + x
				v := float64(t[i])
				slope := float64(levels) * fwidth(c, t, x, y)
				switch style {
				case styleContour:
					col := lut[int(v*last)]
					d := math.Abs(frac(v*float64(levels)+0.5)-0.5) / math.Max(slope, 1e-6)
					c.pix[i] = mix(col, ink, 0.55*(1-smoothstep(0.6, 1.6, d)))
				case stylePoster:
					q := v * float64(levels)
					band := math.Floor(q)
					edge := smoothstep(1-slope, 1, frac(q)) // blend into the next band over one pixel
					u := (band + edge + 0.15*frac(q)) / float64(levels)
					c.pix[i] = lut[int(math.Min(u, 1)*last)]
				default:
					c.pix[i] = lut[int(v*last)]
				}
			}
		}
	})
}

func fwidth(c *canvas, t []float32, x, y int) float64 {
	i := y*c.w + x
	dx, dy := float32(0), float32(0)
	if x+1 < c.w {
		dx = t[i+1] - t[i]
	}
	if y+1 < c.h {
		dy = t[i+c.w] - t[i]
	}
	return math.Abs(float64(dx)) + math.Abs(float64(dy))
}

// blend mixes col into pixel (x,y) with coverage a in [0,1].
func (c *canvas) blend(x, y int, col rgb, a float64) {
	if x < 0 || y < 0 || x >= c.w || y >= c.h || a <= 0 {
		return
	}
	i := y*c.w + x
	c.pix[i] = mix(c.pix[i], col, math.Min(a, 1))
}

// disk draws an anti-aliased filled circle.
func (c *canvas) disk(cx, cy, r float64, col rgb, alpha float64) {
	for y := int(cy - r - 1); y <= int(cy+r+1); y++ {
		for x := int(cx - r - 1); x <= int(cx+r+1); x++ {
			d := math.Hypot(float64(x)+0.5-cx, float64(y)+0.5-cy) - r
			c.blend(x, y, col, alpha*clamp01(0.5-d))
		}
	}
}

// bayer4 is the 4x4 ordered-dither matrix, scaled to offsets in (-0.5, 0.5).
var bayer4 = [16]float32{0, 8, 2, 10, 12, 4, 14, 6, 3, 11, 1, 9, 15, 7, 13, 5}

// toImage quantises the canvas with a vignette. Ordered dithering hides 8-bit
// banding in the smooth gradients; unlike random grain its regular pattern
// costs PNG compression little.
func (c *canvas) toImage(vignette float64) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, c.w, c.h))
	cx, cy := float64(c.w)/2, float64(c.h)/2
	norm := 1 / (cx*cx + cy*cy)
	rows(c.h, func(y0, y1 int) {
		for y := y0; y < y1; y++ {
			for x := 0; x < c.w; x++ {
				i := y*c.w + x
				dx, dy := float64(x)-cx, float64(y)-cy
				k := float32(1 - vignette*(dx*dx+dy*dy)*norm)
				g := (bayer4[(y&3)*4+x&3]+0.5)/16 - 0.5
				o := img.PixOffset(x, y)
				for ch := range 3 {
					img.Pix[o+ch] = uint8(math.Max(0, math.Min(255, float64(c.pix[i][ch]*k+g+0.5))))
				}
				img.Pix[o+3] = 255
			}
		}
	})
	return img
}

func mix(a, b rgb, u float64) rgb {
	f := float32(u)
	return rgb{a[0] + (b[0]-a[0])*f, a[1] + (b[1]-a[1])*f, a[2] + (b[2]-a[2])*f}
}

func scale(a rgb, k float32) rgb { return rgb{a[0] * k, a[1] * k, a[2] * k} }

func frac(v float64) float64 { return v - math.Floor(v) }

func clamp01(v float64) float64 { return math.Max(0, math.Min(1, v)) }

func smoothstep(e0, e1, v float64) float64 {
	if e1 <= e0 {
		if v < e0 {
			return 0
		}
		return 1
	}
	u := clamp01((v - e0) / (e1 - e0))
	return u * u * (3 - 2*u)
}
