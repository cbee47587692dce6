package openai

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image"
	_ "image/gif" // registered for DecodeConfig
	_ "image/jpeg"
	_ "image/png"
	"io"
	"net/http"
	"net/url"

	goopenai "github.com/sashabaranov/go-openai"
	_ "golang.org/x/image/webp" // GPT image models answer in WebP on request

	"github.com/pictor-social/pictor/genimage"
	"github.com/pictor-social/pictor/internal/apperr"
)

var mediaTypes = map[string]string{"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp", "gif": "image/gif"}

// collect turns the answer's data items into checked images, decoding base64
// or downloading URLs, and returns the first revised prompt.
func (b *Backend) collect(ctx context.Context, items []goopenai.ImageResponseDataInner, progress func(genimage.Progress)) ([]genimage.Image, string, error) {
	if len(items) == 0 {
		return nil, "", apperr.Unavailable("the image service answered without any image")
	}
	var images []genimage.Image
	revised := ""
	for i, it := range items {
		var data []byte
		var err error
		switch {
		case it.B64JSON != "":
			data, err = base64.StdEncoding.DecodeString(it.B64JSON)
			if err != nil {
				return nil, "", apperr.Wrap(apperr.Unavailable("the image service sent a malformed image"), err)
			}
		case it.URL != "":
			genimage.Report(progress, genimage.Progress{Stage: genimage.StageDownloading, Fraction: float64(i) / float64(len(items))})
			if data, err = b.download(ctx, it.URL); err != nil {
				return nil, "", err
			}
		default:
			return nil, "", apperr.Unavailable("the image service sent an empty image entry")
		}
		img, err := b.check(data)
		if err != nil {
			return nil, "", err
		}
		images = append(images, img)
		if revised == "" {
			revised = it.RevisedPrompt
		}
	}
	return images, revised, nil
}

// check reads the image header: the bytes must be a known format within
// MaxImageBytes and MaxPixels.
func (b *Backend) check(data []byte) (genimage.Image, error) {
	if int64(len(data)) > b.opts.MaxImageBytes {
		return genimage.Image{}, apperr.Unavailable("the image service sent an image larger than %d bytes", b.opts.MaxImageBytes)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || mediaTypes[format] == "" {
		return genimage.Image{}, apperr.Wrap(apperr.Unavailable("the image service sent something that is not an image"), err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > b.opts.MaxPixels {
		return genimage.Image{}, apperr.Unavailable("the image service sent an image of %dx%d pixels", cfg.Width, cfg.Height)
	}
	return genimage.Image{Data: data, MediaType: mediaTypes[format], Width: cfg.Width, Height: cfg.Height}, nil
}

// download fetches an image the server answered with as a URL, resolved
// against BaseURL (LocalAI may answer with a path), bounded by
// DownloadTimeout and MaxImageBytes.
func (b *Backend) download(ctx context.Context, raw string) ([]byte, error) {
	base, _ := url.Parse(b.opts.BaseURL) // validated in withDefaults
	u, err := base.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, apperr.Unavailable("the image service sent an unusable image URL")
	}
	ctx, cancel := context.WithTimeout(ctx, b.opts.DownloadTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("build image download: %w", err)
	}
	resp, err := b.http.Do(req)
	if err != nil {
		return nil, apperr.Wrap(apperr.Unavailable("could not download the generated image"), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, apperr.Unavailable("could not download the generated image (status %d)", resp.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, b.opts.MaxImageBytes+1))
	if err != nil {
		return nil, apperr.Wrap(apperr.Unavailable("could not download the generated image"), err)
	}
	return data, nil // check rejects an oversize image
}
