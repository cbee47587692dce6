package media

import (
	"bytes"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"

	"golang.org/x/image/webp"

	"github.com/pictor-social/pictor/internal/apperr"
)

// format is one accepted input format. The decoder is chosen from the magic
// bytes rather than through image.Decode, so that a decoder some other package
// registers (BMP, TIFF, …) never widens what uploads accept.
type format struct {
	mediaType    string
	decodeConfig func(io.Reader) (image.Config, error)
	decode       func(io.Reader) (image.Image, error)
}

var formats = []struct {
	magic []byte
	at    int // offset of magic
	format
}{
	{[]byte("\xff\xd8\xff"), 0, format{TypeJPEG, jpeg.DecodeConfig, jpeg.Decode}},
	{[]byte("\x89PNG\r\n\x1a\n"), 0, format{TypePNG, png.DecodeConfig, png.Decode}},
	{[]byte("GIF87a"), 0, format{TypeGIF, gif.DecodeConfig, gif.Decode}},
	{[]byte("GIF89a"), 0, format{TypeGIF, gif.DecodeConfig, gif.Decode}},
	{[]byte("WEBP"), 8, format{TypeWebP, webp.DecodeConfig, webp.Decode}},
}

// sniff returns the format whose magic bytes data starts with.
func sniff(data []byte) (format, bool) {
	for _, f := range formats {
		if len(data) >= f.at+len(f.magic) && bytes.Equal(data[f.at:f.at+len(f.magic)], f.magic) {
			if f.mediaType == TypeWebP && !bytes.HasPrefix(data, []byte("RIFF")) {
				continue
			}
			return f.format, true
		}
	}
	return format{}, false
}

// header identifies data and reads its dimensions without decoding pixels.
// Anything unsupported or unreadable is apperr.Invalid; an image above
// maxPixels is apperr.Invalid too, before any pixel memory is allocated.
func header(data []byte, maxPixels int) (format, image.Config, error) {
	f, ok := sniff(data)
	if !ok {
		return format{}, image.Config{}, apperr.Invalid("unsupported file type: only JPEG, PNG, GIF and WebP images are accepted")
	}
	cfg, err := f.decodeConfig(bytes.NewReader(data))
	if err != nil {
		return format{}, image.Config{}, apperr.Wrap(apperr.Invalid("the image file is damaged or incomplete"), err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return format{}, image.Config{}, apperr.Invalid("the image has no pixels")
	}
	// Compare in int64 so that two large sides cannot overflow on 32-bit.
	if int64(cfg.Width)*int64(cfg.Height) > int64(maxPixels) {
		return format{}, image.Config{}, apperr.Invalid("the image is %d×%d pixels; at most %d pixels are accepted",
			cfg.Width, cfg.Height, maxPixels)
	}
	return f, cfg, nil
}

// decodePixels runs the decoder. The standard decoders and x/image/webp are
// fuzzed upstream, but a panic on hostile input must not take the server down,
// so it is turned into apperr.Invalid here and only here.
func decodePixels(f format, data []byte, cfg image.Config) (img image.Image, err error) {
	defer func() {
		if p := recover(); p != nil {
			img, err = nil, apperr.Wrap(apperr.Invalid("the image file is damaged"), fmt.Errorf("decoder panic: %v", p))
		}
	}()
	img, err = f.decode(bytes.NewReader(data))
	if err != nil {
		return nil, apperr.Wrap(apperr.Invalid("the image file is damaged or incomplete"), err)
	}
	b := img.Bounds()
	// The header was checked; the frame must agree so the limit really held.
	if b.Empty() || int64(b.Dx())*int64(b.Dy()) > int64(cfg.Width)*int64(cfg.Height) {
		return nil, apperr.Invalid("the image file is damaged")
	}
	return img, nil
}
