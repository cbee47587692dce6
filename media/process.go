package media

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"io"

	"github.com/bbrks/go-blurhash"

	"github.com/pictor-social/pictor/internal/apperr"
)

// thumbMaxBytes bounds the preview. It is far above what a 640 px JPEG needs;
// it only stops pathological (noise) images from producing a huge preview.
const thumbMaxBytes = 300_000

// blurSide is the longest side of the copy the blurhash is computed from: the
// hash keeps only 4×3 cosine components, so more pixels add time, not detail.
const blurSide = 32

// Process reads one image from r and returns its web derivative, preview and
// blurhash. It is pure apart from opt.Budget: no disk, no network; safe for
// concurrent use.
//
// It reads at most lim.MaxUploadBytes (apperr.TooLarge beyond). It accepts
// JPEG, PNG, GIF (first frame) and WebP, chosen by magic bytes; anything else,
// a damaged file, a header declaring more than lim.MaxPixels pixels, or an
// image whose processing would need more than lim.MaxDecodeBytes of memory
// (estimated from the header: size, colour model, bit depth, progressive or
// interlaced coding) is apperr.Invalid, all checked before any pixel is
// decoded. The estimate is then reserved from opt.Budget for the whole run;
// when the budget stays full beyond its wait (unless opt.Queue) the error is
// apperr.Unavailable, and when ctx ends first, ctx.Err(). Zero fields of lim take DefaultLimits
// values. Other errors are internal.
func Process(ctx context.Context, r io.Reader, lim Limits, opt Options) (Result, error) {
	lim = lim.withDefaults()
	data, err := readLimited(r, lim.MaxUploadBytes)
	if err != nil {
		return Result{}, err
	}
	f, cfg, err := header(data, lim.MaxPixels)
	if err != nil {
		return Result{}, err
	}
	need := processBytes(f, cfg, data, lim)
	if need > lim.MaxDecodeBytes {
		return Result{}, tooMuchMemory(need, lim.MaxDecodeBytes)
	}
	release, err := opt.Budget.acquire(ctx, need, opt.Queue)
	if err != nil {
		return Result{}, err
	}
	defer release()
	img, err := decodePixels(f, data, cfg)
	if err != nil {
		return Result{}, err
	}
	res, err := derive(img, data, f, lim)
	if err != nil {
		return Result{}, err
	}
	if opt.KeepOriginal {
		res.Original = Variant{Data: data, MediaType: f.mediaType, Width: cfg.Width, Height: cfg.Height}
	}
	return res, nil
}

// readLimited reads all of r, refusing more than maxBytes.
func readLimited(r io.Reader, maxBytes int64) ([]byte, error) {
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(r, maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read image: %w", err)
	}
	if n > maxBytes {
		return nil, apperr.TooLarge("the file is larger than %d bytes", maxBytes)
	}
	if n == 0 {
		return nil, apperr.Invalid("the file is empty")
	}
	return buf.Bytes(), nil
}

// derive builds the full, preview and blurhash from the decoded image.
func derive(img image.Image, data []byte, f format, lim Limits) (Result, error) {
	b := img.Bounds()
	w, h := fitSize(b.Dx(), b.Dy(), lim.MaxSide)
	full, transparent := resizeFrom(img, w, h)
	if f.mediaType == TypeJPEG {
		full = orient(full, jpegOrientation(data))
	}
	fullV, err := encodeFit(full, transparent, lim.MaxFederatedBytes)
	if err != nil {
		return Result{}, err
	}
	w, h = fitSize(full.Rect.Dx(), full.Rect.Dy(), lim.ThumbSide)
	thumb := resize(full, w, h)
	thumbV, err := encodeFit(thumb, transparent, min(thumbMaxBytes, lim.MaxFederatedBytes))
	if err != nil {
		return Result{}, err
	}
	hash, err := blurhashOf(thumb)
	if err != nil {
		return Result{}, err
	}
	return Result{Full: fullV, Thumb: thumbV, Blurhash: hash}, nil
}

// blurhashOf computes a 4×3 blurhash over a tiny copy of m, with transparent
// areas shown over white as browsers would show them on a light page.
func blurhashOf(m *image.RGBA) (string, error) {
	w, h := fitSize(m.Rect.Dx(), m.Rect.Dy(), blurSide)
	small := resize(m, w, h)
	if small == m {
		small = image.NewRGBA(m.Rect)
		copy(small.Pix, m.Pix)
	}
	flattenOnWhite(small)
	hash, err := blurhash.Encode(4, 3, small)
	if err != nil {
		return "", fmt.Errorf("blurhash: %w", err)
	}
	return hash, nil
}
