package web

import (
	"bytes"
	"encoding/base64"
	"html/template"
	"image/png"

	"github.com/bbrks/go-blurhash"
)

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
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, img); err != nil {
		return ""
	}
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()))
}
