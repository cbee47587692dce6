// Package builtin is Pictor's default image backend: an offline generator
// that needs no key and no network. It turns a prompt and seed into a
// deterministic abstract picture (a palette steered by colour words in the
// prompt, a domain-warped field painted smooth, as contours or as posterised
// bands, then spheres or flow strokes) in a fraction of a second.
package builtin

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/png"
	"math/rand/v2"
	"strings"

	"github.com/pictor-social/pictor/genimage"
	"github.com/pictor-social/pictor/internal/apperr"
)

// Identity of this backend in provenance labels.
const (
	BackendName = "builtin"
	ModelName   = "pictor-abstract-1"
)

// Limits on what one request may ask for, so a request stays well under a
// second per image.
const (
	DefaultSize = 1024
	MinSide     = 64
	MaxSide     = 2048
	MaxImages   = 4
)

// Generator is the builtin Backend. The zero value is not used; call New.
// It holds no mutable state and is safe for concurrent use.
type Generator struct{}

// New returns the builtin generator.
func New() *Generator { return &Generator{} }

// Name returns "builtin".
func (*Generator) Name() string { return BackendName }

// Model returns "pictor-abstract-1".
func (*Generator) Model() string { return ModelName }

// Generate draws req.Count() PNG images; image i is seeded with req.Seed+i, so
// equal requests give byte-identical images. The picture depends only on the
// trimmed prompt and the seed, not on the size. NegativePrompt, Quality and
// User are ignored. A malformed or out-of-range size or count is an
// apperr.Invalid. It returns ctx.Err() if ctx ends between images.
func (g *Generator) Generate(ctx context.Context, req genimage.Request, progress func(genimage.Progress)) (genimage.Result, error) {
	w, h, err := size(req.Size)
	if err != nil {
		return genimage.Result{}, err
	}
	if err := checkCount(req); err != nil {
		return genimage.Result{}, err
	}
	return renderEach(ctx, req, w, h, progress, func(*image.RGBA) {})
}

// checkCount refuses more than MaxImages images.
func checkCount(req genimage.Request) error {
	if req.Count() > MaxImages {
		return apperr.Invalid("the built-in generator makes at most %d images at a time", MaxImages)
	}
	return nil
}

// renderEach draws req.Count() w×h images, image i seeded with req.Seed+i
// and passed through finish before it is encoded, reporting progress
// between images and stopping with ctx.Err() when ctx ends.
func renderEach(ctx context.Context, req genimage.Request, w, h int, progress func(genimage.Progress), finish func(*image.RGBA)) (genimage.Result, error) {
	n := req.Count()
	res := genimage.Result{Provenance: genimage.Provenance{
		Backend: BackendName, Model: ModelName, DigitalSourceType: genimage.SourceAlgorithmic,
	}}
	for i := range n {
		if err := ctx.Err(); err != nil {
			return genimage.Result{}, err
		}
		genimage.Report(progress, genimage.Progress{Stage: genimage.StageRendering, Fraction: float64(i) / float64(n)})
		out := Render(req.Prompt, req.Seed+int64(i), w, h)
		finish(out)
		data, err := encode(out)
		if err != nil {
			return genimage.Result{}, err
		}
		res.Images = append(res.Images, genimage.Image{Data: data, MediaType: "image/png", Width: w, Height: h})
	}
	genimage.Report(progress, genimage.Progress{Stage: genimage.StageDone, Fraction: 1})
	return res, nil
}

func size(s string) (int, int, error) {
	if s == "" || strings.EqualFold(s, "auto") {
		return DefaultSize, DefaultSize, nil
	}
	w, h, ok := genimage.ParseSize(s)
	if !ok || w < MinSide || h < MinSide || w > MaxSide || h > MaxSide {
		return 0, 0, apperr.Invalid("size must be WIDTHxHEIGHT with sides from %d to %d pixels", MinSide, MaxSide)
	}
	return w, h, nil
}

// Render draws the picture for (prompt, seed) at w×h pixels. Equal arguments
// give equal pixels for a given binary, whatever the number of cores. Across
// architectures low bits may differ: Go fuses multiply-adds on arm64, ppc64
// and s390x but not on amd64.
func Render(prompt string, seed int64, w, h int) *image.RGBA {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s\x00%d", strings.TrimSpace(prompt), seed))
	rng := rand.New(rand.NewPCG(binary.LittleEndian.Uint64(sum[0:]), binary.LittleEndian.Uint64(sum[8:])))

	pal := newPalette(rng, prompt)
	lut := pal.lut(512)
	c := &canvas{w: w, h: h, unit: float64(min(w, h)), pix: make([]rgb, w*h)}
	f := newField(rng)
	t := sampleField(c, &f)
	style, levels := rng.IntN(styleCount), 5+rng.IntN(8)
	paintBackground(c, t, lut, style, levels, scale(pal.stops[0], 0.6))

	switch rng.IntN(4) {
	case 0:
		orbs(c, rng, lut, pal, 3+rng.IntN(6))
	case 1:
		flow(c, rng, t, lut, pal, 250+rng.IntN(250))
	case 2:
		flow(c, rng, t, lut, pal, 150+rng.IntN(150))
		orbs(c, rng, lut, pal, 1+rng.IntN(3))
	}
	return c.toImage(0.25 + rng.Float64()*0.25)
}

// encode writes img as PNG with tEXt chunks naming the generator, so the
// original file says where it came from.
func encode(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("encode png: %w", err)
	}
	const afterIHDR = 8 + 8 + 13 + 4 // signature, then IHDR's length, type, data and CRC
	b := buf.Bytes()
	out := make([]byte, 0, len(b)+256)
	out = append(out, b[:afterIHDR]...)
	out = appendText(out, "Software", "Pictor "+ModelName)
	out = appendText(out, "Comment", "AI-generated: abstract image made by Pictor's built-in algorithmic generator from a text prompt")
	return append(out, b[afterIHDR:]...), nil
}

func appendText(b []byte, keyword, text string) []byte {
	data := append(append([]byte(keyword), 0), text...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
	start := len(b)
	b = append(b, "tEXt"...)
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[start:]))
}
