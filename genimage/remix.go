package genimage

import (
	"bytes"
	"context"
	"errors"
	"image"
	_ "image/gif" // registered for DecodeConfig of source images
	_ "image/jpeg"
	_ "image/png"
	"net/http"

	_ "golang.org/x/image/webp"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/store"
)

// Remixes (issue 12)
//
// A remix job starts from a post: with its image (sent to the backend's
// image edits, optionally with a mask) or with the prompt alone. Either way
// the post the job makes, or the post a front end makes from its media,
// names the source (social/remix.go), which federates as pictor:remixOf.

// RemixInput asks for a remix. At least one of StatusID, MediaID and URL is
// set.
type RemixInput struct {
	StatusID    int64  // the post to remix; its first image is the source unless MediaID or PromptOnly says otherwise
	MediaID     int64  // the image to start from: an attachment of a visible post, or the requester's own upload
	URL         string // the address of a post or of one of its images (/imagine … --from URL)
	PromptOnly  bool   // keep the lineage, generate from the prompt alone
	Mask        []byte // optional PNG of the source's size; transparent pixels may change
	MaskMediaID int64  // or the requester's own uploaded mask
}

// SourceImages loads the bytes of an attachment, local or remote
// (media.RemoteCache.SourceImage: bounded, through the guarded client).
type SourceImages interface {
	SourceImage(ctx context.Context, m store.MediaAttachment) ([]byte, error)
}

// maxSourcePixels bounds a source image, checked from its header before the
// backend decodes it.
const maxSourcePixels = 40_000_000

// checkRemix resolves and checks req.Remix for the requester: the post must
// be visible to them, an unattached image their own, the backend able to
// edit when an image is used, and a mask a PNG of the source's size. It
// returns nil for a request that remixes nothing. Errors are apperr values.
func (s *Service) checkRemix(ctx context.Context, req SubmitRequest) (*store.JobSource, error) {
	in := req.Remix
	if in == nil {
		return nil, nil
	}
	src := store.JobSource{RemixStatusID: in.StatusID, MediaID: in.MediaID}
	if in.URL != "" {
		st, err := s.social.ResolvePost(ctx, req.AccountID, in.URL)
		if err != nil {
			return nil, err
		}
		src.RemixStatusID = st.ID
	}
	var m store.MediaAttachment
	if src.MediaID != 0 {
		var err error
		m, err = s.db.MediaByID(ctx, src.MediaID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && m.StatusID == 0 && m.AccountID != req.AccountID) {
			return nil, apperr.NotFound("source image not found")
		}
		if err != nil {
			return nil, err
		}
		if m.StatusID != 0 && src.RemixStatusID != 0 && src.RemixStatusID != m.StatusID {
			return nil, apperr.Invalid("the source image does not belong to the source post")
		}
		if m.StatusID != 0 {
			src.RemixStatusID = m.StatusID
		}
	}
	if src.RemixStatusID != 0 {
		st, _, err := s.social.VisibleStatus(ctx, req.AccountID, src.RemixStatusID)
		if err != nil {
			return nil, err
		}
		src.RemixStatusID = st.ID
		if src.MediaID == 0 && !in.PromptOnly {
			if m, err = s.db.SourceImageOf(ctx, st.ID); errors.Is(err, store.ErrNoSourceImage) {
				return nil, apperr.Invalid("the post has no image to remix")
			} else if err != nil {
				return nil, err
			}
			src.MediaID = m.ID
		}
	}
	if in.PromptOnly {
		src.MediaID = 0
	}
	mask, err := s.maskOf(ctx, req.AccountID, in)
	if err != nil {
		return nil, err
	}
	if src.MediaID == 0 {
		if len(mask) > 0 {
			return nil, apperr.Invalid("a mask needs a source image")
		}
		return &src, nil
	}
	if !CanEdit(s.backend) {
		return nil, CannotEdit(nil)
	}
	if err := checkMask(mask, m); err != nil {
		return nil, err
	}
	src.Mask = mask
	return &src, nil
}

// maskOf returns the mask sent with in, or the bytes of the requester's
// uploaded mask named by in.MaskMediaID.
func (s *Service) maskOf(ctx context.Context, accountID int64, in *RemixInput) ([]byte, error) {
	if in.MaskMediaID == 0 {
		return in.Mask, nil
	}
	m, err := s.db.MediaByID(ctx, in.MaskMediaID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (m.AccountID != accountID || m.FileName == "")) {
		return nil, apperr.NotFound("mask not found")
	}
	if err != nil {
		return nil, err
	}
	if s.sources == nil {
		return nil, apperr.Unavailable("masks cannot be read on this server")
	}
	return s.sources.SourceImage(ctx, m)
}

// checkMask requires a PNG of the source's size (when the source's size is
// known), within MaxMaskBytes. No mask is fine.
func checkMask(mask []byte, src store.MediaAttachment) error {
	if len(mask) == 0 {
		return nil
	}
	if len(mask) > MaxMaskBytes {
		return apperr.Invalid("the mask is larger than %d bytes", MaxMaskBytes)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(mask))
	if err != nil || format != "png" {
		return apperr.Invalid("the mask must be a PNG image")
	}
	if src.Width > 0 && src.Height > 0 && (cfg.Width != src.Width || cfg.Height != src.Height) {
		return apperr.Invalid("the mask must have the source image's size (%dx%d)", src.Width, src.Height)
	}
	return nil
}

// render makes a job's images: an edit of the source image for a remix job
// that has one, else a plain generation.
func (s *Service) render(ctx context.Context, j *store.Job, req Request, progress func(Progress)) (Result, error) {
	src, err := s.db.JobSourceOf(ctx, j.ID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && src.MediaID == 0) {
		return s.backend.Generate(ctx, req, progress)
	}
	if err != nil {
		return Result{}, err
	}
	ed, ok := s.backend.(Editor)
	if !ok || !CanEdit(s.backend) {
		return Result{}, CannotEdit(nil)
	}
	img, err := s.sourceImage(ctx, src.MediaID)
	if err != nil {
		return Result{}, err
	}
	return ed.Edit(ctx, req, EditInput{Image: img, Mask: src.Mask}, progress)
}

// sourceImage loads and checks the image a remix starts from.
func (s *Service) sourceImage(ctx context.Context, mediaID int64) (Image, error) {
	gone := &jobError{kind: store.JobError, msg: "The image to remix is no longer available."}
	m, err := s.db.MediaByID(ctx, mediaID)
	if errors.Is(err, store.ErrNotFound) {
		return Image{}, gone
	}
	if err != nil {
		return Image{}, err
	}
	if s.sources == nil {
		return Image{}, gone
	}
	data, err := s.sources.SourceImage(ctx, m)
	if err != nil {
		gone.cause = err
		return Image{}, gone
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxSourcePixels {
		return Image{}, &jobError{kind: store.JobError, cause: err, msg: "The image to remix is not an image this server can use."}
	}
	img := Image{Data: data, MediaType: http.DetectContentType(data), Width: cfg.Width, Height: cfg.Height}
	return img, checkFormat(format)
}

func checkFormat(format string) error {
	switch format {
	case "png", "jpeg", "webp", "gif":
		return nil
	}
	return &jobError{kind: store.JobError, msg: "The image to remix is in a format this server cannot edit."}
}

// recordRemixMedia marks the media a remix job made with the post they
// remix, in the transaction that stores them, and forgets the job's mask.
func (s *Service) recordRemixMedia(ctx context.Context, tx *store.Tx, jobID string, ids []int64) error {
	src, err := s.db.JobSourceOf(ctx, jobID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if src.RemixStatusID != 0 {
		if err := tx.SetRemixMedia(ctx, src.RemixStatusID, ids); err != nil {
			return err
		}
	}
	return tx.DropJobMask(ctx, jobID)
}

// replyRemix is the remix a mention of the bot asks for by replying to a
// post with an image ("@imagine make it night"): that image as the source,
// or, when the backend cannot edit, the lineage with the prompt alone. It
// returns nil for a mention that replies to nothing or to a post without an
// image.
func (s *Service) replyRemix(ctx context.Context, mention store.Status) (*RemixInput, error) {
	if mention.InReplyToID == 0 {
		return nil, nil
	}
	parent, err := s.db.StatusByID(ctx, mention.InReplyToID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !parent.DeletedAt.IsZero()) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if _, err := s.db.SourceImageOf(ctx, parent.ID); errors.Is(err, store.ErrNoSourceImage) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return &RemixInput{StatusID: parent.ID, PromptOnly: !CanEdit(s.backend)}, nil
}

// CanEdit reports whether remixes may start from an image (the backend
// edits images as configured).
func (s *Service) CanEdit() bool { return CanEdit(s.backend) }
