package openai

import (
	"context"
	"net/http"
	"strings"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/pictor-social/pictor/genimage"
)

// Backend generates images through the OpenAI Images API or a compatible
// server. It is safe for concurrent use.
//
// Progress is coarse (requesting, waiting, downloading, done), except when
// Options.PartialImages asks a GPT image model on OpenAI to stream: each
// preview then arrives as a Progress.Partial (see stream.go; go-openai
// v1.43.0 has no streaming image call).
type Backend struct {
	caller
	name string
}

// New returns a Backend for opts. httpClient carries API calls and image
// downloads (pass the safehttp client; nil means http.DefaultClient); its own
// Timeout is ignored in favour of opts.Timeout and opts.DownloadTimeout. It
// fails with ErrNoAPIKey for ProfileOpenAI without a key, and on an unknown
// profile or a malformed base URL.
func New(opts Options, httpClient *http.Client) (*Backend, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if o.Profile == ProfileOpenAI && o.APIKey == "" {
		return nil, ErrNoAPIKey
	}
	name := map[string]string{ProfileOpenAI: "openai", ProfileLocalAI: "localai", ProfileGeneric: "openai-compatible"}[o.Profile]
	return &Backend{caller: newCaller(o, httpClient), name: name}, nil
}

// Name returns "openai", "localai" or "openai-compatible" after the profile.
func (b *Backend) Name() string { return b.name }

// Model returns the configured model, or Name() when a self-hosted server
// picks its own.
func (b *Backend) Model() string {
	if b.opts.Model == "" {
		return b.name
	}
	return b.opts.Model
}

// Generate asks the server for req.Count() images and returns them verbatim
// after checking that each is a PNG, JPEG, WebP or GIF within MaxPixels. It
// retries 429 and 5xx answers up to MaxRetries times, honouring Retry-After;
// a safety refusal is returned at once as a *genimage.RefusalError. Other
// failures carry an apperr message (busy, out of credit, timed out,
// misconfigured, malformed answer). req.Seed is not sent: go-openai v1.43.0's
// ImageRequest has no seed field.
//
// With Options.PartialImages > 0, the openai profile and one image, the
// request streams: previews are reported as they come, and the final image
// is the stream's completed image, kept byte for byte.
//
// Several images are asked for with n where the server takes it (takesN);
// otherwise Generate makes one call per image at once (variants.go).
func (b *Backend) Generate(ctx context.Context, req genimage.Request, progress func(genimage.Progress)) (genimage.Result, error) {
	if req.Count() > 1 && !b.takesN() {
		return b.generateEach(ctx, req, progress)
	}
	return b.generateOnce(ctx, req, progress)
}

// generateOnce makes all of req's images in one request.
func (b *Backend) generateOnce(ctx context.Context, req genimage.Request, progress func(genimage.Progress)) (genimage.Result, error) {
	if b.streams(req) {
		return b.generateStream(ctx, req, progress)
	}
	ireq := b.imageRequest(req)
	var resp goopenai.ImageResponse
	genimage.Report(progress, genimage.Progress{Stage: genimage.StageRequesting})
	err := b.call(ctx, b.opts.Timeout, b.answerLimit(req), progress, func(ctx context.Context, cl *goopenai.Client) error {
		var err error
		resp, err = cl.CreateImage(ctx, ireq)
		return err
	})
	if err != nil {
		return genimage.Result{}, err
	}
	return b.finish(ctx, resp, progress)
}

// answerLimit bounds the JSON answer carrying req's images: base64
// inflates each by 4/3.
func (b *Backend) answerLimit(req genimage.Request) int64 {
	return int64(req.Count())*(b.opts.MaxImageBytes*4/3+1024) + 64<<10
}

// finish checks (or downloads) the images of an Images API answer and
// returns them as a Result with the answer's usage.
func (b *Backend) finish(ctx context.Context, resp goopenai.ImageResponse, progress func(genimage.Progress)) (genimage.Result, error) {
	images, revised, err := b.collect(ctx, resp.Data, progress)
	if err != nil {
		return genimage.Result{}, err
	}
	genimage.Report(progress, genimage.Progress{Stage: genimage.StageDone, Fraction: 1})
	return b.result(images, revised, genimage.Usage{
		InputTokens: resp.Usage.InputTokens, OutputTokens: resp.Usage.OutputTokens, TotalTokens: resp.Usage.TotalTokens,
	}), nil
}

// result wraps checked images in a Result with this backend's provenance.
func (b *Backend) result(images []genimage.Image, revised string, usage genimage.Usage) genimage.Result {
	return genimage.Result{
		Images:        images,
		RevisedPrompt: revised,
		Provenance: genimage.Provenance{
			Backend: b.name, Model: b.Model(), DigitalSourceType: genimage.SourceTrainedAlgorithmic,
		},
		Usage: usage,
	}
}

// imageRequest sends only what the profile's server takes (product.md 3.7).
func (b *Backend) imageRequest(req genimage.Request) goopenai.ImageRequest {
	o := b.opts
	size := firstNonEmpty(req.Size, o.Size)
	ir := goopenai.ImageRequest{Prompt: req.Prompt, Model: o.Model, N: req.Count(), Size: size}
	switch o.Profile {
	case ProfileOpenAI:
		if req.NegativePrompt != "" { // GPT image models take no negative prompt; say it in words
			ir.Prompt += "\n\nAvoid: " + req.NegativePrompt
		}
		ir.Quality = firstNonEmpty(req.Quality, o.Quality)
		ir.OutputFormat = o.OutputFormat
		if o.OutputFormat == goopenai.CreateImageOutputFormatJPEG || o.OutputFormat == goopenai.CreateImageOutputFormatWEBP {
			ir.OutputCompression = o.OutputCompression
		}
		ir.Background = o.Background
		ir.User = req.User
	case ProfileLocalAI:
		if req.NegativePrompt != "" {
			ir.Prompt += "|" + req.NegativePrompt
		}
		ir.ResponseFormat = goopenai.CreateImageResponseFormatB64JSON
	}
	if strings.EqualFold(size, "auto") && o.Profile != ProfileOpenAI {
		ir.Size = "" // only OpenAI knows "auto"; LocalAI would fall back to 512x512
	}
	return ir
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
