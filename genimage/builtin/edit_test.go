package builtin

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"math"
	"testing"

	"github.com/pictor-social/pictor/genimage"
)

// sourcePNG is a picture with structure (the builtin's own), as a remix
// source.
func sourcePNG(t testing.TB, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, Render("a harbour at noon", 7, w, h)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func edit(t testing.TB, req genimage.Request, in genimage.EditInput) *image.RGBA {
	t.Helper()
	res, err := New().Edit(context.Background(), req, in, nil)
	if err != nil {
		t.Fatalf("Edit: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(res.Images[0].Data))
	if err != nil {
		t.Fatal(err)
	}
	return img.(*image.RGBA)
}

func decodeRGBA(t testing.TB, data []byte) *image.RGBA {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	out := image.NewRGBA(img.Bounds())
	for y := range img.Bounds().Dy() {
		for x := range img.Bounds().Dx() {
			out.Set(x, y, img.At(x, y))
		}
	}
	return out
}

// correlation is Pearson's r of the two images' luminance.
func correlation(a, b *image.RGBA) float64 {
	var sa, sb, saa, sbb, sab, n float64
	for i := 0; i < len(a.Pix); i += 4 {
		la := 0.299*float64(a.Pix[i]) + 0.587*float64(a.Pix[i+1]) + 0.114*float64(a.Pix[i+2])
		lb := 0.299*float64(b.Pix[i]) + 0.587*float64(b.Pix[i+1]) + 0.114*float64(b.Pix[i+2])
		sa, sb, saa, sbb, sab, n = sa+la, sb+lb, saa+la*la, sbb+lb*lb, sab+la*lb, n+1
	}
	cov := sab/n - sa/n*sb/n
	return cov / math.Sqrt((saa/n-sa*sa/n/n)*(sbb/n-sb*sb/n/n))
}

func TestEditIsDeterministicAndRelated(t *testing.T) {
	srcData := sourcePNG(t, 320, 240)
	src := decodeRGBA(t, srcData)
	req := genimage.Request{Prompt: "the same harbour at night, deep blue", Seed: 3}
	in := genimage.EditInput{Image: genimage.Image{Data: srcData}}
	a, b := edit(t, req, in), edit(t, req, in)
	if !bytes.Equal(a.Pix, b.Pix) {
		t.Fatal("equal edits gave different pixels")
	}
	if a.Rect.Dx() != 320 || a.Rect.Dy() != 240 {
		t.Fatalf("edit is %v, want the source's 320x240", a.Rect)
	}
	plain := Render(req.Prompt, req.Seed, 320, 240)
	rSrc, rPlain := correlation(a, src), correlation(plain, src)
	t.Logf("correlation with the source: remix %.3f, plain generation %.3f", rSrc, rPlain)
	if rSrc < 0.8 {
		t.Errorf("remix correlates %.3f with its source, want at least 0.8", rSrc)
	}
	if rSrc-rPlain < 0.3 {
		t.Errorf("remix (%.3f) is not clearly closer to the source than a plain generation (%.3f)", rSrc, rPlain)
	}
	if d := diffRatio(a, src, 8); d < 0.3 {
		t.Errorf("only %.2f of the pixels changed, want a visible change", d)
	}
	req.Prompt = "a different prompt entirely"
	if c := edit(t, req, in); bytes.Equal(a.Pix, c.Pix) {
		t.Error("another prompt gave the same remix")
	}
}

func TestEditMaskKeepsOpaquePixels(t *testing.T) {
	srcData := sourcePNG(t, 128, 128)
	src := decodeRGBA(t, srcData)
	m := image.NewNRGBA(image.Rect(0, 0, 128, 128))
	for y := range 128 {
		for x := range 128 {
			if x < 64 {
				m.SetNRGBA(x, y, color.NRGBA{A: 255}) // keep the left half
			}
		}
	}
	var mask bytes.Buffer
	if err := png.Encode(&mask, m); err != nil {
		t.Fatal(err)
	}
	out := edit(t, genimage.Request{Prompt: "fire", Seed: 1}, genimage.EditInput{Image: genimage.Image{Data: srcData}, Mask: mask.Bytes()})
	left, right := 0, 0
	for y := range 128 {
		for x := range 128 {
			o := out.PixOffset(x, y)
			same := bytes.Equal(out.Pix[o:o+3], src.Pix[o:o+3])
			switch {
			case x < 64 && !same:
				left++
			case x >= 64 && !same:
				right++
			}
		}
	}
	if left != 0 || right < 64*128/2 {
		t.Fatalf("changed pixels: %d in the kept half (want 0), %d in the editable half", left, right)
	}
	if _, err := New().Edit(context.Background(), genimage.Request{Prompt: "x"},
		genimage.EditInput{Image: genimage.Image{Data: srcData}, Mask: sourcePNG(t, 64, 64)}, nil); err == nil {
		t.Fatal("a mask of another size was accepted")
	}
}

func BenchmarkEdit1024(b *testing.B) {
	in := genimage.EditInput{Image: genimage.Image{Data: sourcePNG(b, 1024, 1024)}}
	for b.Loop() {
		if _, err := New().Edit(context.Background(), genimage.Request{Prompt: "night", Seed: 1}, in, nil); err != nil {
			b.Fatal(err)
		}
	}
}
