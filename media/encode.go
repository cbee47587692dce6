package media

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"math"
)

// jpegQualities is the ladder tried before an opaque image is downscaled to
// fit the byte limit; 85 looks like the source for photos and AI images.
var jpegQualities = []int{85, 75, 65, 50}

// maxShrinks bounds the downscale-and-retry loop. Each round aims below the
// limit by area, so real images fit after one or two rounds.
const maxShrinks = 8

// encodeFit encodes m (PNG when transparent, else JPEG) so that the result is
// at most maxBytes, lowering JPEG quality first and then shrinking the image.
func encodeFit(m *image.RGBA, transparent bool, maxBytes int) (Variant, error) {
	enc := encodeJPEG
	qualities := jpegQualities
	mediaType := TypeJPEG
	if transparent {
		enc = func(m *image.RGBA, _ int) ([]byte, error) { return encodePNG(m) }
		qualities = []int{0}
		mediaType = TypePNG
	}
	var data []byte
	var err error
	for round := 0; round <= maxShrinks; round++ {
		for i, q := range qualities {
			if data, err = enc(m, q); err != nil {
				return Variant{}, err
			}
			if len(data) <= maxBytes {
				return Variant{Data: data, MediaType: mediaType, Width: m.Rect.Dx(), Height: m.Rect.Dy()}, nil
			}
			// Far over the limit, lower qualities will not be enough: shrink
			// now, and keep this quality so the next estimate holds.
			if len(data) > 3*maxBytes || i == len(qualities)-1 {
				qualities = []int{q}
				break
			}
		}
		// Bytes grow roughly with area: aim a little under the limit.
		f := math.Sqrt(float64(maxBytes)/float64(len(data))) * 0.95
		f = min(max(f, 0.25), 0.95)
		w, h := m.Rect.Dx(), m.Rect.Dy()
		if w == 1 && h == 1 {
			break
		}
		m = resize(m, max(1, int(float64(w)*f)), max(1, int(float64(h)*f)))
	}
	return Variant{}, fmt.Errorf("encode %s: cannot fit %d bytes", mediaType, maxBytes)
}

func encodeJPEG(m *image.RGBA, quality int) ([]byte, error) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: quality}); err != nil {
		return nil, fmt.Errorf("encode jpeg: %w", err)
	}
	return buf.Bytes(), nil
}

func encodePNG(m *image.RGBA) ([]byte, error) {
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.DefaultCompression}).Encode(&buf, m); err != nil {
		return nil, fmt.Errorf("encode png: %w", err)
	}
	return buf.Bytes(), nil
}
