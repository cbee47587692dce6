package web

import (
	"context"
	"html/template"
	"strings"
	"time"

	"github.com/pictor-social/pictor/store"
)

// accountView is an account as the templates show it.
type accountView struct {
	ID          int64
	Name        string // username
	DisplayName string
	Handle      string // @user@host
	URL         string // profile page (remote accounts: their own)
	URI         string
	Avatar      string
	Header      string
	Note        template.HTML
	Fields      []fieldView
	Bot, Local  bool
	Locked      bool
	CreatedAt   time.Time
}

type fieldView struct {
	Name  string
	Value template.HTML
}

// mediaView is one image.
type mediaView struct {
	ID             int64
	URL, ThumbURL  string
	Width, Height  int
	ThumbW, ThumbH int
	Alt            string
	Blur           template.URL // tiny PNG data URI decoded from the blurhash
	Generated      bool
	Backend, Model string
	Prompt         string
	RevisedPrompt  string
	OriginalURL    string // untouched provider file of a generated image
}

// statusView is a status with everything its card or page shows.
type statusView struct {
	ID          string
	URL, URI    string
	Author      accountView
	Content     template.HTML
	Text        string // plain text, for card captions and descriptions
	SpoilerText string
	Sensitive   bool
	Visibility  string
	Media       []mediaView
	Generated   bool
	Prompt      string // of the first generated image
	Model       string
	Backend     string
	CreatedAt   time.Time
	Counts      store.StatusCounts
	ReplyToURL  string
	Poll        *pollView // nil without a poll (polls.go)
}

func (h *Handler) accountView(a store.Account) accountView {
	v := accountView{ID: a.ID, Name: a.Username, DisplayName: a.DisplayName, URL: a.URL, URI: a.URI,
		Note: sanitizeHTML(a.Note), Bot: a.Bot, Local: a.Local(), Locked: a.Locked, CreatedAt: a.CreatedAt,
		Avatar: "/static/img/avatar.png", Header: "/static/img/header.png"}
	if v.DisplayName == "" {
		v.DisplayName = a.Username
	}
	if a.Local() {
		v.Handle = "@" + a.Username + "@" + h.host
		v.URL = h.profileURL(a.Username)
		if a.AvatarFile != "" {
			v.Avatar = h.mediaURL(a.AvatarFile)
		}
		if a.HeaderFile != "" {
			v.Header = h.mediaURL(a.HeaderFile)
		}
	} else {
		v.Handle = "@" + a.Username + "@" + a.Domain
		v.URL = urlOr(a.URL, urlOr(a.URI, ""))
		switch { // the local copy of a remote avatar or header, if cached
		case a.AvatarFile != "":
			v.Avatar = h.mediaURL(a.AvatarFile)
		case safeURL(a.AvatarURL):
			v.Avatar = a.AvatarURL
		}
		switch {
		case a.HeaderFile != "":
			v.Header = h.mediaURL(a.HeaderFile)
		case safeURL(a.HeaderURL):
			v.Header = a.HeaderURL
		}
	}
	for _, f := range a.Fields {
		v.Fields = append(v.Fields, fieldView{Name: f.Name, Value: sanitizeHTML(f.Value)})
	}
	return v
}

func (h *Handler) mediaView(m store.MediaAttachment) mediaView {
	v := mediaView{ID: m.ID, Width: m.Width, Height: m.Height, ThumbW: m.ThumbWidth, ThumbH: m.ThumbHeight,
		Alt: m.Description, Blur: blurDataURI(m.Blurhash), Generated: m.Generated(), Backend: m.GeneratorBackend,
		Model: m.GeneratorModel, Prompt: m.Prompt, RevisedPrompt: m.RevisedPrompt}
	if m.OriginalName != "" {
		v.OriginalURL = h.mediaURL(m.OriginalName)
	}
	switch {
	case m.FileName != "":
		v.URL = h.mediaURL(m.FileName)
		v.ThumbURL = v.URL
		if m.ThumbName != "" {
			v.ThumbURL = h.mediaURL(m.ThumbName)
		}
	case safeURL(m.RemoteURL):
		v.URL, v.ThumbURL = m.RemoteURL, m.RemoteURL
	}
	if v.ThumbW == 0 || v.ThumbH == 0 {
		v.ThumbW, v.ThumbH = v.Width, v.Height
	}
	return v
}

// statusViews loads the authors, media and counts of list in a fixed number
// of queries and returns the views in the same order. Statuses whose author
// is missing, suspended or deleted are dropped.
func (h *Handler) statusViews(ctx context.Context, list []store.Status) ([]statusView, error) {
	ids := make([]int64, len(list))
	authorIDs := make([]int64, 0, len(list))
	for i, st := range list {
		ids[i] = st.ID
		authorIDs = append(authorIDs, st.AccountID)
	}
	accounts, err := h.db.AccountsByIDs(ctx, authorIDs)
	if err != nil {
		return nil, err
	}
	mediaByStatus, err := h.db.MediaForStatuses(ctx, ids)
	if err != nil {
		return nil, err
	}
	counts, err := h.db.StatusCountsByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]statusView, 0, len(list))
	for _, st := range list {
		a, ok := accounts[st.AccountID]
		if !ok || !a.SuspendedAt.IsZero() || !a.DeletedAt.IsZero() {
			continue
		}
		out = append(out, h.statusView(st, a, mediaByStatus[st.ID], counts[st.ID]))
	}
	return out, h.attachPolls(ctx, out, ids)
}

func (h *Handler) statusView(st store.Status, author store.Account, media []store.MediaAttachment, c store.StatusCounts) statusView {
	v := statusView{ID: store.FormatID(st.ID), URI: st.URI, Author: h.accountView(author), Content: sanitizeHTML(st.Content),
		Text: plainText(st.Content, 300), SpoilerText: st.SpoilerText, Sensitive: st.Sensitive || st.SpoilerText != "",
		Visibility: st.Visibility, Generated: st.Generated, CreatedAt: st.CreatedAt, Counts: c}
	if st.Local {
		v.URL = h.statusURL(author.Username, st.ID)
	} else {
		v.URL = urlOr(st.URL, urlOr(st.URI, ""))
	}
	for _, m := range media {
		mv := h.mediaView(m)
		v.Media = append(v.Media, mv)
		if mv.Generated && v.Prompt == "" {
			v.Generated, v.Prompt, v.Model, v.Backend = true, m.Prompt, m.GeneratorModel, m.GeneratorBackend
		}
	}
	return v
}

// first returns the first image of a status, for cards and link previews.
func (s statusView) First() mediaView {
	if len(s.Media) == 0 {
		return mediaView{}
	}
	return s.Media[0]
}

// PromptInAlt reports whether a card's image link already reads the prompt
// out (the drafted alt text quotes it), so the caption need not repeat it.
func (s statusView) PromptInAlt() bool {
	return !s.Sensitive && s.Prompt != "" && len(s.Media) > 0 && strings.Contains(s.Media[0].Alt, s.Prompt)
}

// More reports how many images follow the first.
func (s statusView) More() int { return max(0, len(s.Media)-1) }
