package mastoapi

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/pictor-social/pictor/internal/htmlsan"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// statusData is everything a page of statuses needs, read in a fixed
// number of queries whatever the page size (no N+1 on timelines).
type statusData struct {
	viewer   int64
	reblogs  map[int64]store.Status
	accounts map[int64]Account
	extras   map[int64]store.StatusExtras // media, counts, mentions and tags
	flags    map[int64]store.ViewerFlags
	filters  *social.FilterSet // the viewer's active filters
	context  string            // filter context; "" shows everything (filters_apply.go)

	// The statuses' polls, the viewer's choices and the time of rendering
	// (polls.go).
	polls       map[int64]store.Poll
	pollChoices map[int64][]int
	now         time.Time

	remix remixData // pictor.remix_of (entities_remix.go)
}

// loadStatusData batch-loads the boosted statuses, authors, mentioned
// accounts, media, counts, tags and the viewer's marks of list.
func (h *Handler) loadStatusData(ctx context.Context, viewer int64, list []store.Status) (*statusData, error) {
	d := &statusData{viewer: viewer}
	var reblogIDs []int64
	for _, st := range list {
		if st.ReblogOfID != 0 {
			reblogIDs = append(reblogIDs, st.ReblogOfID)
		}
	}
	var err error
	if d.reblogs, err = h.db.StatusesByIDs(ctx, uniq(reblogIDs)); err != nil {
		return nil, err
	}
	all := make([]int64, 0, len(list)+len(d.reblogs))
	var accountIDs []int64
	for _, st := range list {
		all, accountIDs = append(all, st.ID), append(accountIDs, st.AccountID)
	}
	for _, st := range d.reblogs {
		all, accountIDs = append(all, st.ID), append(accountIDs, st.AccountID)
	}
	// Media, counts, mentions and tags are the same for every viewer: the
	// store's status cache answers them, exact on write (cache_statuses.go).
	if d.extras, err = h.db.StatusExtrasByIDs(ctx, all); err != nil {
		return nil, err
	}
	if d.flags, err = h.db.StatusViewerFlags(ctx, viewer, all); err != nil {
		return nil, err
	}
	if err := h.loadPolls(ctx, d, all); err != nil {
		return nil, err
	}
	if d.filters, err = h.viewerFilters(ctx, viewer, d.flags); err != nil {
		return nil, err
	}
	for _, e := range d.extras {
		accountIDs = append(accountIDs, e.Mentions...)
	}
	if err := h.loadRemixes(ctx, d, all, &accountIDs); err != nil {
		return nil, err
	}
	if d.accounts, err = h.accountEntities(ctx, accountIDs); err != nil {
		return nil, err
	}
	return d, nil
}

// statusEntities renders a list of statuses in order, with the viewer's
// matching filters in "filtered" and nothing left out for them.
func (h *Handler) statusEntities(ctx context.Context, viewer int64, list []store.Status) ([]Status, error) {
	return h.statusEntitiesIn(ctx, viewer, "", list)
}

// statusEntitiesIn renders a list of statuses shown in filter context
// fctx: "filtered" holds the viewer's filters of that context that match,
// and statuses a hide filter matches are left out.
func (h *Handler) statusEntitiesIn(ctx context.Context, viewer int64, fctx string, list []store.Status) ([]Status, error) {
	d, err := h.loadStatusData(ctx, viewer, list)
	if err != nil {
		return nil, err
	}
	d.context = fctx
	out := make([]Status, 0, len(list))
	for _, st := range list {
		e, ok := h.renderStatus(d, st)
		if ok {
			out = append(out, e)
		}
	}
	return out, nil
}

// statusEntity renders one status.
// writeStatus answers 200 with st rendered for viewer.
func (h *Handler) writeStatus(ctx context.Context, w http.ResponseWriter, viewer int64, st store.Status) error {
	e, err := h.statusEntity(ctx, viewer, st)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, e)
}

func (h *Handler) statusEntity(ctx context.Context, viewer int64, st store.Status) (Status, error) {
	list, err := h.statusEntities(ctx, viewer, []store.Status{st})
	if err != nil {
		return Status{}, err
	}
	if len(list) == 0 {
		return Status{}, fmt.Errorf("render status %d: author missing", st.ID)
	}
	return list[0], nil
}

// renderStatus renders st from preloaded data; ok is false when a row it
// needs is missing (a boost of a vanished status). The part of the entity
// that is the same for every viewer comes from the rendered-status cache
// when it holds it for the same inputs (entities_status_cache.go); the
// author, the counts and everything that depends on the viewer are set
// here on every call.
func (h *Handler) renderStatus(d *statusData, st store.Status) (Status, bool) {
	author, ok := d.accounts[st.AccountID]
	if !ok {
		return Status{}, false
	}
	var inner *Status
	if st.ReblogOfID != 0 {
		orig, ok := d.reblogs[st.ReblogOfID]
		if !ok || !orig.DeletedAt.IsZero() {
			return Status{}, false
		}
		e, ok := h.renderStatus(d, orig)
		if !ok {
			return Status{}, false
		}
		inner = &e
	}
	x := d.extras[st.ID]
	e := h.statuses.get(st, x, d.accounts)
	if e == nil {
		e = h.statuses.put(st, x, h.statusBase(d, st, x))
	}
	out := *e
	out.Account = author
	if inner != nil {
		out.Reblog = inner
		out.Favourited, out.Reblogged, out.Bookmarked = inner.Favourited, inner.Reblogged, inner.Bookmarked
		out.Filtered = inner.Filtered
		return out, true
	}
	if !d.applyFilters(&out, st) {
		return Status{}, false
	}
	out.Poll = d.statusPoll(st.ID)
	out.Pictor = d.pictorExtras(st.ID)
	c := x.Counts
	out.RepliesCount, out.ReblogsCount, out.FavouritesCount = c.Replies, c.Reblogs, c.Favourites
	f := d.flags[st.ID]
	out.Favourited, out.Reblogged, out.Bookmarked, out.Muted = f.Favourited, f.Reblogged, f.Bookmarked, f.Muted
	if d.viewer != 0 && st.AccountID == d.viewer {
		pinned := f.Pinned
		out.Pinned = &pinned
	}
	return out, true
}

// statusBase renders the viewer-independent fields of st (all but the
// author, the boosted status, counts, poll, pictor, filters and the
// viewer's marks): what it reads is the row, the media, tags and
// mentions of x, and the mentioned accounts' entities. A boost carries no
// text, mentions, tags or reply of its own.
func (h *Handler) statusBase(d *statusData, st store.Status, x store.StatusExtras) Status {
	e := Status{
		ID: store.FormatID(st.ID), URI: st.URI, URL: strPtr(htmlsan.URLOr(st.URL, "")), CreatedAt: Time(st.CreatedAt),
		EditedAt: timePtr(st.EditedAt), Content: st.Content, Visibility: st.Visibility,
		Sensitive: st.Sensitive, SpoilerText: st.SpoilerText, Language: strPtr(st.Language),
		MediaAttachments: h.mediaEntities(x.Media), Mentions: []Mention{}, Tags: []Tag{}, Emojis: []Emoji{},
		Filtered: []any{},
	}
	if e.URL == nil {
		e.URL = &e.URI
	}
	if st.ReblogOfID != 0 {
		e.Content, e.Sensitive, e.SpoilerText = "", false, ""
		return e
	}
	if st.InReplyToID != 0 {
		e.InReplyToID = strPtr(store.FormatID(st.InReplyToID))
	}
	if st.InReplyToAccountID != 0 {
		e.InReplyToAccountID = strPtr(store.FormatID(st.InReplyToAccountID))
	}
	for _, id := range x.Mentions {
		if a, ok := d.accounts[id]; ok {
			e.Mentions = append(e.Mentions, Mention{ID: a.ID, Username: a.Username, URL: a.URL, Acct: a.Acct})
		}
	}
	for _, name := range x.Tags {
		e.Tags = append(e.Tags, Tag{Name: name, URL: h.fed.URLs.Tag(name), History: []any{}})
	}
	return e
}

// mediaEntities renders attachments in order; never nil.
func (h *Handler) mediaEntities(list []store.MediaAttachment) []MediaAttachment {
	out := make([]MediaAttachment, 0, len(list))
	for _, m := range list {
		out = append(out, h.mediaEntity(m))
	}
	return out
}

// mediaEntity renders an attachment with meta sizes and focus.
func (h *Handler) mediaEntity(m store.MediaAttachment) MediaAttachment {
	e := MediaAttachment{ID: store.FormatID(m.ID), Type: m.Type, Description: strPtr(m.Description),
		Blurhash: strPtr(m.Blurhash)}
	if e.Type == "" {
		e.Type = "image"
	}
	remote := htmlsan.URLOr(m.RemoteURL, "")
	full, preview := remote, remote
	if m.FileName != "" {
		full, preview = h.fed.URLs.Media(m.FileName), h.fed.URLs.Media(m.FileName)
		e.RemoteURL = nil
		if m.OriginalName != "" { // the full-size original of a generated image
			e.RemoteURL = strPtr(h.fed.URLs.Media(m.OriginalName))
		}
	}
	if remote != "" { // a remote attachment, served from the local cache when FileName is set
		e.RemoteURL = strPtr(remote)
	}
	if m.ThumbName != "" {
		preview = h.fed.URLs.Media(m.ThumbName)
	}
	e.URL, e.PreviewURL = strPtr(full), strPtr(preview)
	if m.Width > 0 && m.Height > 0 {
		e.Meta.Original = meta(m.Width, m.Height)
	}
	if m.ThumbWidth > 0 && m.ThumbHeight > 0 {
		e.Meta.Small = meta(m.ThumbWidth, m.ThumbHeight)
	} else {
		e.Meta.Small = e.Meta.Original
	}
	e.Meta.Focus = &Focus{X: m.FocusX, Y: m.FocusY}
	return e
}

func meta(w, h int) *MediaMeta {
	return &MediaMeta{Width: w, Height: h, Size: fmt.Sprintf("%dx%d", w, h), Aspect: float64(w) / float64(h)}
}
