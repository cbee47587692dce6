package social

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/pictor-social/pictor/activitypub"
	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/internal/htmlsan"
	"github.com/pictor-social/pictor/store"
)

// Draft is what a user submits to post or edit a status.
type Draft struct {
	Text        string
	SpoilerText string
	Sensitive   bool
	Visibility  string // public, unlisted, private, direct; "" means the author's default
	Language    string // "" means the author's default
	// SensitiveUnset says the request did not say whether the media are
	// sensitive: the author's default applies.
	SensitiveUnset bool
	InReplyToID    int64
	MediaIDs       []int64
	Poll           *PollDraft // nil: no poll (polls.go)
	RemixOfID      int64      // the post this one remixes (remix.go); media from a remix job imply it
	// ScreeningAck confirms a post that screening warned about
	// (ScreeningAckParam); it is then published and marked for review.
	ScreeningAck bool
}

// prepared is a validated draft with its text rendered and mentions resolved.
type prepared struct {
	draft    Draft
	html     string
	mentions []store.Account
	tags     []string
	media    []store.MediaAttachment
	parent   store.Status
	poll     *store.Poll // a new poll, validated (polls.go)
}

// prepare validates d for author and resolves mentions (which may fetch
// remote accounts, so it runs before the write transaction).
func (s *Service) prepare(ctx context.Context, author store.Account, d Draft, editing int64) (prepared, error) {
	p := prepared{draft: d}
	d.Text = strings.TrimSpace(d.Text)
	switch d.Visibility {
	case "":
		p.draft.Visibility = store.VisibilityPublic
	case store.VisibilityPublic, store.VisibilityUnlisted, store.VisibilityPrivate, store.VisibilityDirect:
	default:
		return p, apperr.Invalid("visibility must be public, unlisted, private or direct")
	}
	if d.Text == "" && len(d.MediaIDs) == 0 {
		return p, apperr.Invalid("text can't be blank")
	}
	if n := textLength(d.Text) + textLength(d.SpoilerText); n > s.opts.MaxChars {
		return p, apperr.Invalid("text is longer than %d characters", s.opts.MaxChars)
	}
	if d.Poll != nil {
		poll, err := s.preparePoll(*d.Poll, len(d.MediaIDs) > 0)
		if err != nil {
			return p, err
		}
		p.poll = &poll
	}
	if len(d.MediaIDs) > s.opts.MaxMedia {
		return p, apperr.Invalid("a status can have at most %d images", s.opts.MaxMedia)
	}
	for _, id := range d.MediaIDs {
		m, err := s.db.MediaByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) || (err == nil && m.AccountID != author.ID) {
			return p, apperr.Invalid("media %d not found", id)
		}
		if err != nil {
			return p, err
		}
		if m.StatusID != 0 && m.StatusID != editing {
			return p, apperr.Invalid("media %d is already attached to a status", id)
		}
		p.media = append(p.media, m)
	}
	if d.InReplyToID != 0 {
		// A status the author may not see is not found, as Mastodon answers;
		// a reply to a boost answers the boosted status.
		parent, parentAuthor, err := s.visibleStatus(ctx, author.ID, d.InReplyToID)
		if err != nil {
			return p, err
		}
		if err := s.checkInteraction(ctx, author, parent, parentAuthor, interactReply); err != nil {
			return p, err
		}
		p.parent = parent
	}
	d.Text = s.labelled(d.Text, p.media)
	p.draft.Text = d.Text
	if n := textLength(d.Text) + textLength(d.SpoilerText); n > s.opts.MaxChars {
		return p, apperr.Invalid("text is longer than %d characters with the AI label", s.opts.MaxChars)
	}
	f := Format(d.Text, s.fed.URLs.Tag(""), func(handle string) (string, string, bool) {
		a, err := s.ResolveMention(ctx, handle)
		if err != nil {
			return "", "", false
		}
		href := htmlsan.URLOr(a.URL, htmlsan.URLOr(a.URI, ""))
		if href == "" { // a stored URL of another scheme never becomes a link that federates
			return "", "", false
		}
		p.mentions = appendAccount(p.mentions, a)
		return href, a.Username, true
	})
	p.html, p.tags = f.HTML, f.Tags
	if p.parent.ID != 0 && p.parent.AccountID != author.ID {
		parentAuthor, err := s.db.AccountByID(ctx, p.parent.AccountID)
		if err != nil {
			return p, err
		}
		p.mentions = appendAccount(p.mentions, parentAuthor)
	}
	return p, nil
}

func appendAccount(list []store.Account, a store.Account) []store.Account {
	for _, x := range list {
		if x.ID == a.ID {
			return list
		}
	}
	return append(list, a)
}

// CreateStatus publishes a status: it stores it with its media, mentions and
// tags, notifies mentioned local accounts and enqueues the Create for every
// remote follower and mentioned account, all in one transaction.
func (s *Service) CreateStatus(ctx context.Context, accountID int64, d Draft) (store.Status, error) {
	author, err := s.localAccount(ctx, accountID)
	if err != nil {
		return store.Status{}, err
	}
	if d, err = s.WithPostingDefaults(ctx, author.ID, d); err != nil {
		return store.Status{}, err
	}
	p, err := s.prepare(ctx, author, d, 0)
	if err != nil {
		return store.Status{}, err
	}
	remix, err := s.prepareRemix(ctx, author, d)
	if err != nil {
		return store.Status{}, err
	}
	if remix != nil {
		p.html += s.remixLine(remix)
	}
	decision, err := s.screenLocal(ctx, author, p, d.ScreeningAck)
	if err != nil {
		return store.Status{}, err
	}
	var st store.Status
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		st = store.Status{AccountID: author.ID, Local: true, Content: p.html, Text: strings.TrimSpace(p.draft.Text),
			SpoilerText: d.SpoilerText, Sensitive: d.Sensitive || d.SpoilerText != "", Visibility: p.draft.Visibility,
			Language: d.Language, Generated: anyGenerated(p.media)}
		st.ID = tx.NewID(tx.Now())
		st.URI = s.fed.URLs.Status(author.Username, st.ID)
		st.URL = s.fed.URLs.StatusPage(author.Username, st.ID)
		if p.parent.ID != 0 {
			st.InReplyToID, st.InReplyToURI, st.InReplyToAccountID = p.parent.ID, p.parent.URI, p.parent.AccountID
		}
		if err := tx.InsertStatus(ctx, &st); err != nil {
			return err
		}
		if err := s.storeDetails(ctx, tx, st, p); err != nil {
			return err
		}
		if err := s.storePoll(ctx, tx, st, p.poll, d.Poll.expiresIn()); err != nil {
			return err
		}
		if err := logDecision(ctx, tx, decision, st.ID); err != nil {
			return err
		}
		for _, m := range p.mentions {
			if m.Local() {
				if err := s.notify(ctx, tx, store.Notification{AccountID: m.ID, FromAccountID: author.ID, Type: store.NotifyMention, StatusID: st.ID}); err != nil {
					return err
				}
			}
		}
		extra, err := s.storeRemix(ctx, tx, st, remix)
		if err != nil {
			return err
		}
		nd := s.noteData(st, author, p)
		if remix != nil {
			nd.RemixOf = remix.status.URI
		}
		note := s.fed.RenderNote(nd)
		inboxes, err := s.fed.Recipients(ctx, tx, st, author, p.mentions)
		if err != nil {
			return err
		}
		inboxes = appendInboxes(inboxes, extra)
		create := activitypub.CreateNote(note)
		if err := s.fed.NotifySubscribers(ctx, tx, st.ID, author.ID, nil); err != nil {
			return err
		}
		s.publishStatus(tx, "create", st.ID)
		return s.fed.Enqueue(ctx, tx, author, create.ID, "Create", create, inboxes)
	})
	return st, err
}

func anyGenerated(media []store.MediaAttachment) bool {
	for _, m := range media {
		if m.Generated() {
			return true
		}
	}
	return false
}

func (s *Service) storeDetails(ctx context.Context, tx *store.Tx, st store.Status, p prepared) error {
	ids := make([]int64, len(p.media))
	for i, m := range p.media {
		ids[i] = m.ID
	}
	if err := tx.AttachMedia(ctx, st.ID, ids); err != nil {
		return err
	}
	var mentioned []int64
	for _, m := range p.mentions {
		mentioned = append(mentioned, m.ID)
	}
	if err := tx.InsertMentions(ctx, st.ID, mentioned); err != nil {
		return err
	}
	return tx.SetStatusTags(ctx, st.ID, p.tags)
}

func (s *Service) noteData(st store.Status, author store.Account, p prepared) activitypub.NoteData {
	d := activitypub.NoteData{Status: st, Author: author, Media: p.media, Mentions: p.mentions, Tags: p.tags, Poll: p.poll}
	for i := range d.Media {
		d.Media[i].StatusID, d.Media[i].Position = st.ID, i
		if d.Media[i].Generated() && d.Generator == nil {
			name := d.Media[i].GeneratorBackend
			if d.Media[i].GeneratorModel != "" {
				name += " " + d.Media[i].GeneratorModel
			}
			d.Generator = &activitypub.Generator{Type: "Application", Name: name}
		}
	}
	return d
}

// EditStatus changes a local status's text, content warning and media. The
// previous version is kept in the edit history, and an Update with `updated`
// goes to the same audience as the Create.
func (s *Service) EditStatus(ctx context.Context, accountID, statusID int64, d Draft) (store.Status, error) {
	author, err := s.localAccount(ctx, accountID)
	if err != nil {
		return store.Status{}, err
	}
	old, err := s.ownStatus(ctx, author, statusID)
	if err != nil {
		return store.Status{}, err
	}
	d.Visibility, d.InReplyToID = old.Visibility, old.InReplyToID
	// What the edit leaves out stays as it was (Mastodon's UpdateStatusService).
	if d.SensitiveUnset {
		d.Sensitive = old.Sensitive && old.SpoilerText == ""
	}
	if d.Language == "" {
		d.Language = old.Language
	}
	p, err := s.prepare(ctx, author, d, old.ID)
	if err != nil {
		return store.Status{}, err
	}
	remixLine, remixOf, err := s.existingRemix(ctx, old.ID)
	if err != nil {
		return store.Status{}, err
	}
	p.html += remixLine
	decision, err := s.screenLocal(ctx, author, p, d.ScreeningAck)
	if err != nil {
		return store.Status{}, err
	}
	var st store.Status
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		if err := logDecision(ctx, tx, decision, old.ID); err != nil {
			return err
		}
		prev, err := tx.MediaForStatus(ctx, old.ID)
		if err != nil {
			return err
		}
		prevJSON, _ := json.Marshal(mediaSummaries(prev))
		st = old
		st.Content, st.Text, st.SpoilerText = p.html, strings.TrimSpace(p.draft.Text), d.SpoilerText
		st.Sensitive, st.Language, st.Generated = d.Sensitive || d.SpoilerText != "", d.Language, anyGenerated(p.media)
		st.EditedAt = tx.Now()
		if err := tx.UpdateStatusContent(ctx, &st, string(prevJSON)); err != nil {
			return err
		}
		if err := tx.DetachMedia(ctx, st.ID); err != nil {
			return err
		}
		if err := s.storeDetails(ctx, tx, st, p); err != nil {
			return err
		}
		if p.poll, err = s.editPoll(ctx, tx, st, p.poll, d.Poll.expiresIn()); err != nil {
			return err
		}
		nd := s.noteData(st, author, p)
		nd.RemixOf = remixOf
		note := s.fed.RenderNote(nd)
		inboxes, err := s.fed.Recipients(ctx, tx, st, author, p.mentions)
		if err != nil {
			return err
		}
		upd := activitypub.UpdateNote(note, st.EditedAt)
		s.publishStatus(tx, "update", st.ID)
		if err := s.fed.NotifyEdit(ctx, tx, st); err != nil {
			return err
		}
		return s.fed.Enqueue(ctx, tx, author, upd.ID, "Update", upd, inboxes)
	})
	return st, err
}

// MediaSummary is one attachment as remembered in the edit history.
type MediaSummary struct {
	ID          int64  `json:"id"`
	FileName    string `json:"file_name"`
	Description string `json:"description"`
}

func mediaSummaries(list []store.MediaAttachment) []MediaSummary {
	out := make([]MediaSummary, len(list))
	for i, m := range list {
		out[i] = MediaSummary{ID: m.ID, FileName: m.FileName, Description: m.Description}
	}
	return out
}

// ownStatus loads a live status of author, else apperr.NotFound.
func (s *Service) ownStatus(ctx context.Context, author store.Account, id int64) (store.Status, error) {
	st, err := s.db.StatusByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (st.AccountID != author.ID || !st.DeletedAt.IsZero() || st.ReblogOfID != 0)) {
		return store.Status{}, apperr.NotFound("status not found")
	}
	return st, err
}

// DeleteStatus deletes a local status: it becomes a tombstone (its URL
// answers 410) and a Delete goes to everyone who received it.
func (s *Service) DeleteStatus(ctx context.Context, accountID, statusID int64) (store.Status, error) {
	author, err := s.localAccount(ctx, accountID)
	if err != nil {
		return store.Status{}, err
	}
	st, err := s.ownStatus(ctx, author, statusID)
	if err != nil {
		return store.Status{}, err
	}
	return st, s.db.Write(ctx, func(tx *store.Tx) error { return s.tombstone(ctx, tx, author, st) })
}

// tombstone deletes st of local author in tx and queues its Delete.
func (s *Service) tombstone(ctx context.Context, tx *store.Tx, author store.Account, st store.Status) error {
	mentions, err := tx.MentionedAccounts(ctx, st.ID)
	if err != nil {
		return err
	}
	to, cc := activitypub.Audience(st, author, mentions)
	inboxes, err := s.fed.Recipients(ctx, tx, st, author, mentions)
	if err != nil {
		return err
	}
	if err := tx.MarkStatusDeleted(ctx, st.ID); err != nil {
		return err
	}
	del := activitypub.DeleteNote(st.URI, author.URI, to, cc)
	s.publishStatus(tx, "delete", st.ID)
	return s.fed.Enqueue(ctx, tx, author, del.ID, "Delete", del, inboxes)
}

func (s *Service) publishStatus(tx *store.Tx, kind string, id int64) {
	s.fed.PublishStatus(tx, kind, id)
}

func (s *Service) notify(ctx context.Context, tx *store.Tx, n store.Notification) error {
	return s.fed.Notify(ctx, tx, n)
}
