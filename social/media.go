package social

import (
	"context"
	"errors"
	"io"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/media"
	"github.com/pictor-social/pictor/store"
)

// MediaInput describes an upload or a generated image.
type MediaInput struct {
	Description    string
	FocusX, FocusY float64
	// For generated images: the provider's bytes are kept verbatim as the
	// original (they may carry signed C2PA provenance), and the labels.
	Generated        bool
	GeneratorBackend string
	GeneratorModel   string
	Prompt           string
	RevisedPrompt    string
}

// UploadMedia runs an image through the media pipeline (bounded decode,
// metadata stripped by re-encoding, web-sized copy, thumbnail, blurhash),
// stores the files and records an unattached attachment of accountID.
func (s *Service) UploadMedia(ctx context.Context, accountID int64, r io.Reader, in MediaInput) (store.MediaAttachment, error) {
	if _, err := s.localAccount(ctx, accountID); err != nil {
		return store.MediaAttachment{}, err
	}
	if err := s.checkMediaMeta(in.Description, in.FocusX, in.FocusY); err != nil {
		return store.MediaAttachment{}, err
	}
	res, err := media.Process(ctx, r, s.opts.Media, media.Options{KeepOriginal: in.Generated,
		Budget: s.opts.MediaBudget, Queue: in.Generated})
	if err != nil {
		return store.MediaAttachment{}, err
	}
	m := store.MediaAttachment{AccountID: accountID, Type: "image", Description: in.Description,
		FocusX: in.FocusX, FocusY: in.FocusY, Blurhash: res.Blurhash,
		MediaType: res.Full.MediaType, Width: res.Full.Width, Height: res.Full.Height, FileSize: int64(len(res.Full.Data)),
		ThumbWidth: res.Thumb.Width, ThumbHeight: res.Thumb.Height,
		GeneratorBackend: in.GeneratorBackend, GeneratorModel: in.GeneratorModel, Prompt: in.Prompt, RevisedPrompt: in.RevisedPrompt}
	if in.Generated && m.GeneratorBackend == "" {
		m.GeneratorBackend = "unknown"
	}
	if m.FileName, err = s.files.Put(ctx, res.Full.Data, res.Full.MediaType); err != nil {
		return store.MediaAttachment{}, err
	}
	if m.ThumbName, err = s.files.Put(ctx, res.Thumb.Data, res.Thumb.MediaType); err != nil {
		return store.MediaAttachment{}, err
	}
	if in.Generated && len(res.Original.Data) > 0 {
		if m.OriginalName, err = s.files.Put(ctx, res.Original.Data, res.Original.MediaType); err != nil {
			return store.MediaAttachment{}, err
		}
		m.OriginalMediaType = res.Original.MediaType
	}
	err = s.db.Write(ctx, func(tx *store.Tx) error { return tx.InsertMedia(ctx, &m) })
	return m, err
}

func (s *Service) checkMediaMeta(desc string, fx, fy float64) error {
	if textLength(desc) > s.opts.MaxDescription {
		return apperr.Invalid("description is longer than %d characters", s.opts.MaxDescription)
	}
	if fx < -1 || fx > 1 || fy < -1 || fy > 1 {
		return apperr.Invalid("focus must be two numbers between -1.0 and 1.0")
	}
	return nil
}

// UpdateMedia changes the alt text and focus point of accountID's attachment.
// Attached media of a published status change only through an edit.
func (s *Service) UpdateMedia(ctx context.Context, accountID, mediaID int64, description string, fx, fy float64) (store.MediaAttachment, error) {
	m, err := s.db.MediaByID(ctx, mediaID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && m.AccountID != accountID) {
		return store.MediaAttachment{}, apperr.NotFound("media not found")
	}
	if err != nil {
		return store.MediaAttachment{}, err
	}
	if err := s.checkMediaMeta(description, fx, fy); err != nil {
		return store.MediaAttachment{}, err
	}
	err = s.db.Write(ctx, func(tx *store.Tx) error { return tx.UpdateMediaMeta(ctx, m.ID, description, fx, fy) })
	m.Description, m.FocusX, m.FocusY = description, fx, fy
	return m, err
}
