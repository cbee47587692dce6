package web

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/pictor-social/pictor/screening"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// screenReplies applies screening to a thread's replies for visitor v:
// a flagged reply is collapsed behind a notice naming the category, left
// out when the visitor chose hide for it, and shown plainly for show.
// Visitors who are not signed in get the default (collapse).
func (h *Handler) screenReplies(ctx context.Context, v *visitor, list []statusView) ([]statusView, error) {
	if len(list) == 0 {
		return list, nil
	}
	ids := make([]int64, 0, len(list))
	for _, s := range list {
		ids = append(ids, s.statusID())
	}
	flagged, err := h.social.FlaggedCategories(ctx, ids)
	if err != nil || len(flagged) == 0 {
		return list, err
	}
	prefs := map[string]string{}
	if v.SignedIn {
		if prefs, err = h.social.ScreeningPreferences(ctx, v.Account.ID); err != nil {
			return nil, err
		}
	}
	out := list[:0]
	for _, s := range list {
		c, ok := flagged[s.statusID()]
		switch {
		case !ok || prefs[c] == screening.Show:
		case prefs[c] == screening.Hide:
			continue
		default:
			s.Screened = c
		}
		out = append(out, s)
	}
	return out, nil
}

// screeningWarnView is the page that tells an author why screening held a
// post, with a form that sends it again confirmed ("Post anyway").
type screeningWarnView struct {
	Message    string
	Category   string
	Action     string // screening.Warn or screening.Refuse
	Path       string // where the form posts
	BackURL    string // the post answered
	AckParam   string
	Text, CW   string
	Visibility string
}

// screeningWarning renders err when it is a screening warning or refusal
// of the draft d posted to path, and returns err unchanged otherwise.
func (h *Handler) screeningWarning(w http.ResponseWriter, r *http.Request, v *visitor, err error, path string, d social.Draft) error {
	var se *social.ScreeningError
	if !errors.As(err, &se) {
		return err
	}
	sv := screeningWarnView{Message: se.Error(), Category: se.Category, Action: se.Action, Path: path,
		BackURL: strings.TrimSuffix(path, "/reply"), AckParam: social.ScreeningAckParam, Text: d.Text, CW: d.SpoilerText, Visibility: d.Visibility}
	h.render(w, r, http.StatusUnprocessableEntity, "screening", v, pageData{Title: "Check your post", NoIndex: true, Data: sv})
	return nil
}

// statusID is s.ID as a number (0 if malformed, which never matches).
func (s statusView) statusID() int64 {
	id, _ := store.ParseID(s.ID)
	return id
}
