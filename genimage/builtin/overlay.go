package builtin

import (
	"math"
	"math/rand/v2"
)

// orbs draws n shaded spheres, each over a soft shadow, in palette colours.
func orbs(c *canvas, rng *rand.Rand, lut []rgb, p palette, n int) {
	for range n {
		r := c.unit * (0.04 + rng.Float64()*0.16)
		cx := float64(c.w) * (0.1 + rng.Float64()*0.8)
		cy := float64(c.h) * (0.1 + rng.Float64()*0.8)
		col := lut[rng.IntN(len(lut))]
		if rng.IntN(3) == 0 {
			col = p.accent
		}
		sphere(c, cx, cy, r, col, 0.75+rng.Float64()*0.25)
	}
}

func sphere(c *canvas, cx, cy, r float64, col rgb, alpha float64) {
	shadow := scale(col, 0.25)
	sx, sy := cx+0.1*r, cy+0.16*r
	hx, hy := cx-0.35*r, cy-0.4*r
	light, dark := mix(col, rgb{255, 255, 255}, 0.45), scale(col, 0.55)
	ext := r * 1.35
	for y := int(cy - ext); y <= int(cy+ext); y++ {
		for x := int(cx - ext); x <= int(cx+ext); x++ {
			px, py := float64(x)+0.5, float64(y)+0.5
			ds := math.Hypot(px-sx, py-sy)
			c.blend(x, y, shadow, 0.35*alpha*(1-smoothstep(0.75*r, 1.3*r, ds)))
			d := math.Hypot(px-cx, py-cy)
			cov := clamp01(r - d + 0.5)
			if cov == 0 {
				continue
			}
			s := clamp01(math.Hypot(px-hx, py-hy) / (1.7 * r))
			shade := mix(light, dark, s*s)
			c.blend(x, y, mix(col, shade, 0.8), alpha*cov)
		}
	}
}

// flow draws n tapered strokes that follow the contour lines of the
// background field t, so the strokes comb along its bands.
func flow(c *canvas, rng *rand.Rand, t []float32, lut []rgb, p palette, n int) {
	px := c.unit / 1024 // stroke sizes are tuned at 1024 pixels
	steps := 90 + rng.IntN(90)
	width := (1.2 + rng.Float64()*1.8) * px
	alpha := 0.15 + rng.Float64()*0.2
	useAccent := rng.IntN(2) == 0
	for range n {
		x, y := rng.Float64()*float64(c.w), rng.Float64()*float64(c.h)
		col := lut[len(lut)-1-rng.IntN(len(lut)/3)]
		if useAccent && rng.IntN(4) == 0 {
			col = p.accent
		}
		dirX, dirY := 1.0, 0.0
		for s := range steps {
			gx, gy := gradient(c, t, int(x), int(y))
			if g := math.Hypot(gx, gy); g > 1e-7 {
				nx, ny := -gy/g, gx/g
				if nx*dirX+ny*dirY < 0 { // keep heading the same way along the line
					nx, ny = -nx, -ny
				}
				dirX, dirY = nx, ny
			}
			taper := math.Sin(math.Pi * (float64(s) + 0.5) / float64(steps))
			c.disk(x, y, width*taper, col, alpha)
			x, y = x+dirX*1.6*px, y+dirY*1.6*px
			if x < 0 || y < 0 || x >= float64(c.w) || y >= float64(c.h) {
				break
			}
		}
	}
}

func gradient(c *canvas, t []float32, x, y int) (float64, float64) {
	x0, x1 := max(x-1, 0), min(x+1, c.w-1)
	y0, y1 := max(y-1, 0), min(y+1, c.h-1)
	gx := float64(t[y*c.w+x1] - t[y*c.w+x0])
	gy := float64(t[y1*c.w+x] - t[y0*c.w+x])
	return gx, gy
}
