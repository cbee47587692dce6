package web

import (
	"bytes"
	"encoding/base64"
	"html/template"
	"image/png"
	"sync"

	"github.com/bbrks/go-blurhash"
)

// pngBuffers lets PNG encoders reuse their compressor, which otherwise
// costs far more to allocate than such a tiny image costs to encode.
type pngBuffers struct{ pool sync.Pool }

func (p *pngBuffers) Get() *png.EncoderBuffer {
	if b, ok := p.pool.Get().(*png.EncoderBuffer); ok {
		return b
	}
	return nil
}

func (p *pngBuffers) Put(b *png.EncoderBuffer) { p.pool.Put(b) }

var blurEncoder = png.Encoder{CompressionLevel: png.BestSpeed, BufferPool: &pngBuffers{}}

// blurSide is the side of the decoded placeholder in pixels; the browser
// scales it up smoothly, which is all the blur a placeholder needs.
const blurSide = 8

// blurDataURI decodes a blurhash into a tiny PNG data URI (about 200 bytes)
// shown behind an image while it loads. A missing or malformed hash (it may
// come from another server) gives "".
func blurDataURI(hash string) (uri template.URL) {
	if len(hash) < 6 || len(hash) > 100 {
		return ""
	}
	defer func() {
		if recover() != nil { // a decoder bug must not take a page down
			uri = ""
		}
	}()
	img, err := blurhash.Decode(hash, blurSide, blurSide, 1)
	if err != nil {
		return ""
	}
	var buf bytes.Buffer
	if err := blurEncoder.Encode(&buf, img); err != nil {
		return ""
	}
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()))
}
