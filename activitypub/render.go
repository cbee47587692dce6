package activitypub

import (
	"bytes"
	"encoding/json"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/pictor-social/pictor/store"
)

// TrainedAlgorithmicMedia is the IPTC digital source type of AI-generated
// images, stated on every generated attachment and note.
const TrainedAlgorithmicMedia = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"

// MaxAttachments is how many images a post carries; Mastodon keeps only the
// first 4 and Bluesky embeds 4 (interop.md A.7, B.3).
const MaxAttachments = 4

// RenderActor renders a local account as an ActivityPub actor.
func (f *Federation) RenderActor(a store.Account) Actor {
	return f.renderActor(actorInputOf(a))
}

// actorInput is everything of an account the actor document shows: the
// document is a function of it and the Federation's constant URLs alone,
// which is what makes a kept document (actorDocs) exact. Building one
// copies no slice.
type actorInput struct {
	actorScalars
	published time.Time // the day of creation
	fields    []store.Field
}

// actorScalars are the comparable part of an actorInput.
type actorScalars struct {
	id, typ, username, name, note, url, inbox, outbox, followers, following, featured string
	sharedInbox, keyID, keyPEM, avatarFile, headerFile                                string
	locked, discoverable, indexable                                                   bool
}

func actorInputOf(a store.Account) actorInput {
	return actorInput{actorScalars: actorScalars{id: a.URI, typ: actorType(a), username: a.Username,
		name: a.DisplayName, note: a.Note, url: a.URL, inbox: a.InboxURI, outbox: a.OutboxURI,
		followers: a.FollowersURI, following: a.FollowingURI, featured: a.FeaturedURI, sharedInbox: a.SharedInboxURI,
		keyID: a.PublicKeyID, keyPEM: a.PublicKeyPEM, avatarFile: a.AvatarFile, headerFile: a.HeaderFile,
		locked: a.Locked, discoverable: a.Discoverable, indexable: a.Indexable},
		published: a.CreatedAt.Truncate(24 * time.Hour), fields: a.Fields}
}

// equal reports whether two inputs render the same document.
func (in actorInput) equal(o actorInput) bool {
	return in.actorScalars == o.actorScalars && in.published.Equal(o.published) &&
		slices.EqualFunc(in.fields, o.fields, func(a, b store.Field) bool { return a.Name == b.Name && a.Value == b.Value })
}

func (f *Federation) renderActor(a actorInput) Actor {
	act := Actor{
		Context: Context(), ID: a.id, Type: TypeName(a.typ), PreferredUsername: a.username,
		Name: a.name, Summary: a.note, URL: Href(a.url), Inbox: a.inbox, Outbox: a.outbox,
		Followers: a.followers, Following: a.following, Featured: a.featured,
		PublicKey:                 Keys{{ID: a.keyID, Owner: a.id, PublicKeyPem: a.keyPEM}},
		ManuallyApprovesFollowers: a.locked, Discoverable: a.discoverable, Indexable: a.indexable,
		Published: TimeOf(a.published),
	}
	if a.sharedInbox != "" {
		act.Endpoints = &Endpoints{SharedInbox: a.sharedInbox}
	}
	if a.username == InstanceActorUsername {
		// The instance actor follows nobody, is followed by nobody and posts
		// nothing: it advertises only its (empty) outbox, as Mastodon's does.
		act.Followers, act.Following, act.Featured = "", "", ""
	} else if a.featured != "" {
		act.FeaturedTags = f.URLs.FeaturedTags(a.username)
	}
	act.Icon = &Image{Type: "Image", MediaType: "image/png", URL: Href(f.URLs.Base + "/static/img/avatar.png")}
	if a.avatarFile != "" {
		act.Icon = &Image{Type: "Image", MediaType: mediaTypeOfFile(a.avatarFile), URL: Href(f.URLs.Media(a.avatarFile))}
	}
	if a.headerFile != "" {
		act.Image = &Image{Type: "Image", MediaType: mediaTypeOfFile(a.headerFile), URL: Href(f.URLs.Media(a.headerFile))}
	}
	for _, fl := range a.fields {
		act.Attachment = append(act.Attachment, Attachment{Type: "PropertyValue", Name: fl.Name, Value: fl.Value})
	}
	return act
}

func actorType(a store.Account) string {
	if a.ActorType == "Application" {
		return "Application"
	}
	if a.Bot {
		return "Service"
	}
	return "Person"
}

func mediaTypeOfFile(name string) string {
	switch {
	case strings.HasSuffix(name, ".png"):
		return "image/png"
	case strings.HasSuffix(name, ".webp"):
		return "image/webp"
	case strings.HasSuffix(name, ".gif"):
		return "image/gif"
	}
	return "image/jpeg"
}

// NoteData is everything RenderNote needs about one status.
type NoteData struct {
	Status    store.Status
	Author    store.Account
	Media     []store.MediaAttachment
	Mentions  []store.Account
	Tags      []string
	Generator *Generator  // set for posts with generated images
	Poll      *store.Poll // set for posts with a poll: rendered as a Question
	RemixOf   string      // the id of the Note this post remixes (pictor:remixOf), or ""
}

// Audience returns the to and cc lists of a status as Mastodon addresses
// them (interop.md A.8, checklist 30).
func Audience(st store.Status, author store.Account, mentions []store.Account) (to, cc IRIs) {
	var mentioned IRIs
	for _, m := range mentions {
		mentioned = append(mentioned, m.URI)
	}
	switch st.Visibility {
	case store.VisibilityPublic:
		return IRIs{Public}, append(IRIs{author.FollowersURI}, mentioned...)
	case store.VisibilityUnlisted:
		return IRIs{author.FollowersURI}, append(IRIs{Public}, mentioned...)
	case store.VisibilityPrivate:
		return IRIs{author.FollowersURI}, mentioned
	}
	return mentioned, nil
}

// RenderNote renders a local status as a Note with its attachments, tags and
// addressing (checklist 28, 31).
func (f *Federation) RenderNote(d NoteData) Object {
	st := d.Status
	to, cc := Audience(st, d.Author, d.Mentions)
	o := Object{
		ID: st.URI, Type: "Note", AttributedTo: IRI(d.Author.URI), Content: st.Content, Summary: st.SpoilerText,
		Sensitive: st.Sensitive || st.SpoilerText != "", Published: TimeOf(st.CreatedAt), URL: Href(st.URL),
		To: to, Cc: cc,
	}
	if st.Language != "" {
		o.ContentMap = map[string]string{st.Language: st.Content}
	}
	if st.InReplyToURI != "" {
		o.InReplyTo = IRI(st.InReplyToURI)
	}
	if !st.EditedAt.IsZero() {
		o.Updated = TimeOf(st.EditedAt)
	}
	for _, m := range d.Mentions {
		o.Tag = append(o.Tag, Tag{Type: "Mention", Href: m.URI, Name: "@" + m.Username + "@" + accountHost(m, f.host)})
	}
	tags := append([]string(nil), d.Tags...)
	sort.Strings(tags)
	for _, t := range tags {
		o.Tag = append(o.Tag, Tag{Type: "Hashtag", Href: f.URLs.Tag(t), Name: "#" + t})
	}
	for i, m := range d.Media {
		if i == MaxAttachments {
			break
		}
		o.Attachment = append(o.Attachment, f.renderAttachment(m))
	}
	if d.Generator != nil {
		o.Generator = Embed(*d.Generator)
		o.DigitalSourceType = TrainedAlgorithmicMedia
	}
	if d.Poll != nil {
		renderQuestion(&o, *d.Poll, f.db.Now())
	}
	if d.RemixOf != "" {
		o.RemixOf = IRI(d.RemixOf)
	}
	return o
}

func accountHost(a store.Account, local string) string {
	if a.Domain == "" {
		return local
	}
	return a.Domain
}

func (f *Federation) renderAttachment(m store.MediaAttachment) Attachment {
	at := Attachment{
		Type: "Document", MediaType: m.MediaType, URL: Href(m.RemoteURL), Name: m.Description,
		Blurhash: m.Blurhash, Width: m.Width, Height: m.Height,
	}
	if m.FileName != "" {
		at.URL = Href(f.URLs.Media(m.FileName))
	}
	if m.FocusX != 0 || m.FocusY != 0 {
		at.FocalPoint = []float64{m.FocusX, m.FocusY}
	}
	if m.Generated() {
		at.DigitalSourceType = TrainedAlgorithmicMedia
		if m.OriginalName != "" {
			at.OriginalURL = f.URLs.Media(m.OriginalName)
		}
	}
	return at
}

// activityDoc is an outgoing activity with its context and object.
type activityDoc struct {
	Context   LDContext `json:"@context,omitempty"`
	ID        string    `json:"id"`
	Type      string    `json:"type"`
	Actor     string    `json:"actor"`
	Published *Time     `json:"published,omitempty"`
	To        IRIs      `json:"to,omitempty"`
	Cc        IRIs      `json:"cc,omitempty"`
	Object    any       `json:"object"`
}

// CreateNote wraps a rendered note in its Create activity, whose id is the
// note id plus "/activity" (Mastodon's shape; checklist 29).
func CreateNote(note Object) activityDoc {
	p := note.Published
	return activityDoc{Context: Context(), ID: note.ID + "/activity", Type: "Create", Actor: note.AttributedTo.ID(),
		Published: &p, To: note.To, Cc: note.Cc, Object: note}
}

// UpdateNote wraps an edited note in an Update; edits carry `updated`, which
// Mastodon requires to apply them (interop.md A.6).
func UpdateNote(note Object, at time.Time) activityDoc {
	return activityDoc{Context: Context(), ID: updateID(note.ID, at), Type: "Update",
		Actor: note.AttributedTo.ID(), To: note.To, Cc: note.Cc, Object: note}
}

// updateID returns a fresh id for an Update of base: the time plus a random
// part, since two edits can share a millisecond and every activity id must
// be unique.
func updateID(base string, at time.Time) string {
	return base + "#updates/" + itoa(at.UnixMilli()) + "-" + uuid.NewString()[:8]
}

// DeleteNote announces the deletion of a note with a Tombstone (checklist 38).
func DeleteNote(noteID, actor string, to, cc IRIs) activityDoc {
	return activityDoc{Context: Context(), ID: noteID + "#delete", Type: "Delete", Actor: actor, To: to, Cc: cc,
		Object: Tombstone{ID: noteID, Type: "Tombstone"}}
}

// UpdateActor announces a profile change to followers.
func (f *Federation) UpdateActor(a store.Account, at time.Time) activityDoc {
	act := f.RenderActor(a)
	act.Context = nil
	return activityDoc{Context: Context(), ID: updateID(a.URI, at), Type: "Update", Actor: a.URI,
		To: IRIs{Public}, Cc: IRIs{a.FollowersURI}, Object: act}
}

// simpleActivity is a Follow, Like, Announce, Block and the like.
type simpleActivity struct {
	Context   LDContext `json:"@context,omitempty"`
	ID        string    `json:"id"`
	Type      string    `json:"type"`
	Actor     string    `json:"actor"`
	Object    any       `json:"object"`
	Published *Time     `json:"published,omitempty"`
	To        IRIs      `json:"to,omitempty"`
	Cc        IRIs      `json:"cc,omitempty"`
}

// Follow renders a Follow of target by actor with the given id.
func Follow(id, actor, target string) simpleActivity {
	return simpleActivity{Context: Context(), ID: id, Type: "Follow", Actor: actor, Object: target, To: IRIs{target}}
}

// Block renders a block of target by actor.
func Block(id, actor, target string) simpleActivity {
	return simpleActivity{Context: Context(), ID: id, Type: "Block", Actor: actor, Object: target, To: IRIs{target}}
}

// Accept accepts a follow; the original Follow is embedded with its id, which
// satisfies Mastodon and Pleroma alike (checklist 24).
func Accept(id, actor string, follow simpleActivity) simpleActivity {
	follow.Context = nil
	return simpleActivity{Context: Context(), ID: id, Type: "Accept", Actor: actor, Object: follow, To: IRIs{follow.Actor}}
}

// Reject rejects a follow, embedding it like Accept.
func Reject(id, actor string, follow simpleActivity) simpleActivity {
	a := Accept(id, actor, follow)
	a.Type = "Reject"
	return a
}

// Undo undoes an activity, embedding it whole with its type (checklist 27).
func Undo(id string, original simpleActivity) simpleActivity {
	original.Context = nil
	return simpleActivity{Context: Context(), ID: id, Type: "Undo", Actor: original.Actor, Object: original,
		To: original.To, Cc: original.Cc}
}

// Like renders a like of a note.
func Like(id, actor, object, objectAuthor string) simpleActivity {
	return simpleActivity{Context: Context(), ID: id, Type: "Like", Actor: actor, Object: object, To: IRIs{objectAuthor}}
}

// Announce renders a boost, addressed publicly as Mastodon does.
func Announce(id, actor, object, objectAuthor, followers string, at time.Time) simpleActivity {
	p := TimeOf(at)
	return simpleActivity{Context: Context(), ID: id, Type: "Announce", Actor: actor, Object: object, Published: &p,
		To: IRIs{Public}, Cc: IRIs{objectAuthor, followers}}
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

// Marshal encodes an ActivityPub document without escaping HTML characters,
// so content reads as other servers write it.
func Marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}
