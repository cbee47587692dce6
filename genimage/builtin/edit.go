package builtin

import (
	"bytes"
	"context"
	"image"
	"image/draw"
	_ "image/gif" // source images may be any format the media pipeline keeps
	_ "image/jpeg"
	_ "image/png"

	_ "golang.org/x/image/webp"

	"github.com/pictor-social/pictor/genimage"
	"github.com/pictor-social/pictor/internal/apperr"
)

// maxSourcePixels bounds the source image decoded by Edit.
const maxSourcePixels = 4096 * 4096

// sourceWeight is how much of the source shows through where the image may
// change: enough that the remix is plainly the same picture, restyled.
const sourceWeight = 0.6

// Edit remixes in.Image: the prompt's picture (Render with req.Seed) is
// blended over the source, everywhere or, with a mask, only where the mask
// is transparent. The result has the source's aspect ratio, its longer side
// at most MaxSide; equal inputs give byte-identical images. req.Size is
// ignored. An unreadable, oversized or mismatched source or mask is an
// apperr.Invalid.
func (g *Generator) Edit(ctx context.Context, req genimage.Request, in genimage.EditInput, progress func(genimage.Progress)) (genimage.Result, error) {
	src, err := decodeBounded(in.Image.Data, "source image")
	if err != nil {
		return genimage.Result{}, err
	}
	var mask image.Image
	if len(in.Mask) > 0 {
		if mask, err = decodeBounded(in.Mask, "mask"); err != nil {
			return genimage.Result{}, err
		}
		if mask.Bounds().Size() != src.Bounds().Size() {
			return genimage.Result{}, apperr.Invalid("the mask must have the source image's size")
		}
	}
	w, h := editSize(src.Bounds().Dx(), src.Bounds().Dy())
	if err := checkCount(req); err != nil {
		return genimage.Result{}, err
	}
	base := resample(src, w, h)
	return renderEach(ctx, req, w, h, progress, func(out *image.RGBA) { blend(out, base, mask) })
}

func decodeBounded(data []byte, what string) (image.Image, error) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, apperr.Invalid("the %s is not a readable image", what)
	}
	if cfg.Width*cfg.Height > maxSourcePixels {
		return nil, apperr.Invalid("the %s has more than %d pixels", what, maxSourcePixels)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, apperr.Invalid("the %s is not a readable image", what)
	}
	return img, nil
}

// editSize keeps the source's aspect ratio within [MinSide, MaxSide].
func editSize(w, h int) (int, int) {
	if long := max(w, h); long > MaxSide {
		w, h = w*MaxSide/long, h*MaxSide/long
	}
	return max(w, MinSide), max(h, MinSide)
}

// resample scales src to w×h (nearest neighbour: cheap, and the blend hides
// its blockiness).
func resample(src image.Image, w, h int) *image.RGBA {
	b := src.Bounds()
	rgba := image.NewRGBA(b)
	draw.Draw(rgba, b, src, b.Min, draw.Src)
	if b.Dx() == w && b.Dy() == h {
		return rgba
	}
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		sy := y * b.Dy() / h
		for x := range w {
			sx := x * b.Dx() / w
			copy(out.Pix[out.PixOffset(x, y):out.PixOffset(x, y)+4], rgba.Pix[rgba.PixOffset(b.Min.X+sx, b.Min.Y+sy):])
		}
	}
	return out
}

// blend mixes base into out: sourceWeight of it where the mask lets the
// image change (transparent mask pixels, or everywhere without a mask),
// all of it elsewhere.
func blend(out, base *image.RGBA, mask image.Image) {
	w, h := out.Rect.Dx(), out.Rect.Dy()
	var mb image.Rectangle
	if mask != nil {
		mb = mask.Bounds()
	}
	for y := range h {
		for x := range w {
			k := sourceWeight
			if mask != nil {
				_, _, _, a := mask.At(mb.Min.X+x*mb.Dx()/w, mb.Min.Y+y*mb.Dy()/h).RGBA()
				if a >= 0x8000 {
					k = 1 // opaque mask: keep the source
				}
			}
			o := out.PixOffset(x, y)
			for ch := range 3 {
				v := k*float64(base.Pix[o+ch]) + (1-k)*float64(out.Pix[o+ch])
				out.Pix[o+ch] = uint8(v + 0.5)
			}
			out.Pix[o+3] = 255
		}
	}
}
