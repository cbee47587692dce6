package mastoapi

import (
	"context"
	"errors"
	"io"

	"github.com/pictor-social/pictor/genimage"
	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/store"
)

// Remix parameters of POST /api/v1/pictor/generations (issue 12):
//
//	source_status_id  remix this post (visible to the caller, local or
//	                  remote): its first image is the source
//	source_media_id   start from this image instead: an attachment of a
//	                  visible post, or the caller's own upload or draft
//	prompt_only       true: keep the lineage but generate from the prompt
//	mask              PNG of the source's size (multipart file or base64
//	                  data: URI); transparent pixels may change
//	mask_media_id     or the caller's uploaded mask
//
// The post made from the job's media (POST /api/v1/statuses with its
// media_ids) carries pictor.remix_of. A backend that cannot edit images
// answers 422 "this image server cannot edit images" unless prompt_only.

// remixInput reads the remix parameters; nil when there are none.
func (g generations) remixInput(p params) (*genimage.RemixInput, error) {
	var in genimage.RemixInput
	var err error
	if s := p.str("source_status_id"); s != "" {
		if in.StatusID, err = pathID(s); err != nil {
			return nil, apperr.NotFound("source post not found")
		}
	}
	if s := p.str("source_media_id"); s != "" {
		if in.MediaID, err = pathID(s); err != nil {
			return nil, apperr.NotFound("source image not found")
		}
	}
	in.PromptOnly = p.boolean("prompt_only")
	mask, closer, err := p.image("mask", genimage.MaxMaskBytes)
	if err != nil {
		return nil, err
	}
	if closer != nil {
		defer closer.Close()
	}
	if mask != nil {
		if in.Mask, err = io.ReadAll(io.LimitReader(mask, genimage.MaxMaskBytes+1)); err != nil {
			return nil, err
		}
	}
	if s := p.str("mask_media_id"); s != "" {
		if in.MaskMediaID, err = pathID(s); err != nil {
			return nil, apperr.NotFound("mask not found")
		}
	}
	if in.StatusID == 0 && in.MediaID == 0 {
		if len(in.Mask) > 0 || in.MaskMediaID != 0 {
			return nil, apperr.Invalid("a mask needs source_status_id or source_media_id")
		}
		return nil, nil
	}
	return &in, nil
}

// GenerationRemix is what a Generation says about its source: the post it
// remixes and the image it starts from (null for a new image, or a
// prompt-only remix's image).
type GenerationRemix struct {
	SourceStatusID *string `json:"source_status_id"`
	SourceMediaID  *string `json:"source_media_id"`
}

func (g generations) remixFields(ctx context.Context, jobID string, out *GenerationRemix) error {
	src, err := g.h.db.JobSourceOf(ctx, jobID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if src.RemixStatusID != 0 {
		id := store.FormatID(src.RemixStatusID)
		out.SourceStatusID = &id
	}
	if src.MediaID != 0 {
		id := store.FormatID(src.MediaID)
		out.SourceMediaID = &id
	}
	return nil
}
