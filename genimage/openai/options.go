// Package openai is the only importer of github.com/sashabaranov/go-openai.
// It provides a genimage.Backend for the OpenAI Images API (GPT image models)
// and for OpenAI-compatible servers such as LocalAI and stable-diffusion.cpp's
// sd-server, and a genimage.Moderator backed by the Moderations endpoint.
package openai

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"time"
)

// Profiles say which parameters a server takes (product.md 3.7).
const (
	// ProfileOpenAI is api.openai.com with GPT image models: model, size,
	// quality, output_format, output_compression, background and user are sent.
	ProfileOpenAI = "openai"
	// ProfileLocalAI is LocalAI: model, size and n are sent, b64_json is asked
	// for, and a negative prompt travels as "prompt|negative".
	ProfileLocalAI = "localai"
	// ProfileGeneric is any other compatible server: only prompt, model (if
	// set), n and size are sent.
	ProfileGeneric = "generic"
)

// Defaults applied by New for zero fields.
const (
	DefaultBaseURL           = "https://api.openai.com/v1"
	DefaultModel             = "gpt-image-1" // for ProfileOpenAI only
	DefaultModerationModel   = "omni-moderation-latest"
	DefaultTimeout           = 5 * time.Minute
	DefaultModerationTimeout = 30 * time.Second
	DefaultDownloadTimeout   = time.Minute
	DefaultMaxRetries        = 3
	DefaultMaxRetryWait      = time.Minute
	DefaultMaxImageBytes     = 50 << 20
	DefaultMaxPixels         = 40_000_000
	apiKeyEnv                = "OPENAI_API_KEY"
)

// ErrNoAPIKey is returned by New for ProfileOpenAI and by NewModerator when
// neither Options.APIKey nor $OPENAI_API_KEY holds a key. Callers fall back to
// the builtin backend or a word list.
var ErrNoAPIKey = errors.New("no OpenAI API key configured")

// Options configure the backend and the moderator. Zero values take the
// defaults above; request fields (Size, Quality) override Size and Quality.
type Options struct {
	APIKey            string        // "" means $OPENAI_API_KEY; may stay empty for self-hosted servers
	BaseURL           string        // API root including "/v1"
	Model             string        // free text; "" lets a self-hosted server choose
	Size              string        // default size, e.g. "1024x1024"
	Quality           string        // "low", "medium", "high", "auto"
	OutputFormat      string        // "png", "jpeg", "webp"
	OutputCompression int           // 0-100, sent only with jpeg or webp
	Background        string        // "transparent", "opaque", "auto"
	Profile           string        // ProfileOpenAI (default), ProfileLocalAI or ProfileGeneric
	Timeout           time.Duration // per attempt; generation can take minutes
	MaxRetries        int           // retries after a 429 or 5xx; negative disables them
	MaxRetryWait      time.Duration // cap on one wait, whatever Retry-After says
	ModerationModel   string
	ModerationTimeout time.Duration // per moderation attempt
	DownloadTimeout   time.Duration // per image answered as a URL
	MaxImageBytes     int64         // per image; the whole answer may hold N of them in base64
	MaxPixels         int           // per image, checked from the header before anything is decoded
	// PartialImages (0-3) asks GPT image models on ProfileOpenAI to stream
	// that many previews of a one-image request; 0 does not stream. Other
	// profiles ignore it.
	PartialImages int
}

// withDefaults fills zero fields, resolves the API key and validates.
func (o Options) withDefaults() (Options, error) {
	if o.APIKey == "" {
		o.APIKey = os.Getenv(apiKeyEnv)
	}
	if o.Profile == "" {
		o.Profile = ProfileOpenAI
	}
	switch o.Profile {
	case ProfileOpenAI:
		if o.Model == "" {
			o.Model = DefaultModel
		}
	case ProfileLocalAI, ProfileGeneric:
	default:
		return o, fmt.Errorf("unknown image backend profile %q (want openai, localai or generic)", o.Profile)
	}
	if o.BaseURL == "" {
		o.BaseURL = DefaultBaseURL
	}
	if u, err := url.Parse(o.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return o, fmt.Errorf("image backend base_url %q is not an http(s) URL", o.BaseURL)
	}
	if o.PartialImages < 0 || o.PartialImages > 3 {
		return o, fmt.Errorf("image backend partial_images %d is not between 0 and 3", o.PartialImages)
	}
	setDefault(&o.ModerationModel, DefaultModerationModel)
	setDefault(&o.Timeout, DefaultTimeout)
	setDefault(&o.ModerationTimeout, DefaultModerationTimeout)
	setDefault(&o.DownloadTimeout, DefaultDownloadTimeout)
	setDefault(&o.MaxRetryWait, DefaultMaxRetryWait)
	setDefault(&o.MaxImageBytes, DefaultMaxImageBytes)
	setDefault(&o.MaxPixels, DefaultMaxPixels)
	switch {
	case o.MaxRetries == 0:
		o.MaxRetries = DefaultMaxRetries
	case o.MaxRetries < 0:
		o.MaxRetries = 0
	}
	return o, nil
}

func setDefault[T comparable](p *T, v T) {
	var zero T
	if *p == zero {
		*p = v
	}
}
