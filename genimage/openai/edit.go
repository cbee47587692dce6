package openai

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strconv"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/pictor-social/pictor/genimage"
	"github.com/pictor-social/pictor/internal/openaihttp"
)

// CanEdit reports whether the configured server takes image edits: OpenAI's
// /v1/images/edits with GPT image models. LocalAI and generic compatible
// servers are not assumed to have it (remixes there use the prompt alone).
func (b *Backend) CanEdit() bool { return b.opts.Profile == ProfileOpenAI }

// Edit sends the source image (and mask) with the prompt to /images/edits
// as a multipart form, with the same options, retries, bounds and refusal
// handling as Generate. A server answering 404 or 405 there has no edits:
// the error is genimage.CannotEdit's (422), never retried. go-openai's
// CreateEditImage is not used: it always sends response_format, which GPT
// image models reject.
func (b *Backend) Edit(ctx context.Context, req genimage.Request, in genimage.EditInput, progress func(genimage.Progress)) (genimage.Result, error) {
	if !b.CanEdit() {
		return genimage.Result{}, genimage.CannotEdit(nil)
	}
	body, ctype, err := b.editForm(req, in)
	if err != nil {
		return genimage.Result{}, err
	}
	limit := b.answerLimit(req)
	var resp goopenai.ImageResponse
	genimage.Report(progress, genimage.Progress{Stage: genimage.StageRequesting})
	err = b.retry(ctx, b.opts.Timeout, progress, func(ctx context.Context) (attempt, error) {
		var last attempt
		var err error
		resp, last, err = b.editOnce(ctx, body, ctype, limit)
		return last, err
	})
	if err != nil {
		return genimage.Result{}, err
	}
	return b.finish(ctx, resp, progress)
}

// editForm builds the multipart body: image, mask and the fields Generate
// would send for the profile.
func (b *Backend) editForm(req genimage.Request, in genimage.EditInput) ([]byte, string, error) {
	ir := b.imageRequest(req)
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	file := func(field, name, mediaType string, data []byte) error {
		h := make(textproto.MIMEHeader)
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, field, name))
		h.Set("Content-Type", mediaType)
		w, err := mw.CreatePart(h)
		if err == nil {
			_, err = w.Write(data)
		}
		return err
	}
	mt := in.Image.MediaType
	if mt == "" || mt == "application/octet-stream" {
		mt = http.DetectContentType(in.Image.Data)
	}
	if err := file("image", "image"+extOf(mt), mt, in.Image.Data); err != nil {
		return nil, "", fmt.Errorf("build edit form: %w", err)
	}
	if len(in.Mask) > 0 {
		if err := file("mask", "mask.png", "image/png", in.Mask); err != nil {
			return nil, "", fmt.Errorf("build edit form: %w", err)
		}
	}
	fields := [][2]string{{"prompt", ir.Prompt}, {"model", ir.Model}, {"n", strconv.Itoa(ir.N)}, {"size", ir.Size},
		{"quality", ir.Quality}, {"output_format", ir.OutputFormat}, {"background", ir.Background}, {"user", ir.User}}
	if ir.OutputCompression > 0 {
		fields = append(fields, [2]string{"output_compression", strconv.Itoa(ir.OutputCompression)})
	}
	for _, f := range fields {
		if f[1] == "" {
			continue
		}
		if err := mw.WriteField(f[0], f[1]); err != nil {
			return nil, "", fmt.Errorf("build edit form: %w", err)
		}
	}
	if err := mw.Close(); err != nil {
		return nil, "", fmt.Errorf("build edit form: %w", err)
	}
	return buf.Bytes(), mw.FormDataContentType(), nil
}

func extOf(mediaType string) string {
	for ext, mt := range mediaTypes {
		if mt == mediaType {
			return "." + ext
		}
	}
	return ".png"
}

// editOnce makes one edits request and decodes its answer within limit.
func (b *Backend) editOnce(ctx context.Context, body []byte, ctype string, limit int64) (goopenai.ImageResponse, attempt, error) {
	var out goopenai.ImageResponse
	hreq, err := b.newPost(ctx, "/images/edits", body, ctype)
	if err != nil {
		return out, attempt{}, fmt.Errorf("build edit request: %w", err)
	}
	doer := openaihttp.NewDoer(b.http, limit)
	resp, err := doer.Do(hreq)
	if err != nil {
		return out, attempt{}, fmt.Errorf("post edit request: %w", err)
	}
	defer resp.Body.Close()
	last := doer.Last()
	switch {
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusMethodNotAllowed:
		return out, last, genimage.CannotEdit(fmt.Errorf("edits answered %d", resp.StatusCode))
	case resp.StatusCode >= http.StatusBadRequest:
		return out, last, &streamFailure{status: resp.StatusCode, code: errorCode(last.ErrBody), body: last.ErrBody}
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return out, last, fmt.Errorf("decode edit answer: %w", err)
	}
	return out, last, nil
}
