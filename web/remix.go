package web

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/pictor-social/pictor/genimage"
	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/store"
)

// maxRemixLinks bounds the remixes listed under a post.
const maxRemixLinks = 30

// remixLink is one post in a lineage: a page to open and who made it.
type remixLink struct {
	URL, Handle string
}

// lineageView is a post's place in a chain of remixes: the post it remixes
// and the remixes of it that may be shown publicly, local or remote.
type lineageView struct {
	Source  *remixLink
	Count   int64
	Remixes []remixLink
}

// lineage loads st's remix source and its remixes for the post page.
func (h *Handler) lineage(ctx context.Context, st store.Status) (lineageView, error) {
	var lv lineageView
	r, err := h.db.RemixOf(ctx, st.ID)
	switch {
	case err == nil:
		lv.Source = h.sourceLink(ctx, r)
	case !errors.Is(err, store.ErrNotFound):
		return lv, err
	}
	list, n, err := h.db.PublicRemixes(ctx, st.ID, maxRemixLinks)
	if err != nil {
		return lv, err
	}
	lv.Count = int64(n)
	authorIDs := make([]int64, 0, len(list))
	for _, rm := range list {
		authorIDs = append(authorIDs, rm.AccountID)
	}
	authors, err := h.db.AccountsByIDs(ctx, authorIDs)
	if err != nil {
		return lv, err
	}
	for _, rm := range list {
		if l, ok := h.postLink(rm, authors); ok {
			lv.Remixes = append(lv.Remixes, l)
		}
	}
	return lv, nil
}

// sourceLink links the source of a remix when it may be shown: a public
// local post's page, a known remote post's page, or else the id it named.
func (h *Handler) sourceLink(ctx context.Context, r store.Remix) *remixLink {
	if r.SourceID != 0 {
		if src, err := h.db.StatusByID(ctx, r.SourceID); err == nil {
			a, err := h.db.AccountByID(ctx, src.AccountID)
			if err != nil {
				return nil
			}
			if l, ok := h.postLink(src, map[int64]store.Account{a.ID: a}); ok {
				return &l
			}
			return nil
		}
	}
	if safeURL(r.SourceURI) {
		return &remixLink{URL: r.SourceURI, Handle: "another post"}
	}
	return nil
}

// postLink is the page of st with its author's handle, the author taken
// from authors; ok is false for a post public pages may not show or whose
// author is not there.
func (h *Handler) postLink(st store.Status, authors map[int64]store.Account) (remixLink, bool) {
	a, ok := authors[st.AccountID]
	if !ok {
		return remixLink{}, false
	}
	av := h.accountView(a)
	if st.Local {
		if publicStatus(st) != nil {
			return remixLink{}, false
		}
		return remixLink{URL: h.statusURL(a.Username, st.ID), Handle: av.Handle}, true
	}
	if !st.DeletedAt.IsZero() || (st.Visibility != store.VisibilityPublic && st.Visibility != store.VisibilityUnlisted) {
		return remixLink{}, false
	}
	return remixLink{URL: urlOr(st.URL, urlOr(st.URI, "")), Handle: av.Handle}, safeURL(urlOr(st.URL, st.URI))
}

// remixURL is the compose page set up to remix st: its prompt prefilled.
func remixURL(st statusView) string {
	q := url.Values{"remix": {st.ID}}
	if st.Prompt != "" {
		q.Set("prompt", st.Prompt)
	}
	return "/compose?" + q.Encode()
}

// composeRemix is the compose page's view of the post being remixed.
type composeRemix struct {
	ID       string
	URL      string
	Handle   string
	ImageURL string // thumbnail of the source image; "" for a post without one
	CanEdit  bool   // the image backend can start from the image
	// Width and Height of the source image, for a mask drawn on the page
	// (local sources only: a remote one's size is known only once fetched).
	Width, Height int
}

// remixSource loads the post the compose page remixes, when the visitor
// may see it; nil for none or an invalid id.
func (h *Handler) remixSource(ctx context.Context, v *visitor, rawID string) *composeRemix {
	id, ok := store.ParseID(rawID)
	if !ok || rawID == "" {
		return nil
	}
	st, author, err := h.social.VisibleStatus(ctx, v.Account.ID, id)
	if err != nil {
		return nil
	}
	cr := &composeRemix{ID: store.FormatID(st.ID), Handle: h.accountView(author).Handle, URL: urlOr(st.URL, st.URI)}
	if st.Local {
		cr.URL = h.statusURL(author.Username, st.ID)
	}
	if m, err := h.db.SourceImageOf(ctx, st.ID); err == nil {
		switch {
		case m.ThumbName != "":
			cr.ImageURL = "/media/" + m.ThumbName
		case safeURL(m.RemoteURL):
			cr.ImageURL = m.RemoteURL
		}
		if st.Local && m.FileName != "" {
			cr.Width, cr.Height = m.Width, m.Height
		}
	}
	if e, ok := h.opts.Generator.(interface{ CanEdit() bool }); ok {
		cr.CanEdit = e.CanEdit()
	}
	return cr
}

// remixInput reads the compose form's remix fields: remix (the post id),
// use_image ("1" to start from its image) and mask (a PNG data: URI drawn
// on the page by pictor.js, transparent where the image may change).
func remixInput(r *http.Request) (*genimage.RemixInput, error) {
	raw := strings.TrimSpace(r.PostFormValue("remix"))
	if raw == "" {
		return nil, nil
	}
	id, ok := store.ParseID(raw)
	if !ok {
		return nil, apperr.NotFound("The post to remix was not found.")
	}
	in := &genimage.RemixInput{StatusID: id, PromptOnly: r.PostFormValue("use_image") != "1"}
	if mask := r.PostFormValue("mask"); mask != "" && !in.PromptOnly {
		data, ok := strings.CutPrefix(mask, "data:image/png;base64,")
		b, err := base64.StdEncoding.DecodeString(data)
		if !ok || err != nil {
			return nil, apperr.Invalid("The mask could not be read.")
		}
		in.Mask = b
	}
	return in, nil
}
