package mastoapi

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// parseFocus reads Mastodon's "x,y" focal point; "" is the centre.
func parseFocus(s string) (x, y float64, err error) {
	if strings.TrimSpace(s) == "" {
		return 0, 0, nil
	}
	xs, ys, ok := strings.Cut(s, ",")
	if ok {
		x, err = strconv.ParseFloat(strings.TrimSpace(xs), 64)
	}
	if ok && err == nil {
		y, err = strconv.ParseFloat(strings.TrimSpace(ys), 64)
	}
	if !ok || err != nil || x < -1 || x > 1 || y < -1 || y > 1 {
		return 0, 0, apperr.Invalid("focus must be two numbers between -1.0 and 1.0, like \"0.5,-0.2\"")
	}
	return x, y, nil
}

// uploadMedia serves POST /api/v1/media and /api/v2/media: the image is
// processed synchronously, so both answer 200 with url set (interop.md C.3).
// The file part is read whether or not it has a filename or a type.
func (h *Handler) uploadMedia(w http.ResponseWriter, r *http.Request) error {
	g, err := h.user(r, auth.ScopeWriteMedia)
	if err != nil {
		return err
	}
	lim := h.mediaLimits()
	p, err := readParams(w, r, lim.MaxUploadBytes+(256<<10))
	if err != nil {
		return err
	}
	fx, fy, err := parseFocus(p.str("focus"))
	if err != nil {
		return err
	}
	var file io.Reader
	if fh := p.files["file"]; fh != nil {
		f, err := fh.Open()
		if err != nil {
			return err
		}
		defer f.Close()
		file = f
	} else if v := p.str("file"); v != "" {
		// A part without a filename arrives as a plain value (interop.md C.3).
		file = strings.NewReader(v)
	} else {
		return apperr.Invalid("file is missing")
	}
	m, err := h.social.UploadMedia(r.Context(), g.AccountID, file, social.MediaInput{Description: p.str("description"), FocusX: fx, FocusY: fy})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, h.mediaEntity(m))
}

// ownMedia loads the user's attachment named by {id}, else 404.
func (h *Handler) ownMedia(r *http.Request, me int64) (store.MediaAttachment, error) {
	id, err := pathID(mux.Vars(r)["id"])
	if err != nil {
		return store.MediaAttachment{}, err
	}
	m, err := h.db.MediaByID(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && m.AccountID != me) {
		return store.MediaAttachment{}, errNotFound()
	}
	return m, err
}

// getMedia answers 200 with the attachment: processing is synchronous, so
// it is always ready (Tusky and masto.js poll it; checklist 63).
func (h *Handler) getMedia(w http.ResponseWriter, r *http.Request) error {
	g, err := h.user(r, auth.ScopeWriteMedia)
	if err != nil {
		return err
	}
	m, err := h.ownMedia(r, g.AccountID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, h.mediaEntity(m))
}

// updateMedia changes the description and focus point; fields left out
// keep their value.
func (h *Handler) updateMedia(w http.ResponseWriter, r *http.Request) error {
	g, err := h.user(r, auth.ScopeWriteMedia)
	if err != nil {
		return err
	}
	p, err := readParams(w, r, h.opts.MaxBodyBytes)
	if err != nil {
		return err
	}
	m, err := h.ownMedia(r, g.AccountID)
	if err != nil {
		return err
	}
	attr := map[string]string{"id": store.FormatID(m.ID)}
	for _, k := range []string{"description", "focus"} {
		if p.has(k) {
			attr[k] = p.str(k)
		}
	}
	if err := h.updateMediaAttributes(r, g.AccountID, attr); err != nil {
		return err
	}
	if m, err = h.db.MediaByID(r.Context(), m.ID); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, h.mediaEntity(m))
}

// updateMediaAttributes applies {id, description, focus} to one of the
// user's attachments (PUT /api/v1/media/:id and media_attributes on edit).
func (h *Handler) updateMediaAttributes(r *http.Request, me int64, attr map[string]string) error {
	id, ok := store.ParseID(attr["id"])
	if !ok {
		return apperr.Invalid("media_attributes need an id")
	}
	m, err := h.db.MediaByID(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && m.AccountID != me) {
		return errNotFound()
	}
	if err != nil {
		return err
	}
	desc, fx, fy := m.Description, m.FocusX, m.FocusY
	if v, ok := attr["description"]; ok {
		desc = v
	}
	if v, ok := attr["focus"]; ok {
		if fx, fy, err = parseFocus(v); err != nil {
			return err
		}
	}
	_, err = h.social.UpdateMedia(r.Context(), me, m.ID, desc, fx, fy)
	return err
}
