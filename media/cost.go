package media

import (
	"encoding/binary"
	"image"
)

// Bytes of bookkeeping every decode and pipeline run may allocate besides
// pixel buffers: Huffman and LZW tables, zlib and flate state, encoder
// buffers for the preview.
const (
	decodeSlack   = 1 << 20
	pipelineSlack = 4 << 20
)

// processBytes estimates the most memory Process holds at once for data,
// whose header is f and cfg: the input bytes, what the decoder allocates, and
// the pipeline after it (see pipelineBytes). The estimate errs high, so a
// budget of these estimates bounds the real use; TestDecodeBytesBound checks
// it against the allocations of each decoder.
func processBytes(f format, cfg image.Config, data []byte, lim Limits) int64 {
	return int64(len(data)) + decodeBytes(f, cfg, data) + pipelineBytes(f.mediaType, cfg.Width, cfg.Height, lim)
}

// pipelineBytes is what derive allocates for a w×h source of type
// mediaType: the horizontal pass of resizeFrom (fitted width × source height,
// 8-bit RGBA), which is the result when no vertical pass is needed; at the
// fitted size, the vertical pass, the rotated copy of a JPEG, a shrunk copy
// when the encoding does not fit, and the encoder's output buffer (which may
// grow to twice an encoding of about a fitted image's bytes); then the small
// preview and encoder state.
func pipelineBytes(mediaType string, w, h int, lim Limits) int64 {
	fw, fh := fitSize(w, h, lim.MaxSide)
	fitted := 4 * int64(fw) * int64(fh)
	n := 4*int64(fw)*int64(h) + 3*fitted + pipelineSlack
	if fh < h {
		n += fitted
	}
	if mediaType == TypeJPEG {
		n += fitted
	}
	return n
}

// decodeBytes estimates what the decoder of f allocates for data: width ×
// height × bytes per pixel of the image type it returns (from the colour
// model and the bit depth in the header), plus the decoder's own whole-image
// buffers: a second image for interlaced PNG, DCT coefficients for
// progressive JPEG, the YCbCr planes a CMYK or RGB JPEG is converted from,
// the pixel and transform buffers of lossless WebP.
func decodeBytes(f format, cfg image.Config, data []byte) int64 {
	px := int64(cfg.Width) * int64(cfg.Height)
	var n int64
	switch f.mediaType {
	case TypePNG:
		n = pngDecodeBytes(px, data)
	case TypeJPEG:
		n = jpegDecodeBytes(cfg.Width, cfg.Height, data)
	case TypeGIF:
		n = px // one paletted frame, at most the logical screen
	case TypeWebP:
		n = webpDecodeBytes(cfg.Width, cfg.Height, data)
	}
	return n + decodeSlack
}

// pngDecodeBytes follows image/png: 8-bit images decode to Gray, Paletted,
// RGBA or NRGBA; 16-bit ones to Gray16, RGBA64 or NRGBA64; grayscale and
// truecolour with a tRNS chunk widen to NRGBA(64). Adam7 decodes each pass
// into its own image before merging, up to one more image in all.
func pngDecodeBytes(px int64, data []byte) int64 {
	// IHDR is the first chunk: bit depth at 24, colour type at 25, interlace at 28.
	if len(data) < 29 {
		return 8 * px
	}
	depth, colorType, interlaced := data[24], data[25], data[28] != 0
	bpp := int64(4)
	switch {
	case colorType == 3:
		bpp = 1
	case colorType == 0 && !pngHasTRNS(data):
		bpp = 1
	}
	if depth == 16 {
		bpp *= 2
	}
	n := bpp * px
	if interlaced {
		n *= 2
	}
	return n
}

// pngHasTRNS reports whether a tRNS chunk comes before the first IDAT (or the
// chunk list cannot be followed, to err high).
func pngHasTRNS(data []byte) bool {
	for i := 8; i+8 <= len(data); {
		n := int64(binary.BigEndian.Uint32(data[i:]))
		switch string(data[i+4 : i+8]) {
		case "tRNS":
			return true
		case "IDAT":
			return false
		}
		next := int64(i) + 12 + n
		if next > int64(len(data)) {
			return true
		}
		i = int(next)
	}
	return true
}

// jpegFrame is what the decoder's memory depends on, read from the markers.
type jpegFrame struct {
	progressive bool
	comps       int
	ids         [4]byte
	h, v        [4]int
	jfif        bool // the last APP0 is JFIF
	adobe       bool // an Adobe APP14 was seen
	transform   byte // its colour transform (the last one wins)
}

// jpegDecodeBytes follows image/jpeg: planes of 8×8 blocks per component,
// sized to whole MCUs; progressive files keep 64 int32 coefficients per block
// of every component until the end; CMYK and RGB files are decoded to YCbCr
// planes (plus a black plane) and then converted to a 4-byte-per-pixel image.
func jpegDecodeBytes(w, h int, data []byte) int64 {
	fr, ok := readJPEGFrame(data)
	if !ok {
		return 32 * int64(w) * int64(h) // unreadable markers: the decoder will refuse it; err high meanwhile
	}
	h0, v0 := 1, 1
	for i := range fr.comps {
		h0, v0 = max(h0, fr.h[i]), max(v0, fr.v[i])
	}
	mxx := int64((w + 8*h0 - 1) / (8 * h0))
	myy := int64((h + 8*v0 - 1) / (8 * v0))
	var planes int64
	for i := range fr.comps {
		planes += 64 * int64(fr.h[i]) * int64(fr.v[i]) * mxx * myy
	}
	n := planes
	if fr.progressive {
		n += 4 * planes // one int32 per sample
	}
	rgb := fr.comps == 3 && !fr.jfif && ((fr.adobe && fr.transform == 0) ||
		fr.ids == [4]byte{'R', 'G', 'B'})
	if fr.comps == 4 || rgb {
		n += 4 * int64(w) * int64(h)
	}
	return n
}

// readJPEGFrame walks every marker of a JPEG file, skipping segments by their
// length and entropy-coded data by its byte stuffing, and collects the frame
// header and the APP0/APP14 segments the decoder's colour handling reads.
func readJPEGFrame(data []byte) (jpegFrame, bool) {
	var fr jpegFrame
	i := 2
	for i+2 <= len(data) {
		if data[i] != 0xff {
			return fr, fr.comps > 0 // trailing garbage after the image is the decoder's business
		}
		m := data[i+1]
		switch {
		case m == 0xff:
			i++
			continue
		case m == 0xd9:
			return fr, fr.comps > 0
		case m == 0x01 || m == 0xd8 || (m >= 0xd0 && m <= 0xd7):
			i += 2
			continue
		}
		if i+4 > len(data) {
			return fr, fr.comps > 0
		}
		n := int(binary.BigEndian.Uint16(data[i+2:]))
		if n < 2 || i+2+n > len(data) {
			return fr, fr.comps > 0
		}
		seg := data[i+4 : i+2+n]
		fr.note(m, seg)
		i += 2 + n
		if m == 0xda {
			i = skipEntropyData(data, i)
		}
	}
	return fr, fr.comps > 0
}

// note records what segment m with body seg says about the frame.
func (fr *jpegFrame) note(m byte, seg []byte) {
	switch {
	case m >= 0xc0 && m <= 0xc2 && fr.comps == 0 && len(seg) >= 6:
		fr.progressive = m == 0xc2
		nc := int(seg[5])
		if nc < 1 || nc > 4 || len(seg) < 6+3*nc {
			return
		}
		fr.comps = nc
		for c := range nc {
			fr.ids[c] = seg[6+3*c]
			fr.h[c], fr.v[c] = int(seg[7+3*c]>>4), int(seg[7+3*c]&0x0f)
			if nc == 1 {
				fr.h[c], fr.v[c] = 1, 1 // image/jpeg treats grayscale as 1×1
			}
		}
	case m == 0xe0:
		fr.jfif = len(seg) >= 5 && string(seg[:5]) == "JFIF\x00"
	case m == 0xee && len(seg) >= 12 && string(seg[:5]) == "Adobe":
		fr.adobe, fr.transform = true, seg[11]
	}
}

// skipEntropyData returns the offset of the first marker at or after i that
// is neither a stuffed 0xFF00 nor a restart marker.
func skipEntropyData(data []byte, i int) int {
	for ; i+1 < len(data); i++ {
		if data[i] != 0xff {
			continue
		}
		if m := data[i+1]; m != 0x00 && m != 0xff && (m < 0xd0 || m > 0xd7) {
			return i
		}
	}
	return len(data)
}

// webpDecodeBytes follows x/image/webp: lossy (VP8) decodes to 4:2:0 YCbCr
// over whole 16×16 macroblocks, plus an alpha plane, which when compressed is
// first decoded as a whole lossless image; lossless (VP8L) decodes to NRGBA
// and its colour-indexing transform writes a second buffer. The decoder also
// copies the image chunk, at most the file.
func webpDecodeBytes(w, h int, data []byte) int64 {
	px := int64(w) * int64(h)
	lossless, alpha := webpChunks(data)
	var n int64
	if lossless {
		n = 8 * px
	}
	if !lossless || alpha { // both only when the chunks could not be read
		mbw, mbh := int64((w+15)/16), int64((h+15)/16)
		lossy := 256 * mbw * mbh * 3 / 2
		if alpha {
			lossy += px + 8*px
		}
		n = max(n, lossy)
	}
	return int64(len(data)) + n
}

// webpChunks reports whether the RIFF container holds a VP8L image chunk and
// an ALPH chunk; an unreadable chunk list reports both, to err high.
func webpChunks(data []byte) (lossless, alpha bool) {
	for i := 12; i+8 <= len(data); {
		n := int64(binary.LittleEndian.Uint32(data[i+4:]))
		switch string(data[i : i+4]) {
		case "VP8L":
			lossless = true
		case "ALPH":
			alpha = true
		}
		next := int64(i) + 8 + n + n&1
		switch {
		case next == int64(len(data))+1 && n&1 == 1: // last chunk without its pad byte
			return lossless, alpha
		case next > int64(len(data)):
			return true, true
		}
		i = int(next)
	}
	return lossless, alpha
}
