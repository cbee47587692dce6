package mastoapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// maxIdempotencyKey bounds the Idempotency-Key header.
const maxIdempotencyKey = 256

// draftOf reads the status fields apps send (interop.md C.3: Tusky's JSON
// body, form and multipart bodies alike).
func draftOf(p params) (social.Draft, error) {
	d := social.Draft{Text: p.str("status"), SpoilerText: p.str("spoiler_text"), Sensitive: p.boolean("sensitive"),
		SensitiveUnset: !p.has("sensitive"), Visibility: p.str("visibility"), Language: p.str("language"),
		ScreeningAck: p.boolean(social.ScreeningAckParam)}
	if s := p.str("in_reply_to_id"); s != "" {
		id, ok := store.ParseID(s)
		if !ok {
			return d, errNotFound()
		}
		d.InReplyToID = id
	}
	ids, err := p.ids("media_ids")
	if err != nil {
		return d, err
	}
	d.MediaIDs = ids
	if p.str("scheduled_at") != "" {
		return d, apperr.Invalid("scheduled posts are not supported")
	}
	d.Poll, err = pollDraftOf(p)
	return d, err
}

// imaginePrompt returns the prompt after the generation command, if text
// starts with it ("/imagine a fox" → "a fox").
func (h *Handler) imaginePrompt(text string) (string, bool) {
	cmd := h.opts.ImagineCommand
	if h.Imaginer == nil || cmd == "" {
		return "", false
	}
	text = strings.TrimSpace(text)
	rest, ok := strings.CutPrefix(text, cmd)
	if !ok || (rest != "" && !strings.ContainsAny(rest[:1], " \t\n")) {
		return "", false
	}
	return strings.TrimSpace(rest), true
}

// createStatus posts a status, honouring Idempotency-Key for an hour.
func (h *Handler) createStatus(w http.ResponseWriter, r *http.Request) error {
	g, err := h.user(r, auth.ScopeWriteStatuses)
	if err != nil {
		return err
	}
	p, err := readParams(w, r, h.opts.MaxBodyBytes)
	if err != nil {
		return err
	}
	d, err := draftOf(p)
	if err != nil {
		return err
	}
	// The defaults apply before the /imagine hook too, which posts later.
	if d, err = h.social.WithPostingDefaults(r.Context(), g.AccountID, d); err != nil {
		return err
	}
	key := r.Header.Get("Idempotency-Key")
	if len(key) > maxIdempotencyKey {
		return apperr.Invalid("Idempotency-Key is too long")
	}
	ctx := r.Context()
	if key != "" {
		defer h.idem.lock(strconv.FormatInt(g.AccountID, 10) + "\x00" + key)()
		// Other processes on the database (PostgreSQL) wait too.
		unlock, err := h.db.LockName(ctx, "idempotency:"+strconv.FormatInt(g.AccountID, 10)+":"+key)
		if err != nil {
			return err
		}
		defer unlock()
	}
	if h.Asker != nil {
		if text, ok := h.Asker.AskText(d.Text); ok {
			d.Text = text // published as a question to the bot, which answers in a reply
		}
	}
	st, _, err := h.social.CreateStatusOnce(ctx, g.AccountID, key, func() (store.Status, error) {
		if prompt, ok := h.imaginePrompt(d.Text); ok {
			if d.Poll != nil { // the generated image would come with the poll
				return store.Status{}, apperr.Invalid("cannot attach both media and a poll to a status")
			}
			d.Text = prompt
			return h.Imaginer.SubmitPost(ctx, g.AccountID, d, prompt)
		}
		return h.social.CreateStatus(ctx, g.AccountID, d)
	})
	if err != nil {
		return err
	}
	return h.writeStatus(ctx, w, g.AccountID, st)
}

// loadStatus returns the live status named by {id} if viewer may see it,
// else 404.
func (h *Handler) loadStatus(r *http.Request, viewer int64) (store.Status, error) {
	id, err := pathID(mux.Vars(r)["id"])
	if err != nil {
		return store.Status{}, err
	}
	return h.loadStatusByID(r, viewer, id)
}

// loadStatusByID is loadStatus for a status id from elsewhere. The statuses
// of a suspended account, and boosts of them, are not found (Mastodon's
// StatusPolicy#show?).
func (h *Handler) loadStatusByID(r *http.Request, viewer, id int64) (store.Status, error) {
	st, err := h.db.StatusByID(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !st.DeletedAt.IsZero()) {
		return store.Status{}, errNotFound()
	}
	if err != nil {
		return store.Status{}, err
	}
	authors := []int64{st.AccountID}
	if st.ReblogOfID != 0 {
		orig, err := h.db.StatusByID(r.Context(), st.ReblogOfID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return store.Status{}, err
		}
		if err == nil {
			authors = append(authors, orig.AccountID)
		}
	}
	for _, id := range authors {
		a, err := h.db.AccountByID(r.Context(), id)
		if errors.Is(err, store.ErrNotFound) || (err == nil && !a.SuspendedAt.IsZero()) {
			return store.Status{}, errNotFound()
		}
		if err != nil {
			return store.Status{}, err
		}
	}
	ok, err := h.social.CanSee(r.Context(), viewer, st)
	if err != nil {
		return store.Status{}, err
	}
	if !ok {
		return store.Status{}, errNotFound()
	}
	return st, nil
}

func (h *Handler) getStatus(w http.ResponseWriter, r *http.Request) error {
	viewer, err := h.viewer(r, auth.ScopeReadStatuses)
	if err != nil {
		return err
	}
	st, err := h.loadStatus(r, viewer)
	if err != nil {
		return err
	}
	return h.writeStatus(r.Context(), w, viewer, st)
}

// editStatus edits text, content warning, sensitivity, language and media;
// fields left out keep their value. media_attributes (Mastodon 4.1) change
// alt text and focus of the attachments.
func (h *Handler) editStatus(w http.ResponseWriter, r *http.Request) error {
	g, err := h.user(r, auth.ScopeWriteStatuses)
	if err != nil {
		return err
	}
	p, err := readParams(w, r, h.opts.MaxBodyBytes)
	if err != nil {
		return err
	}
	ctx := r.Context()
	st, err := h.loadStatus(r, g.AccountID)
	if err != nil {
		return err
	}
	d, err := draftOf(p)
	if err != nil {
		return err
	}
	if !p.has("status") {
		d.Text = st.Text
	}
	if !p.has("spoiler_text") {
		d.SpoilerText = st.SpoilerText
	}
	if !p.has("media_ids") && !p.has("media_ids[]") {
		current, err := h.db.MediaForStatuses(ctx, []int64{st.ID})
		if err != nil {
			return err
		}
		for _, m := range current[st.ID] {
			d.MediaIDs = append(d.MediaIDs, m.ID)
		}
	}
	for _, attr := range p.objects("media_attributes") {
		if err := h.updateMediaAttributes(r, g.AccountID, attr); err != nil {
			return err
		}
	}
	edited, err := h.social.EditStatus(ctx, g.AccountID, st.ID, d)
	if err != nil {
		return err
	}
	return h.writeStatus(ctx, w, g.AccountID, edited)
}

// deleteStatus deletes a status and answers with it, source text included,
// so apps can "delete and redraft".
func (h *Handler) deleteStatus(w http.ResponseWriter, r *http.Request) error {
	g, err := h.user(r, auth.ScopeWriteStatuses)
	if err != nil {
		return err
	}
	st, err := h.loadStatus(r, g.AccountID)
	if err != nil {
		return err
	}
	if st.AccountID != g.AccountID || st.ReblogOfID != 0 {
		return errNotFound()
	}
	e, err := h.statusEntity(r.Context(), g.AccountID, st)
	if err != nil {
		return err
	}
	if _, err := h.social.DeleteStatus(r.Context(), g.AccountID, st.ID); err != nil {
		return err
	}
	e.Text = &st.Text
	return writeJSON(w, http.StatusOK, e)
}

// maxThread bounds each side of a thread in GET /api/v1/statuses/:id/context.
const maxThread = 200

func (h *Handler) statusContext(w http.ResponseWriter, r *http.Request) error {
	viewer, err := h.viewer(r, auth.ScopeReadStatuses)
	if err != nil {
		return err
	}
	st, err := h.loadStatus(r, viewer)
	if err != nil {
		return err
	}
	ctx := r.Context()
	anc, err := h.db.Ancestors(ctx, st, maxThread)
	if err != nil {
		return err
	}
	desc, err := h.db.Descendants(ctx, st.ID, maxThread)
	if err != nil {
		return err
	}
	out := Context{}
	for _, part := range []struct {
		list []store.Status
		dest *[]Status
	}{{anc, &out.Ancestors}, {desc, &out.Descendants}} {
		visible, err := h.visibleOnly(r, viewer, part.list)
		if err != nil {
			return err
		}
		if *part.dest, err = h.statusEntitiesIn(ctx, viewer, filterThread, visible); err != nil {
			return err
		}
	}
	return writeJSON(w, http.StatusOK, out)
}

// visibleOnly keeps the statuses viewer may see.
func (h *Handler) visibleOnly(r *http.Request, viewer int64, list []store.Status) ([]store.Status, error) {
	out := list[:0:0]
	for _, st := range list {
		ok, err := h.social.CanSee(r.Context(), viewer, st)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, st)
		}
	}
	return out, nil
}

// statusHistory lists every version of a status, oldest first, the current
// one last, as Mastodon does.
func (h *Handler) statusHistory(w http.ResponseWriter, r *http.Request) error {
	viewer, err := h.viewer(r, auth.ScopeReadStatuses)
	if err != nil {
		return err
	}
	st, err := h.loadStatus(r, viewer)
	if err != nil {
		return err
	}
	ctx := r.Context()
	current, err := h.statusEntity(ctx, viewer, st)
	if err != nil {
		return err
	}
	edits, err := h.db.StatusEdits(ctx, st.ID)
	if err != nil {
		return err
	}
	out := make([]StatusEdit, 0, len(edits)+1)
	for _, e := range edits {
		var summaries []social.MediaSummary
		if e.MediaJSON != "" {
			if err := json.Unmarshal([]byte(e.MediaJSON), &summaries); err != nil {
				return fmt.Errorf("edit %d of status %d: media: %w", e.ID, st.ID, err)
			}
		}
		media := make([]MediaAttachment, 0, len(summaries))
		for _, s := range summaries {
			m, err := h.db.MediaByID(ctx, s.ID)
			if errors.Is(err, store.ErrNotFound) {
				continue // removed since; the edit shows what is left
			}
			if err != nil {
				return err
			}
			m.Description = s.Description
			media = append(media, h.mediaEntity(m))
		}
		out = append(out, StatusEdit{Content: e.Content, SpoilerText: e.SpoilerText, Sensitive: e.Sensitive,
			CreatedAt: Time(e.CreatedAt), Account: current.Account, MediaAttachments: media, Emojis: []Emoji{}})
	}
	at := st.EditedAt
	if at.IsZero() {
		at = st.CreatedAt
	}
	out = append(out, StatusEdit{Content: current.Content, SpoilerText: current.SpoilerText, Sensitive: current.Sensitive,
		CreatedAt: Time(at), Account: current.Account, MediaAttachments: current.MediaAttachments, Emojis: []Emoji{}})
	return writeJSON(w, http.StatusOK, out)
}

func (h *Handler) statusSource(w http.ResponseWriter, r *http.Request) error {
	g, err := h.user(r, auth.ScopeReadStatuses)
	if err != nil {
		return err
	}
	st, err := h.loadStatus(r, g.AccountID)
	if err != nil {
		return err
	}
	text := st.Text
	if text == "" {
		text = social.PlainText(st.Content)
	}
	return writeJSON(w, http.StatusOK, StatusSource{ID: store.FormatID(st.ID), Text: text, SpoilerText: st.SpoilerText})
}
