package media

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/color/palette"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// gradient returns an opaque w×h image whose colour varies smoothly.
func gradient(w, h int) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.SetNRGBA(x, y, color.NRGBA{uint8(x * 255 / max(1, w-1)), uint8(y * 255 / max(1, h-1)), 90, 255})
		}
	}
	return m
}

// photoLike returns an opaque gradient with mild grain, which compresses
// about as badly as a photo or a generated image.
func photoLike(w, h int) *image.NRGBA {
	rng := rand.New(rand.NewPCG(3, 4))
	m := gradient(w, h)
	for i := range m.Pix {
		if i%4 != 3 {
			m.Pix[i] = uint8(min(255, max(0, int(m.Pix[i])+int(rng.IntN(17))-8)))
		}
	}
	return m
}

// noise returns a w×h image of random pixels, the worst case for compressors.
// With alpha set, alpha is random too.
func noise(w, h int, alpha bool) *image.NRGBA {
	rng := rand.New(rand.NewPCG(1, 2))
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range m.Pix {
		m.Pix[i] = uint8(rng.Uint32())
		if i%4 == 3 && !alpha {
			m.Pix[i] = 0xff
		}
	}
	return m
}

// quadrants returns a w×h image with red, green, blue and white quadrants
// (top-left, top-right, bottom-left, bottom-right).
func quadrants(w, h int) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.NRGBA{255, 0, 0, 255}
			switch {
			case x >= w/2 && y < h/2:
				c = color.NRGBA{0, 255, 0, 255}
			case x < w/2 && y >= h/2:
				c = color.NRGBA{0, 0, 255, 255}
			case x >= w/2 && y >= h/2:
				c = color.NRGBA{255, 255, 255, 255}
			}
			m.SetNRGBA(x, y, c)
		}
	}
	return m
}

func encodePNGT(t testing.TB, m image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, m); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// encodeRawPNGT encodes m without compression: fast for large noise fixtures,
// which would not compress anyway.
func encodeRawPNGT(t testing.TB, m image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.NoCompression}).Encode(&buf, m); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func encodeJPEGT(t testing.TB, m image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// encodeGIFT encodes m with the Plan 9 palette; with transparent set, the
// left half uses a transparent palette entry.
func encodeGIFT(t testing.TB, m image.Image, transparent bool) []byte {
	t.Helper()
	pal := append(color.Palette{}, palette.Plan9[:255]...)
	pal = append(pal, color.NRGBA{})
	b := m.Bounds()
	p := image.NewPaletted(b, pal)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			idx := uint8(pal[:255].Index(m.At(x, y)))
			if transparent && x < b.Dx()/2 {
				idx = 255
			}
			p.SetColorIndex(x, y, idx)
		}
	}
	var buf bytes.Buffer
	if err := gif.Encode(&buf, p, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// pngChunk frames one PNG chunk with its length and CRC.
func pngChunk(typ string, body []byte) []byte {
	var out []byte
	out = binary.BigEndian.AppendUint32(out, uint32(len(body)))
	out = append(out, typ...)
	out = append(out, body...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(append([]byte(typ), body...)))
}

// pngBomb is a valid-looking PNG of a few dozen bytes whose header declares
// w×h RGBA pixels.
func pngBomb(w, h uint32) []byte { return pngBombDepth(w, h, 8) }

// pngBombDepth is pngBomb with the given bit depth (8 or 16).
func pngBombDepth(w, h uint32, depth byte) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, depth, 6, 0, 0, 0)
	out := []byte("\x89PNG\r\n\x1a\n")
	out = append(out, pngChunk("IHDR", ihdr)...)
	out = append(out, pngChunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})...)
	return append(out, pngChunk("IEND", nil)...)
}

// withPNGText inserts a tEXt chunk right after IHDR.
func withPNGText(data []byte, key, value string) []byte {
	const ihdrEnd = 8 + 4 + 4 + 13 + 4
	out := append([]byte{}, data[:ihdrEnd]...)
	out = append(out, pngChunk("tEXt", []byte(key+"\x00"+value))...)
	return append(out, data[ihdrEnd:]...)
}

// withExif inserts an APP1 Exif segment right after SOI. It holds a
// big-endian TIFF IFD0 with the Orientation tag and a free-text
// ImageDescription, so tests can look for both in the output.
func withExif(jpg []byte, orientation uint16, text string) []byte {
	tiff := []byte("MM\x00\x2a")
	tiff = binary.BigEndian.AppendUint32(tiff, 8)
	tiff = binary.BigEndian.AppendUint16(tiff, 2)
	// Orientation, SHORT, count 1, value left-justified.
	tiff = binary.BigEndian.AppendUint16(tiff, 0x0112)
	tiff = binary.BigEndian.AppendUint16(tiff, 3)
	tiff = binary.BigEndian.AppendUint32(tiff, 1)
	tiff = binary.BigEndian.AppendUint16(tiff, orientation)
	tiff = append(tiff, 0, 0)
	// ImageDescription, ASCII, stored after the IFD.
	textOff := uint32(8 + 2 + 2*12 + 4)
	tiff = binary.BigEndian.AppendUint16(tiff, 0x010e)
	tiff = binary.BigEndian.AppendUint16(tiff, 2)
	tiff = binary.BigEndian.AppendUint32(tiff, uint32(len(text)+1))
	tiff = binary.BigEndian.AppendUint32(tiff, textOff)
	tiff = binary.BigEndian.AppendUint32(tiff, 0) // no next IFD
	tiff = append(tiff, text...)
	tiff = append(tiff, 0)
	seg := append([]byte("Exif\x00\x00"), tiff...)
	out := append([]byte{}, jpg[:2]...)
	out = append(out, 0xff, 0xe1)
	out = binary.BigEndian.AppendUint16(out, uint16(len(seg)+2))
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

// jpegMarkers lists the marker bytes of the segments before the scan.
func jpegMarkers(data []byte) []byte {
	var ms []byte
	for i := 2; i+4 <= len(data) && data[i] == 0xff; {
		m := data[i+1]
		ms = append(ms, m)
		if m == 0xda {
			break
		}
		i += 2 + int(binary.BigEndian.Uint16(data[i+2:]))
	}
	return ms
}

// patchJPEGSize rewrites the dimensions in the SOF0 header of a baseline JPEG.
func patchJPEGSize(data []byte, w, h uint16) []byte {
	out := append([]byte{}, data...)
	i := bytes.Index(out, []byte{0xff, 0xc0})
	binary.BigEndian.PutUint16(out[i+5:], h)
	binary.BigEndian.PutUint16(out[i+7:], w)
	return out
}

// patchGIFSize rewrites the logical screen size of a GIF.
func patchGIFSize(data []byte, w, h uint16) []byte {
	out := append([]byte{}, data...)
	binary.LittleEndian.PutUint16(out[6:], w)
	binary.LittleEndian.PutUint16(out[8:], h)
	return out
}
