package genimage

import (
	"context"
	"errors"

	"github.com/pictor-social/pictor/internal/apperr"
)

// EditInput is what an edit starts from: the source image and an optional
// mask, a PNG of the source's size whose transparent pixels mark where the
// image may change (OpenAI's convention); nil Mask lets the whole image change.
type EditInput struct {
	Image Image
	Mask  []byte
}

// Editor is a Backend that can also make an image from another one (a remix):
// Edit follows req.Prompt while keeping what the source shows. It returns
// the same errors as Generate, and an error matching ErrCannotEdit when the
// server turns out to have no edit endpoint.
type Editor interface {
	Backend
	Edit(ctx context.Context, req Request, in EditInput, progress func(Progress)) (Result, error)
}

// ErrCannotEdit is matched (errors.Is) by the error of a backend whose
// server has no image edits; CannotEdit builds it.
var ErrCannotEdit = errors.New("image server cannot edit images")

// CannotEdit returns the user-facing error (422) for a backend without
// image edits, wrapping cause (which may be nil).
func CannotEdit(cause error) error {
	return apperr.Wrap(apperr.Invalid("this image server cannot edit images; remix with the prompt alone"),
		errors.Join(ErrCannotEdit, cause))
}

// CanEdit reports whether b can edit images as configured: it implements
// Editor and, when it also says so (CanEdit() bool, as the OpenAI backend
// does per profile), is configured for it.
func CanEdit(b Backend) bool {
	if _, ok := b.(Editor); !ok {
		return false
	}
	if c, ok := b.(interface{ CanEdit() bool }); ok {
		return c.CanEdit()
	}
	return true
}

// MaxMaskBytes bounds an uploaded mask.
const MaxMaskBytes = 4 << 20
