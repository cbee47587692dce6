package media

import (
	"image"
	"image/draw"
)

// toRGBA converts a decoded image to premultiplied 8-bit RGBA with its origin
// at (0,0). Premultiplied pixels can be averaged directly when resizing, so
// transparent pixels never bleed their (meaningless) colour into edges.
// image/draw has fast paths for RGBA, NRGBA, YCbCr, Gray and CMYK sources;
// Paletted (GIF, palette PNG) and NYCbCrA (WebP with alpha) get their own here.
func toRGBA(img image.Image) *image.RGBA {
	b := img.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	switch src := img.(type) {
	case *image.Paletted:
		palettedToRGBA(dst, src)
	case *image.NYCbCrA:
		draw.Draw(dst, dst.Rect, &src.YCbCr, b.Min, draw.Src)
		applyAlpha(dst, src)
	default:
		draw.Draw(dst, dst.Rect, img, b.Min, draw.Src)
	}
	return dst
}

func palettedToRGBA(dst *image.RGBA, src *image.Paletted) {
	var lut [256][4]uint8
	for i, c := range src.Palette {
		if i >= len(lut) {
			break
		}
		r, g, bl, a := c.RGBA()
		lut[i] = [4]uint8{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8), uint8(a >> 8)}
	}
	// Indexes beyond the palette decode as opaque black, like image.Paletted.At.
	for i := len(src.Palette); i < len(lut); i++ {
		lut[i] = [4]uint8{0, 0, 0, 0xff}
	}
	w, h := dst.Rect.Dx(), dst.Rect.Dy()
	for y := 0; y < h; y++ {
		s := src.Pix[y*src.Stride : y*src.Stride+w]
		d := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
		for x, idx := range s {
			copy(d[4*x:4*x+4], lut[idx][:])
		}
	}
}

// applyAlpha premultiplies dst (filled from the YCbCr part) by src's alpha plane.
func applyAlpha(dst *image.RGBA, src *image.NYCbCrA) {
	w, h := dst.Rect.Dx(), dst.Rect.Dy()
	for y := 0; y < h; y++ {
		a := src.A[y*src.AStride : y*src.AStride+w]
		d := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
		for x, av := range a {
			p := d[4*x : 4*x+4 : 4*x+4]
			p[0] = mul8(p[0], av)
			p[1] = mul8(p[1], av)
			p[2] = mul8(p[2], av)
			p[3] = av
		}
	}
}

// mul8 returns round(v*a/255).
func mul8(v, a uint8) uint8 {
	t := uint32(v)*uint32(a) + 128
	return uint8((t + t>>8) >> 8)
}

// opaqueSource reports whether the decoded type cannot carry transparency,
// which saves scanning the alpha channel.
func opaqueSource(img image.Image) bool {
	switch img.(type) {
	case *image.YCbCr, *image.Gray, *image.Gray16, *image.CMYK:
		return true
	}
	return false
}

// hasAlpha reports whether any pixel is not fully opaque.
func hasAlpha(m *image.RGBA) bool {
	w, h := m.Rect.Dx(), m.Rect.Dy()
	for y := 0; y < h; y++ {
		row := m.Pix[y*m.Stride : y*m.Stride+4*w]
		for i := 3; i < len(row); i += 4 {
			if row[i] != 0xff {
				return true
			}
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
