package activitypub

import (
	"context"
	"errors"

	"strings"

	"github.com/pictor-social/pictor/internal/htmlsan"
	"github.com/pictor-social/pictor/store"
)

// postTypes are the object types stored as statuses.
var postTypes = map[TypeName]bool{"Note": true, "Question": true, "Article": true, "Page": true, "Image": true, "Video": true}

// objectOf returns the activity's object, embedded or fetched, checking that
// it lives on the actor's host.
func (f *Federation) objectOf(ctx context.Context, actor store.Account, act Activity) (Object, error) {
	if o := act.Object.Object(); o != nil && o.ID != "" {
		return *o, nil
	}
	id := act.Object.ID()
	if id == "" {
		return Object{}, permanent("activity has no object")
	}
	body, err := f.Get(ctx, id)
	if errors.Is(err, ErrGone) || errors.Is(err, ErrRemoteNotFound) {
		return Object{}, permanent("object %s: %v", id, err)
	}
	if err != nil {
		return Object{}, err
	}
	o, err := ParseObject(body)
	if err != nil {
		return Object{}, permanent("object %s: %v", id, err)
	}
	if o.ID != id {
		return Object{}, permanent("object %s: document id is %q", id, o.ID)
	}
	return o, nil
}

// noteFacts is what a remote note says about its relation to this instance.
type noteFacts struct {
	parent       store.Status
	hasParent    bool
	mentioned    []store.Account // local accounts mentioned or addressed
	followedByUs bool
	remix        remixFacts // pictor:remixOf (process_remix.go)
}

// noteFacts completes the facts about o inside the write transaction;
// mentioned comes from localAddressees, resolved before it.
func (f *Federation) noteFacts(ctx context.Context, tx *store.Tx, author store.Account, o Object, mentioned []store.Account) (noteFacts, error) {
	nf := noteFacts{mentioned: mentioned}
	if p := o.InReplyTo.ID(); p != "" {
		st, err := tx.StatusByURI(ctx, p)
		if err == nil {
			nf.parent, nf.hasParent = st, true
		} else if !errors.Is(err, store.ErrNotFound) {
			return nf, err
		}
	}
	if err := f.remixFacts(ctx, tx, o, &nf.remix); err != nil {
		return nf, err
	}
	followed, err := tx.HasLocalFollowerOf(ctx, author.ID)
	nf.followedByUs = followed
	return nf, err
}

// relevant reports whether Mastodon would keep the note: a reply to a local
// post, addressed to a local account, or by an account someone here follows
// (interop.md A.6 "related to local activity").
func (nf noteFacts) relevant() bool {
	return (nf.hasParent && nf.parent.Local) || len(nf.mentioned) > 0 || nf.followedByUs || nf.remix.ofLocal()
}

// visibilityOf derives Mastodon's visibility from addressing (interop.md A.8).
func visibilityOf(o Object, author store.Account) string {
	switch {
	case o.To.HasPublic():
		return store.VisibilityPublic
	case o.Cc.HasPublic():
		return store.VisibilityUnlisted
	case author.FollowersURI != "" && (o.To.Contains(author.FollowersURI) || o.Cc.Contains(author.FollowersURI)):
		return store.VisibilityPrivate
	}
	return store.VisibilityDirect
}

// applyCreate stores a remote post that concerns this instance, with its
// media, mentions and tags, and notifies mentioned local accounts.
func (f *Federation) applyCreate(ctx context.Context, actor store.Account, act Activity) error {
	o, err := f.objectOf(ctx, actor, act)
	if err != nil {
		return err
	}
	if !postTypes[o.Type] {
		return nil
	}
	if err := f.checkAuthor(actor, o); err != nil {
		return err
	}
	if parent, ok, err := f.isVote(ctx, o); err != nil || ok {
		if err != nil {
			return err
		}
		return f.applyVote(ctx, actor, o, parent)
	}
	mentioned, err := f.localAddressees(ctx, o)
	if err != nil {
		return err
	}
	decision, err := f.screenIncoming(ctx, actor, o, mentioned)
	if err != nil {
		return err
	}
	return f.db.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.StatusByURI(ctx, o.ID); err == nil {
			return nil // already known (or a tombstone): idempotent
		}
		nf, err := f.noteFacts(ctx, tx, actor, o, mentioned)
		if err != nil || !nf.relevant() {
			return err
		}
		st := f.remoteStatus(o, actor, nf)
		if err := tx.InsertStatus(ctx, &st); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return nil
			}
			return err
		}
		if err := f.storeRemoteDetails(ctx, tx, st, o, nf); err != nil {
			return err
		}
		if err := storeRemotePoll(ctx, tx, st, o); err != nil {
			return err
		}
		if err := tx.AttachReplyParent(ctx, st); err != nil {
			return err
		}
		if err := f.storeRemoteRemix(ctx, tx, actor, st, nf.remix); err != nil {
			return err
		}
		if decision != nil {
			decision.StatusID = st.ID
			if err := tx.InsertScreeningDecision(ctx, decision); err != nil {
				return err
			}
		}
		notified := map[int64]bool{}
		for _, m := range nf.mentioned {
			notified[m.ID] = true
			if err := f.notifyScreened(ctx, tx, decision, store.Notification{AccountID: m.ID, FromAccountID: actor.ID, Type: store.NotifyMention, StatusID: st.ID}); err != nil {
				return err
			}
		}
		if nf.hasParent && nf.parent.Local && !notified[nf.parent.AccountID] {
			if err := f.notifyScreened(ctx, tx, decision, store.Notification{AccountID: nf.parent.AccountID, FromAccountID: actor.ID, Type: store.NotifyMention, StatusID: st.ID}); err != nil {
				return err
			}
		}
		if err := f.NotifySubscribers(ctx, tx, st.ID, actor.ID, decision); err != nil {
			return err
		}
		f.PublishStatus(tx, "create", st.ID)
		return nil
	})
}

// checkAuthor requires the note to be attributed to the activity's actor.
func (f *Federation) checkAuthor(actor store.Account, o Object) error {
	if a := o.AttributedTo.ID(); a != "" && a != actor.URI {
		return permanent("object attributed to %s, not to %s", a, actor.URI)
	}
	if f.webURL(o.ID) == "" || hostOf(o.ID) != actor.Domain {
		return permanent("object %s is not on the actor's host", o.ID)
	}
	return nil
}

// remoteStatus builds the status record of a remote note; its url is kept
// only when webURL accepts it (else the id, which checkAuthor checked).
func (f *Federation) remoteStatus(o Object, actor store.Account, nf noteFacts) store.Status {
	// Stored HTML is cleaned once here, as Mastodon does (interop.md A.6):
	// apps render status content as HTML and trust the server for it.
	content := htmlsan.Clean(o.Text())
	if content == "" && o.Name != "" {
		content = "<p>" + htmlEscape(o.Name) + "</p>"
	}
	st := store.Status{
		URI: o.ID, URL: f.webURL(string(o.URL)), AccountID: actor.ID, Content: content, SpoilerText: o.Summary,
		Sensitive: o.Sensitive, Visibility: visibilityOf(o, actor), Language: o.Language(),
		InReplyToURI: f.webURL(o.InReplyTo.ID()), CreatedAt: o.Published.Time,
		Generated: o.DigitalSourceType == TrainedAlgorithmicMedia,
	}
	if st.URL == "" {
		st.URL = o.ID
	}
	if nf.hasParent {
		st.InReplyToID, st.InReplyToAccountID = nf.parent.ID, nf.parent.AccountID
	}
	return st
}

// storeRemoteDetails records the media, mentions and hashtags of a remote note.
func (f *Federation) storeRemoteDetails(ctx context.Context, tx *store.Tx, st store.Status, o Object, nf noteFacts) error {
	if err := tx.SetInteractionPolicy(ctx, st.ID, storePolicy(o.InteractionPolicy)); err != nil {
		return err
	}
	n := 0
	for _, at := range o.Attachment {
		if f.webURL(string(at.URL)) == "" || n == MaxAttachments {
			continue
		}
		mt := at.MediaType
		if mt == "" && at.Type == "Image" {
			mt = "image/jpeg"
		}
		if !strings.HasPrefix(mt, "image/") {
			continue
		}
		m := store.MediaAttachment{AccountID: st.AccountID, StatusID: st.ID, Position: n, RemoteURL: string(at.URL),
			MediaType: mt, Description: firstNonEmpty(at.Summary, at.Name), Blurhash: validBlurhash(at.Blurhash),
			Width: at.Width, Height: at.Height}
		if len(at.FocalPoint) == 2 {
			m.FocusX, m.FocusY = clamp1(at.FocalPoint[0]), clamp1(at.FocalPoint[1])
		}
		if at.DigitalSourceType == TrainedAlgorithmicMedia || st.Generated {
			m.GeneratorBackend = "remote"
		}
		if len(m.Description) > 1500 {
			m.Description = m.Description[:1500]
		}
		if err := tx.InsertMedia(ctx, &m); err != nil {
			return err
		}
		n++
	}
	var ids []int64
	for _, m := range nf.mentioned {
		ids = append(ids, m.ID)
	}
	if err := tx.InsertMentions(ctx, st.ID, ids); err != nil {
		return err
	}
	var tags []string
	for _, t := range o.Tag {
		if t.Type == "Hashtag" {
			if name := strings.TrimPrefix(t.Name, "#"); name != "" && len(name) <= 100 {
				tags = append(tags, name)
			}
		}
	}
	return tx.SetStatusTags(ctx, st.ID, tags)
}

// applyUpdate applies an edit of a known remote note (only with `updated`,
// as Mastodon requires) or refreshes the sender's profile.
func (f *Federation) applyUpdate(ctx context.Context, actor store.Account, act Activity) error {
	if act.Object.ID() == actor.URI {
		if a := act.Object.Actor(); a != nil && a.ID == actor.URI {
			_, err := f.storeActor(ctx, *a)
			return err
		}
		_, err := f.FetchActor(ctx, actor.URI, true)
		return err
	}
	o, err := f.objectOf(ctx, actor, act)
	if err != nil || !postTypes[o.Type] {
		return err
	}
	if err := f.checkAuthor(actor, o); err != nil {
		return err
	}
	if o.Updated.IsZero() {
		return f.refreshRemotePoll(ctx, actor, o)
	}
	mentioned, err := f.localAddressees(ctx, o)
	if err != nil {
		return err
	}
	return f.db.Write(ctx, func(tx *store.Tx) error {
		old, err := tx.StatusByURI(ctx, o.ID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && (old.AccountID != actor.ID || !old.DeletedAt.IsZero())) {
			return nil
		}
		if err != nil {
			return err
		}
		if !old.EditedAt.IsZero() && !o.Updated.After(old.EditedAt) {
			// A repeated edit time: no new edit, but a Question's counts
			// may have moved (Mastodon keeps `updated` on poll Updates).
			return storeRemotePoll(ctx, tx, old, o)
		}
		st := old
		st.Content, st.SpoilerText, st.Sensitive, st.EditedAt = htmlsan.Clean(o.Text()), o.Summary, o.Sensitive, o.Updated.Time
		if err := tx.UpdateStatusContent(ctx, &st, ""); err != nil {
			return err
		}
		if err := tx.DetachMedia(ctx, st.ID); err != nil {
			return err
		}
		nf, err := f.noteFacts(ctx, tx, actor, o, mentioned)
		if err != nil {
			return err
		}
		if err := f.storeRemoteDetails(ctx, tx, st, o, nf); err != nil {
			return err
		}
		if err := storeRemotePoll(ctx, tx, st, o); err != nil {
			return err
		}
		f.PublishStatus(tx, "update", st.ID)
		return f.NotifyEdit(ctx, tx, st)
	})
}

// applyDelete deletes a remote account (object == actor) or one of its posts.
func (f *Federation) applyDelete(ctx context.Context, actor store.Account, act Activity) error {
	id := act.Object.ID()
	return f.db.Write(ctx, func(tx *store.Tx) error {
		if id == actor.URI {
			return tx.MarkAccountDeleted(ctx, actor.ID)
		}
		st, err := tx.StatusByURI(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if st.AccountID != actor.ID {
			return permanent("delete of %s by another actor", id)
		}
		if err := tx.MarkStatusDeleted(ctx, st.ID); err != nil {
			return err
		}
		f.PublishStatus(tx, "delete", st.ID)
		return nil
	})
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func clamp1(v float64) float64 { return max(-1, min(1, v)) }

// validBlurhash keeps a blurhash only if Mastodon would (interop.md A.7):
// well-formed, with at most 5 components each way.
func validBlurhash(h string) string {
	const chars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~"
	if len(h) < 6 {
		return ""
	}
	size := strings.IndexByte(chars, h[0])
	if size < 0 {
		return ""
	}
	nx, ny := size%9+1, size/9+1
	if nx > 5 || ny > 5 || len(h) != 4+2*nx*ny {
		return ""
	}
	for i := 0; i < len(h); i++ {
		if strings.IndexByte(chars, h[i]) < 0 {
			return ""
		}
	}
	return h
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}
