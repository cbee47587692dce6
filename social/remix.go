package social

import (
	"context"
	"errors"
	"html"
	"strings"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/store"
)

// Remixes (issue 12)
//
// A post made from another post's image, or from its prompt, names that
// post: the status_remixes row, a "Remix of @user" line with a link at the
// end of its content (so every fediverse reader sees the lineage), the
// pictor:remixOf term on its Note (docs/federation.md), and a pictor.remix
// notification to the source's local author. A remote source's author gets
// the Create in their inbox, without a mention, so their Pictor server can
// count and notify the remix too.

// VisibleStatus returns the status statusID when viewer may see it (not
// deleted, visible, its author not blocking viewer); a boost gives the
// boosted post. Otherwise apperr.NotFound.
func (s *Service) VisibleStatus(ctx context.Context, viewer, statusID int64) (store.Status, store.Account, error) {
	return s.visibleStatus(ctx, viewer, statusID)
}

// ResolvePost finds the post a pasted address names, for viewer: a local
// post's page or id, a known post's id or page, a local media file's URL or
// a known remote attachment's URL, or else a remote post fetched and stored
// through the same checked lookup as search (activitypub.LookupURL). The
// post must be visible to viewer. Errors are apperr.NotFound or Unavailable.
func (s *Service) ResolvePost(ctx context.Context, viewer int64, raw string) (store.Status, error) {
	raw = strings.TrimSpace(raw)
	notFound := apperr.NotFound("no post found at %s", raw)
	if s.fed.IsLocalURI(raw) {
		if name, ok := strings.CutPrefix(raw, s.fed.URLs.Media("")); ok {
			m, err := s.db.MediaByFileName(ctx, name)
			return s.postOfMedia(ctx, viewer, m, err)
		}
		_, id, ok := s.fed.URLs.ParseLocal(raw)
		if !ok || id == 0 {
			return store.Status{}, notFound
		}
		st, _, err := s.visibleStatus(ctx, viewer, id)
		return st, err
	}
	st, err := s.db.StatusByURI(ctx, raw)
	if errors.Is(err, store.ErrNotFound) {
		if m, merr := s.db.MediaByRemoteURL(ctx, raw); merr == nil {
			return s.postOfMedia(ctx, viewer, m, nil)
		}
		found, lerr := s.fed.LookupURL(ctx, raw)
		if lerr != nil {
			return store.Status{}, lerr
		}
		if found.Status.ID == 0 {
			return store.Status{}, notFound
		}
		st, err = found.Status, nil
	}
	if err != nil {
		return store.Status{}, err
	}
	st, _, err = s.visibleStatus(ctx, viewer, st.ID)
	return st, err
}

func (s *Service) postOfMedia(ctx context.Context, viewer int64, m store.MediaAttachment, err error) (store.Status, error) {
	if errors.Is(err, store.ErrNotFound) || (err == nil && m.StatusID == 0) {
		return store.Status{}, apperr.NotFound("no post found for this image")
	}
	if err != nil {
		return store.Status{}, err
	}
	st, _, err := s.visibleStatus(ctx, viewer, m.StatusID)
	return st, err
}

// remixSource is the post a new status remixes, resolved before the write.
type remixSource struct {
	status store.Status
	author store.Account
}

// prepareRemix finds what d remixes: d.RemixOfID, or else the post whose
// image a remix job turned into one of d's media. The source must still be
// visible to the author; a source gone since the job ran is left out.
func (s *Service) prepareRemix(ctx context.Context, author store.Account, d Draft) (*remixSource, error) {
	id := d.RemixOfID
	if id == 0 {
		var err error
		if id, err = s.db.RemixSourceOfMedia(ctx, d.MediaIDs); err != nil {
			return nil, err
		}
	}
	if id == 0 {
		return nil, nil
	}
	st, src, err := s.visibleStatus(ctx, author.ID, id)
	if _, ok := apperr.As(err); ok && d.RemixOfID == 0 {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &remixSource{status: st, author: src}, nil
}

// remixLine is the plain-text lineage appended to a remix's content.
func (s *Service) remixLine(src *remixSource) string {
	href := src.status.URL
	if href == "" {
		href = src.status.URI
	}
	handle := src.author.Acct()
	if src.author.Local() {
		handle += "@" + s.fed.Host()
	}
	return `<p>Remix of <a href="` + html.EscapeString(href) + `" class="pictor-remix-of">@` +
		html.EscapeString(handle) + `</a></p>`
}

// storeRemix records the lineage of st in tx, notifies a local source
// author and returns the inboxes to add to the Create's delivery (a remote
// source author's, for public and unlisted remixes).
func (s *Service) storeRemix(ctx context.Context, tx *store.Tx, st store.Status, src *remixSource) ([]string, error) {
	if src == nil {
		return nil, nil
	}
	if err := tx.InsertRemix(ctx, store.Remix{StatusID: st.ID, SourceID: src.status.ID, SourceURI: src.status.URI}); err != nil {
		return nil, err
	}
	if src.author.Local() {
		return nil, s.notify(ctx, tx, store.Notification{AccountID: src.author.ID, FromAccountID: st.AccountID,
			Type: store.NotifyRemix, StatusID: st.ID})
	}
	if st.Visibility == store.VisibilityPublic || st.Visibility == store.VisibilityUnlisted {
		return []string{src.author.DeliveryInbox()}, nil
	}
	return nil, nil
}

// appendInboxes adds extra to inboxes, skipping ones already there.
func appendInboxes(inboxes, extra []string) []string {
	for _, e := range extra {
		dup := false
		for _, i := range inboxes {
			dup = dup || i == e
		}
		if !dup && e != "" {
			inboxes = append(inboxes, e)
		}
	}
	return inboxes
}

// existingRemix returns, for an edit of status id, the lineage line its
// content keeps and the source Note's id; both "" when it remixes nothing.
func (s *Service) existingRemix(ctx context.Context, id int64) (line, uri string, err error) {
	r, err := s.db.RemixOf(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return "", "", nil
	}
	if err != nil {
		return "", "", err
	}
	if r.SourceID != 0 {
		if st, err := s.db.StatusByID(ctx, r.SourceID); err == nil {
			if a, err := s.db.AccountByID(ctx, st.AccountID); err == nil {
				return s.remixLine(&remixSource{status: st, author: a}), r.SourceURI, nil
			}
		}
	}
	return `<p>Remix of <a href="` + html.EscapeString(r.SourceURI) + `" class="pictor-remix-of">another post</a></p>`, r.SourceURI, nil
}
