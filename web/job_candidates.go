package web

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/pictor-social/pictor/genimage"
	"github.com/pictor-social/pictor/store"
)

// candidateView is one image of a finished job on its page: a checkbox to
// pick it and its own alt-text field.
type candidateView struct {
	mediaView
	Number  int    // 1-based, for labels ("Image 2")
	Checked bool   // picked in the form
	AltText string // the alt-text field's value
}

// candidateViews lists job j's unposted candidates. picks is the form the
// visitor sent (nil on a fresh page, where the first image is checked and
// every alt text is the prefilled one).
func (h *Handler) candidateViews(ctx context.Context, j store.Job, picks []genimage.Pick) ([]candidateView, error) {
	list, err := h.opts.Generator.Candidates(ctx, j)
	if err != nil {
		return nil, err
	}
	var out []candidateView
	for _, c := range list {
		if c.Picked() {
			continue
		}
		cv := candidateView{mediaView: h.mediaView(c.Media), Number: c.Position + 1, AltText: c.Media.Description}
		i := slices.IndexFunc(picks, func(p genimage.Pick) bool { return p.MediaID == c.Media.ID })
		if i >= 0 {
			cv.Checked, cv.AltText = true, picks[i].Description
		}
		out = append(out, cv)
	}
	if picks == nil && len(out) > 0 {
		out[0].Checked = true
	}
	return out, nil
}

// formPicks reads the checked candidates ("media", in page order) and the
// alt text of each ("alt-<id>").
func formPicks(r *http.Request) []genimage.Pick {
	picks := []genimage.Pick{}
	for _, s := range r.PostForm["media"] {
		id, ok := store.ParseID(s)
		if !ok || slices.ContainsFunc(picks, func(p genimage.Pick) bool { return p.MediaID == id }) {
			continue
		}
		picks = append(picks, genimage.Pick{MediaID: id,
			Description: strings.TrimSpace(r.PostFormValue("alt-" + store.FormatID(id)))})
	}
	return picks
}
