package web

import (
	"context"
	"errors"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/store"
)

// maxReplies bounds the replies shown under a post.
const maxReplies = 60

// postView is the post page's data.
type postView struct {
	Status    statusView
	Replies   []statusView
	ParentURL string
	RemixURL  string
	Lineage   lineageView // remix source and remixes (remix.go)
	IsMine    bool
	// Path is the page's path, under which the action forms post.
	Path string
	// The signed-in visitor's marks, which the like and boost buttons show.
	Favourited, Reblogged bool
	ReplyPrefill          string // "@author " when replying to someone else
	ReplyVisibility       string // the reply form's default: the post's own
	// Suggestions asks pictor.js to fetch suggested replies as chips
	// (the visitor opted in and the assistant is on).
	Suggestions bool
	// Reported is set after the visitor reported the post; Categories
	// are the report form's reasons.
	Reported   bool
	Categories []struct{ Value, Label string }
}

// publicStatus returns a local status that public pages may show: public or
// unlisted, not a boost, by a visible author. A deleted one is Gone;
// followers-only and direct ones do not exist as far as these pages know.
func publicStatus(st store.Status) error {
	switch {
	case !st.Local || st.ReblogOfID != 0:
		return errNotFound
	case st.Visibility != store.VisibilityPublic && st.Visibility != store.VisibilityUnlisted:
		return errNotFound
	case !st.DeletedAt.IsZero():
		return apperr.Gone("This post was deleted.")
	}
	return nil
}

// publicPost loads the local status /@{name}/{id} names, with its author,
// if the public pages may show it (publicStatus).
func (h *Handler) publicPost(ctx context.Context, name, rawID string) (store.Status, store.Account, error) {
	author, err := h.publicAccount(ctx, name)
	if err != nil {
		return store.Status{}, store.Account{}, err
	}
	id, ok := store.ParseID(rawID)
	if !ok {
		return store.Status{}, store.Account{}, errNotFound
	}
	st, err := h.db.StatusByID(ctx, id)
	if err != nil {
		return store.Status{}, store.Account{}, notFoundIf(err)
	}
	if st.AccountID != author.ID {
		return store.Status{}, store.Account{}, errNotFound
	}
	if err := publicStatus(st); err != nil {
		return store.Status{}, store.Account{}, err
	}
	return st, author, nil
}

// post serves /@{name}/{id}: the images at full size with alt text, the
// prompt and model, the content warning behind one click, counts, replies,
// a Remix link, and like, boost and reply forms for signed-in visitors (a
// remote-interaction form for the others).
func (h *Handler) post(w http.ResponseWriter, r *http.Request, v *visitor) error {
	st, author, err := h.publicPost(r.Context(), mux.Vars(r)["name"], mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	views, err := h.statusViews(r.Context(), []store.Status{st})
	if err != nil || len(views) == 0 {
		return errors.Join(err, errNotFound)
	}
	pv := postView{Status: views[0], IsMine: v.SignedIn && v.Account.ID == author.ID,
		Path: "/@" + author.Username + "/" + store.FormatID(st.ID), ReplyVisibility: st.Visibility,
		Reported: r.URL.Query().Get("reported") == "1", Categories: reportCategories}
	if v.SignedIn {
		flags, err := h.db.StatusViewerFlags(r.Context(), v.Account.ID, []int64{st.ID})
		if err != nil {
			return err
		}
		pv.Favourited, pv.Reblogged = flags[st.ID].Favourited, flags[st.ID].Reblogged
		if err := h.visitorPoll(r.Context(), &pv.Status, v, pv.IsMine); err != nil {
			return err
		}
		if !pv.IsMine {
			pv.ReplyPrefill = "@" + author.Username + " "
		}
		if pv.Suggestions, err = h.suggestionsFor(r, v, author.ID); err != nil {
			return err
		}
	}
	if pv.Replies, err = h.publicReplies(r.Context(), st.ID); err != nil {
		return err
	}
	pv.ParentURL = h.parentURL(r.Context(), st)
	if pv.Status.Prompt != "" || len(pv.Status.Media) > 0 {
		pv.RemixURL = remixURL(pv.Status)
	}
	if pv.Lineage, err = h.lineage(r.Context(), st); err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "post", v, h.postPageData(pv))
	return nil
}

func (h *Handler) postPageData(pv postView) pageData {
	s := pv.Status
	title := s.Author.DisplayName
	desc := s.Text
	if s.Prompt != "" {
		desc = "“" + s.Prompt + "”"
		if s.Model != "" {
			desc += " · " + s.Model
		}
	}
	if s.SpoilerText != "" {
		desc = "Content warning: " + s.SpoilerText
	}
	meta := &cardMeta{Type: "article", Title: title + " on " + h.opts.InstanceTitle, Description: desc, URL: s.URL}
	if m := s.First(); m.URL != "" && !s.Sensitive {
		meta.Image, meta.ImageAlt, meta.ImageWidth, meta.ImageHeight = h.absURL(m.URL), m.Alt, m.Width, m.Height
		meta.Large = true
	}
	return pageData{Title: title + ": " + plainText(desc, 60), Description: desc, Canonical: s.URL, Alternate: s.URI,
		AtomURL: s.Author.URL + ".atom", Meta: meta, NoIndex: s.Visibility != store.VisibilityPublic, Data: pv}
}

// publicReplies returns the public and unlisted replies to a status, local
// or remote, oldest first.
func (h *Handler) publicReplies(ctx context.Context, id int64) ([]statusView, error) {
	list, err := h.db.Replies(ctx, id, maxReplies)
	if err != nil {
		return nil, err
	}
	shown := list[:0]
	for _, st := range list {
		if st.Visibility == store.VisibilityPublic || st.Visibility == store.VisibilityUnlisted {
			shown = append(shown, st)
		}
	}
	return h.statusViews(ctx, shown)
}

// parentURL links a reply to what it answers, when that may be shown.
func (h *Handler) parentURL(ctx context.Context, st store.Status) string {
	if st.InReplyToID == 0 {
		if safeURL(st.InReplyToURI) {
			return st.InReplyToURI
		}
		return ""
	}
	parent, err := h.db.StatusByID(ctx, st.InReplyToID)
	if err != nil {
		return ""
	}
	if !parent.Local {
		if safeURL(parent.URL) {
			return parent.URL
		}
		return parent.URI
	}
	if publicStatus(parent) != nil {
		return ""
	}
	a, err := h.db.AccountByID(ctx, parent.AccountID)
	if err != nil {
		return ""
	}
	return h.statusURL(a.Username, parent.ID)
}
