package media

import (
	"image"
	"image/color"
	"image/draw"
)

// rowSource reads a decoded image one row at a time as premultiplied 8-bit
// RGBA with its origin at (0,0), so the pipeline never holds a second full
// copy of a large image: a 16-bit PNG is narrowed row by row as it is
// resized. Premultiplied pixels can be averaged directly when resizing, so
// transparent pixels never bleed their (meaningless) colour into edges.
// image/draw has fast paths for RGBA, NRGBA, YCbCr, Gray and CMYK sources;
// Paletted (GIF, palette PNG), NYCbCrA (WebP with alpha) and the 16-bit types
// of PNG get their own here. Safe for concurrent use by row.
type rowSource struct {
	img    image.Image
	min    image.Point
	width  int
	height int
	// alpha is false for types that cannot carry transparency, which saves
	// scanning their rows.
	alpha bool
	lut   *[256][4]uint8 // Paletted only
}

func newRowSource(img image.Image) *rowSource {
	b := img.Bounds()
	rs := &rowSource{img: img, min: b.Min, width: b.Dx(), height: b.Dy(), alpha: true}
	switch src := img.(type) {
	case *image.YCbCr, *image.Gray, *image.Gray16, *image.CMYK:
		rs.alpha = false
	case *image.Paletted:
		rs.lut = paletteLUT(src.Palette)
	}
	return rs
}

// row writes row y (0-based) into dst, which holds 4*width bytes.
func (rs *rowSource) row(dst []uint8, y int) {
	sy := rs.min.Y + y
	switch src := rs.img.(type) {
	case *image.Paletted:
		s := src.Pix[src.PixOffset(rs.min.X, sy):]
		for x, idx := range s[:rs.width] {
			copy(dst[4*x:4*x+4], rs.lut[idx][:])
		}
	case *image.NYCbCrA:
		draw.Draw(rowImage(dst, rs.width), image.Rect(0, 0, rs.width, 1), &src.YCbCr, image.Pt(rs.min.X, sy), draw.Src)
		applyAlpha(dst, src.A[src.AOffset(rs.min.X, sy):][:rs.width])
	case *image.NRGBA64:
		s := src.Pix[src.PixOffset(rs.min.X, sy):][:8*rs.width]
		for x := range rs.width {
			p := s[8*x : 8*x+8 : 8*x+8]
			a := uint32(p[6])<<8 | uint32(p[7])
			d := dst[4*x : 4*x+4 : 4*x+4]
			for c := range 3 {
				v := uint32(p[2*c])<<8 | uint32(p[2*c+1])
				d[c] = uint8(v * a / 0xffff >> 8)
			}
			d[3] = p[6]
		}
	case *image.RGBA64:
		s := src.Pix[src.PixOffset(rs.min.X, sy):][:8*rs.width]
		for x := range rs.width {
			d := dst[4*x : 4*x+4 : 4*x+4]
			d[0], d[1], d[2], d[3] = s[8*x], s[8*x+2], s[8*x+4], s[8*x+6]
		}
	case *image.Gray16:
		s := src.Pix[src.PixOffset(rs.min.X, sy):][:2*rs.width]
		for x := range rs.width {
			v := s[2*x]
			d := dst[4*x : 4*x+4 : 4*x+4]
			d[0], d[1], d[2], d[3] = v, v, v, 0xff
		}
	default:
		draw.Draw(rowImage(dst, rs.width), image.Rect(0, 0, rs.width, 1), rs.img, image.Pt(rs.min.X, sy), draw.Src)
	}
}

// rowImage wraps one row of pixels as a 1-pixel-high RGBA image.
func rowImage(pix []uint8, w int) *image.RGBA {
	return &image.RGBA{Pix: pix[:4*w], Stride: 4 * w, Rect: image.Rect(0, 0, w, 1)}
}

// paletteLUT maps palette indexes to premultiplied RGBA. Indexes beyond the
// palette decode as opaque black (image.Paletted.At would panic).
func paletteLUT(p color.Palette) *[256][4]uint8 {
	var lut [256][4]uint8
	for i, c := range p {
		if i >= len(lut) {
			break
		}
		r, g, bl, a := c.RGBA()
		lut[i] = [4]uint8{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8), uint8(a >> 8)}
	}
	for i := len(p); i < len(lut); i++ {
		lut[i] = [4]uint8{0, 0, 0, 0xff}
	}
	return &lut
}

// toRGBA converts a whole decoded image to premultiplied 8-bit RGBA with its
// origin at (0,0). The pipeline uses resizeFrom instead; this is for small
// images and tests.
func toRGBA(img image.Image) *image.RGBA {
	b := img.Bounds()
	m, _ := resizeFrom(img, b.Dx(), b.Dy())
	return m
}

// applyAlpha premultiplies one row of pixels (filled from the YCbCr part)
// by its alpha values.
func applyAlpha(d []uint8, a []uint8) {
	for x, av := range a {
		p := d[4*x : 4*x+4 : 4*x+4]
		p[0] = mul8(p[0], av)
		p[1] = mul8(p[1], av)
		p[2] = mul8(p[2], av)
		p[3] = av
	}
}

// mul8 returns round(v*a/255).
func mul8(v, a uint8) uint8 {
	t := uint32(v)*uint32(a) + 128
	return uint8((t + t>>8) >> 8)
}

// rowHasAlpha reports whether any pixel of an RGBA row is not fully opaque.
func rowHasAlpha(row []uint8) bool {
	for i := 3; i < len(row); i += 4 {
		if row[i] != 0xff {
			return true
		}
	}
	return false
}

// flattenOnWhite composites m onto white in place, making it opaque.
// With premultiplied pixels that is c + (255 - a) per channel.
func flattenOnWhite(m *image.RGBA) {
	for i := 0; i+3 < len(m.Pix); i += 4 {
		p := m.Pix[i : i+4 : i+4]
		inv := 0xff - p[3]
		p[0] += inv
		p[1] += inv
		p[2] += inv
		p[3] = 0xff
	}
}
