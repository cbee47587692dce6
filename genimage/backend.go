// Package genimage turns prompts into images: it defines the Backend and
// Moderator interfaces that the generation backends (genimage/builtin,
// genimage/openai) implement, the refusal error shown to users, and a local
// word-list moderator.
package genimage

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// Request is one generation request. Backends ignore fields they cannot
// honour (for example NegativePrompt on the OpenAI Images API, Seed on any
// provider that cannot take one); zero values mean "backend default".
type Request struct {
	Prompt         string
	NegativePrompt string
	Seed           int64
	Size           string // "WIDTHxHEIGHT" such as "1024x1024"; "" or "auto" lets the backend choose
	Quality        string // provider vocabulary: "low", "medium", "high", "auto"
	N              int    // number of images; 0 means 1
	User           string // opaque end-user id for the provider's abuse monitoring; never a name or handle
}

// Count returns the number of images asked for, at least 1.
func (r Request) Count() int {
	if r.N < 1 {
		return 1
	}
	return r.N
}

// Image is one generated image. Data holds the backend's bytes verbatim, so a
// provider's signed C2PA manifest survives; MediaType and the dimensions were
// read from those bytes, never trusted from the provider's description.
type Image struct {
	Data      []byte
	MediaType string // "image/png", "image/jpeg", "image/webp" or "image/gif"
	Width     int
	Height    int
}

// Usage holds the provider's token counts for one job; all zero when the
// backend reports none (builtin, most self-hosted servers).
type Usage struct {
	InputTokens  int
	OutputTokens int
	TotalTokens  int
}

// IPTC digital source types for schema:digitalSourceType labels (product.md 4.1).
const (
	// SourceTrainedAlgorithmic marks media made by a model trained on sampled data.
	SourceTrainedAlgorithmic = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
	// SourceAlgorithmic marks media made purely by an algorithm without training data.
	SourceAlgorithmic = "http://cv.iptc.org/newscodes/digitalsourcetype/algorithmicMedia"
)

// Provenance says what made an image, for the labels on every post.
type Provenance struct {
	Backend           string // "builtin", "openai", "localai", "openai-compatible"
	Model             string // never empty, e.g. "gpt-image-1" or "pictor-abstract-1"
	DigitalSourceType string // one of the Source* IRIs
}

// Result is what a successful generation returns. Images is never empty.
// RevisedPrompt is the provider's rewrite of the prompt, or "".
type Result struct {
	Images        []Image
	RevisedPrompt string
	Provenance    Provenance
	Usage         Usage
}

// Progress stages reported through the progress callback.
const (
	StageQueued      = "queued"      // the job waits for a worker (reported by the runner)
	StageRequesting  = "requesting"  // a request to the provider is in flight
	StageWaiting     = "waiting"     // the provider asked us to back off; a retry follows
	StageDownloading = "downloading" // fetching images the provider answered with as URLs
	StageRendering   = "rendering"   // a local backend is drawing
	StageDone        = "done"        // images are ready
)

// Progress reports how far a generation has got. Fraction is in [0,1] and only
// a rough guide. Partial, when not nil, is a preview image from a provider
// that streams partial images.
type Progress struct {
	Stage    string
	Partial  *Image
	Fraction float64
}

// Backend generates images. Implementations are safe for concurrent use.
//
// Generate returns a *RefusalError (final, never worth a retry) when the
// provider's safety system refuses the prompt or its output, an error carrying
// an apperr message for other failures a user can understand (busy, timed out,
// misconfigured), and respects ctx throughout. progress may be nil; it is
// called synchronously from the generating goroutine.
type Backend interface {
	Name() string
	Model() string
	Generate(ctx context.Context, req Request, progress func(Progress)) (Result, error)
}

// Report calls progress with p unless progress is nil. Backends use it so
// that callers may pass a nil callback.
func Report(progress func(Progress), p Progress) {
	if progress != nil {
		progress(p)
	}
}

// ParseSize parses "WIDTHxHEIGHT". It returns ok=false for "", "auto" and
// anything malformed or non-positive.
func ParseSize(s string) (width, height int, ok bool) {
	ws, hs, found := strings.Cut(strings.ToLower(strings.TrimSpace(s)), "x")
	if !found {
		return 0, 0, false
	}
	w, err1 := strconv.Atoi(ws)
	h, err2 := strconv.Atoi(hs)
	if err1 != nil || err2 != nil || w <= 0 || h <= 0 {
		return 0, 0, false
	}
	return w, h, true
}

// FormatSize is the inverse of ParseSize.
func FormatSize(width, height int) string {
	return fmt.Sprintf("%dx%d", width, height)
}
