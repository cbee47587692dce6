package fakeopenai

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image/color"
	"io"
	"net/http"
	"time"
)

// Streamed answers follow the Images API with "stream": true: server-sent
// events of type image_generation.partial_image, then one
// image_generation.completed with the final image and usage.

// PartialPNG returns the preview the streamed replies send as partial image
// i (0-based): a PNG of a colour that differs per index and from the final
// image, so tests can tell them apart.
func PartialPNG(i int) []byte {
	return PNG(ImageSize, ImageSize, color.RGBA{R: uint8(40 * i), G: 120, B: 200, A: 255})
}

// FinalPNG returns the image the completed event of streamed replies
// carries (the same bytes as ImageB64's).
func FinalPNG() []byte { return PNG(ImageSize, ImageSize, testColour) }

// StreamOptions shape a streamed answer.
type StreamOptions struct {
	// Partials is the number of partial_image events; -1 sends as many as
	// the request's partial_images.
	Partials int
	// Hold, when not nil, holds the stream after the partial images until it
	// is closed (or the client or the test goes away).
	Hold <-chan struct{}
	// End is what follows the partial images: EndCompleted (""), EndBreak or
	// EndRefused.
	End string
	// Stage and Categories describe the refusal of EndRefused.
	Stage      string
	Categories []string
}

// Endings of a streamed answer.
const (
	EndCompleted = ""         // an image_generation.completed event
	EndBreak     = "break"    // the connection ends without a final event
	EndRefused   = "refused"  // an error event with code moderation_blocked
	EndTooLarge  = "toolarge" // one endless data line without a line break
)

// Stream answers 200 text/event-stream as GPT image models do with
// "stream": true and partial_images.
func Stream(o StreamOptions) Reply {
	return func(s *Server, w http.ResponseWriter, r *http.Request) {
		var req struct {
			PartialImages int `json:"partial_images"`
		}
		_ = json.Unmarshal(peekBody(r), &req)
		n := o.Partials
		if n < 0 {
			n = req.PartialImages
		}
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-cache")
		w.WriteHeader(http.StatusOK)
		fl, _ := w.(http.Flusher)
		for i := range n {
			writeEvent(w, "image_generation.partial_image", streamFields(PartialPNG(i), map[string]any{"partial_image_index": i}))
			fl.Flush()
		}
		if o.Hold != nil {
			select {
			case <-o.Hold:
			case <-r.Context().Done():
				return
			case <-s.done:
				return
			}
		}
		switch o.End {
		case EndBreak:
			fmt.Fprint(w, "event: image_generation.partial_image\ndata: {\"type\":\"image_generation.part")
		case EndRefused:
			writeEvent(w, "error", map[string]any{"type": "error", "error": map[string]any{
				"type": "image_generation_user_error", "code": "moderation_blocked", "param": nil,
				"message":            "Your request was rejected by the safety system.",
				"moderation_details": map[string]any{"moderation_stage": o.Stage, "categories": o.Categories},
			}})
		case EndTooLarge:
			fmt.Fprint(w, "data: ")
			chunk := bytes.Repeat([]byte("A"), 64<<10)
			for range 1 << 12 { // up to 256 MiB, or until the client hangs up
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		default:
			writeEvent(w, "image_generation.completed", streamFields(FinalPNG(), map[string]any{"usage": map[string]any{
				"input_tokens": UsageInput, "output_tokens": UsageOutput, "total_tokens": UsageTotal,
				"input_tokens_details": map[string]any{"text_tokens": UsageInput, "image_tokens": 0},
			}}))
		}
	}
}

// streamFields returns an event's fields: the image and the settings
// every image event repeats, plus extra.
func streamFields(img []byte, extra map[string]any) map[string]any {
	m := map[string]any{"b64_json": base64.StdEncoding.EncodeToString(img), "created_at": time.Now().Unix(),
		"size": "1024x1024", "quality": "low", "background": "opaque", "output_format": "png"}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

// writeEvent writes one server-sent event whose data is v with "type" set.
func writeEvent(w io.Writer, typ string, v map[string]any) {
	if _, ok := v["type"]; !ok {
		v["type"] = typ
	}
	b, _ := json.Marshal(v)
	fmt.Fprintf(w, "event: %s\ndata: %s\n\n", typ, b)
}

// wantsStream reports whether the request asked for "stream": true.
func wantsStream(r *http.Request) bool {
	var req struct {
		Stream bool `json:"stream"`
	}
	return json.Unmarshal(peekBody(r), &req) == nil && req.Stream
}

// peekBody returns the request body and leaves it readable again.
func peekBody(r *http.Request) []byte {
	b, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(b))
	return b
}
