package activitypub

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// This file holds the ActivityStreams 2.0 wire structs. Decoding tolerates the
// shapes real servers send (interop.md D.8; checked against
// testdata/fixtures): a value that may be a string, an object or an array
// is read through one of the types below, and a field of an unexpected JSON
// type is left at its zero value instead of failing the document. Encoding
// emits the shapes Mastodon accepts (interop.md A.2, A.7, D.7).

// Public is the special collection that marks a post as public (interop.md A.8).
const Public = "https://www.w3.org/ns/activitystreams#Public"

// IsPublic reports whether iri names the Public collection, in its full or one
// of its compact forms ("as:Public", "Public").
func IsPublic(iri string) bool {
	return iri == Public || iri == "as:Public" || iri == "Public"
}

// MaxDocumentBytes is the largest document the Parse functions accept; Mastodon
// reads fetched JSON only up to 1 MB (interop.md A.2).
const MaxDocumentBytes = 1 << 20

// maxDepth bounds JSON nesting: embedded values are decoded level by level, so
// the work grows with depth, and real documents stay below 10.
const maxDepth = 48

// ErrMalformed is wrapped by the Parse functions when the input is not a JSON
// object, is too large or too deeply nested, or lacks a required field.
var ErrMalformed = errors.New("malformed ActivityStreams document")

// Attachment is one entry of `attachment`: a Document or Image on a post
// (interop.md A.7), a PropertyValue profile field on an actor, or a Link. A
// bare string decodes as {URL: s}; a Link's href is copied into URL.
type Attachment struct {
	Type              TypeName  `json:"type,omitempty"`
	MediaType         string    `json:"mediaType,omitempty"`
	URL               Href      `json:"url,omitempty"`
	Href              string    `json:"href,omitempty"`
	Name              string    `json:"name,omitempty"`
	Summary           string    `json:"summary,omitempty"`
	Value             string    `json:"value,omitempty"`
	Blurhash          string    `json:"blurhash,omitempty"`
	FocalPoint        []float64 `json:"focalPoint,omitempty"`
	Width             int       `json:"width,omitempty"`
	Height            int       `json:"height,omitempty"`
	DigitalSourceType string    `json:"digitalSourceType,omitempty"`
	// OriginalURL links a generated image's untouched provider file (which
	// may carry signed C2PA provenance); url is the web-sized copy.
	OriginalURL string `json:"originalUrl,omitempty"`
}

// UnmarshalJSON implements json.Unmarshaler; it never fails on shape.
func (a *Attachment) UnmarshalJSON(b []byte) error {
	type plain Attachment
	*a = Attachment{}
	switch jsonKind(b) {
	case '"':
		a.URL = Href(firstString(b))
	case '{':
		var p plain
		_ = lenient(json.Unmarshal(b, &p))
		*a = Attachment(p)
		if a.URL == "" {
			a.URL = Href(a.Href)
		}
	}
	return nil
}

// Attachments is the `attachment` list: an array, a single object or a string.
type Attachments []Attachment

// UnmarshalJSON implements json.Unmarshaler; it never fails on shape.
func (l *Attachments) UnmarshalJSON(b []byte) error {
	*l = decodeList[Attachment](b)
	return nil
}

// Tag is one entry of `tag`: a Mention, Hashtag or Emoji (interop.md A.6).
type Tag struct {
	Type    TypeName `json:"type,omitempty"`
	ID      string   `json:"id,omitempty"`
	Href    string   `json:"href,omitempty"`
	Name    string   `json:"name,omitempty"`
	Icon    *Image   `json:"icon,omitempty"`
	Updated Time     `json:"updated,omitzero"`
}

// UnmarshalJSON implements json.Unmarshaler; it never fails on shape. A bare
// string becomes Href when it looks like a URL, else Name.
func (t *Tag) UnmarshalJSON(b []byte) error {
	type plain Tag
	*t = Tag{}
	switch jsonKind(b) {
	case '"':
		s := firstString(b)
		if strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") {
			t.Href = s
		} else {
			t.Name = s
		}
	case '{':
		var p plain
		_ = lenient(json.Unmarshal(b, &p))
		*t = Tag(p)
	}
	return nil
}

// Tags is the `tag` list: an array, a single object or a string.
type Tags []Tag

// UnmarshalJSON implements json.Unmarshaler; it never fails on shape.
func (l *Tags) UnmarshalJSON(b []byte) error {
	*l = decodeList[Tag](b)
	return nil
}

// Image is an `icon` or `image`: an object with a url, a bare URL string, or an
// array (the first entry is used).
type Image struct {
	Type      TypeName `json:"type,omitempty"`
	MediaType string   `json:"mediaType,omitempty"`
	URL       Href     `json:"url,omitempty"`
	Name      string   `json:"name,omitempty"`
	Width     int      `json:"width,omitempty"`
	Height    int      `json:"height,omitempty"`
}

// UnmarshalJSON implements json.Unmarshaler; it never fails on shape.
func (im *Image) UnmarshalJSON(b []byte) error {
	type plain Image
	*im = Image{}
	switch jsonKind(b) {
	case '"':
		im.URL = Href(firstString(b))
	case '{':
		var p plain
		_ = lenient(json.Unmarshal(b, &p))
		*im = Image(p)
	case '[':
		if l := decodeList[Image](b); len(l) > 0 {
			*im = l[0]
		}
	}
	return nil
}

// Key is an actor's `publicKey` object (interop.md A.2). A bare string decodes
// as {ID: s}, to be dereferenced.
type Key struct {
	ID           string   `json:"id"`
	Type         TypeName `json:"type,omitempty"`
	Owner        string   `json:"owner"`
	PublicKeyPem string   `json:"publicKeyPem"`
}

// UnmarshalJSON implements json.Unmarshaler; it never fails on shape.
func (k *Key) UnmarshalJSON(b []byte) error {
	type plain Key
	*k = Key{}
	switch jsonKind(b) {
	case '"':
		k.ID = firstString(b)
	case '{':
		var p plain
		_ = lenient(json.Unmarshal(b, &p))
		*k = Key(p)
	}
	return nil
}

// Keys is the `publicKey` property: usually one object (Mastodon), sometimes an
// array (Fedify). One key encodes as a bare object, as Mastodon expects.
type Keys []Key

// UnmarshalJSON implements json.Unmarshaler; it never fails on shape.
func (l *Keys) UnmarshalJSON(b []byte) error {
	*l = decodeList[Key](b)
	return nil
}

// MarshalJSON implements json.Marshaler.
func (l Keys) MarshalJSON() ([]byte, error) {
	if len(l) == 1 {
		return json.Marshal(l[0])
	}
	return json.Marshal([]Key(l))
}

// Endpoints is an actor's `endpoints` object.
type Endpoints struct {
	SharedInbox string `json:"sharedInbox,omitempty"`
}

// Generator names the application that produced an object (AS2 `generator`);
// Pictor sets it on AI-generated posts. Embed it: Generator: Embed(Generator{…}).
type Generator struct {
	Type TypeName `json:"type"`
	Name string   `json:"name"`
	URL  string   `json:"url,omitempty"`
}

// Actor is an AS2 actor (Person, Service, Application, Group, Organization), with
// the properties Mastodon reads (interop.md A.2). The three booleans are always
// encoded; absent ones decode as false, as Mastodon assumes.
type Actor struct {
	Context                   LDContext   `json:"@context,omitempty"`
	ID                        string      `json:"id"`
	Type                      TypeName    `json:"type"`
	PreferredUsername         string      `json:"preferredUsername,omitempty"`
	Name                      string      `json:"name,omitempty"`
	Summary                   string      `json:"summary,omitempty"`
	URL                       Href        `json:"url,omitempty"`
	Inbox                     string      `json:"inbox,omitempty"`
	Outbox                    string      `json:"outbox,omitempty"`
	Followers                 string      `json:"followers,omitempty"`
	Following                 string      `json:"following,omitempty"`
	Featured                  string      `json:"featured,omitempty"`
	FeaturedTags              string      `json:"featuredTags,omitempty"`
	Endpoints                 *Endpoints  `json:"endpoints,omitempty"`
	SharedInbox               string      `json:"sharedInbox,omitempty"` // pre-`endpoints` servers
	PublicKey                 Keys        `json:"publicKey,omitempty"`
	Icon                      *Image      `json:"icon,omitempty"`
	Image                     *Image      `json:"image,omitempty"`
	Attachment                Attachments `json:"attachment,omitempty"`
	Tag                       Tags        `json:"tag,omitempty"`
	ManuallyApprovesFollowers bool        `json:"manuallyApprovesFollowers"`
	Discoverable              bool        `json:"discoverable"`
	Indexable                 bool        `json:"indexable"`
	Published                 Time        `json:"published,omitzero"`
	AlsoKnownAs               IRIs        `json:"alsoKnownAs,omitempty"`
	MovedTo                   string      `json:"movedTo,omitempty"`
}

// SharedInboxURL returns endpoints.sharedInbox, else a top-level sharedInbox,
// else "".
func (a *Actor) SharedInboxURL() string {
	if a.Endpoints != nil && a.Endpoints.SharedInbox != "" {
		return a.Endpoints.SharedInbox
	}
	return a.SharedInbox
}

// KeyByID returns the actor's public key whose id is keyID. A keyId without a
// fragment also matches the actor's only key when keyID is the actor id.
func (a *Actor) KeyByID(keyID string) (Key, bool) {
	for _, k := range a.PublicKey {
		if k.ID == keyID {
			return k, true
		}
	}
	if keyID == a.ID && len(a.PublicKey) == 1 {
		return a.PublicKey[0], true
	}
	return Key{}, false
}

// Object is an AS2 object such as a Note, with the properties Mastodon reads
// and writes (interop.md A.6, A.7) plus Pictor's AI labels (`generator`,
// `digitalSourceType`). Other types (Page, Article, Question, Video, Tombstone)
// decode into it as far as their properties overlap.
type Object struct {
	Context           LDContext          `json:"@context,omitempty"`
	ID                string             `json:"id,omitempty"`
	Type              TypeName           `json:"type,omitempty"`
	AttributedTo      IRIOrObject        `json:"attributedTo,omitzero"`
	Name              string             `json:"name,omitempty"`
	Summary           string             `json:"summary,omitempty"`
	Content           string             `json:"content,omitempty"`
	ContentMap        map[string]string  `json:"contentMap,omitempty"`
	MediaType         string             `json:"mediaType,omitempty"`
	Sensitive         bool               `json:"sensitive"`
	InReplyTo         IRIOrObject        `json:"inReplyTo,omitzero"`
	Published         Time               `json:"published,omitzero"`
	Updated           Time               `json:"updated,omitzero"`
	URL               Href               `json:"url,omitempty"`
	To                IRIs               `json:"to,omitempty"`
	Cc                IRIs               `json:"cc,omitempty"`
	Tag               Tags               `json:"tag,omitempty"`
	Attachment        Attachments        `json:"attachment,omitempty"`
	Generator         IRIOrObject        `json:"generator,omitzero"`
	DigitalSourceType string             `json:"digitalSourceType,omitempty"`
	InteractionPolicy *InteractionPolicy `json:"interactionPolicy,omitempty"`
	// A Question's poll (vocab_question.go): oneOf for one choice, anyOf
	// for several.
	OneOf       []QuestionOption `json:"oneOf,omitempty"`
	AnyOf       []QuestionOption `json:"anyOf,omitempty"`
	EndTime     Time             `json:"endTime,omitzero"`
	Closed      ClosedAt         `json:"closed,omitzero"`
	VotersCount *int             `json:"votersCount,omitempty"`
	// RemixOf is Pictor's extension (pictor:remixOf, docs/federation.md):
	// the Note whose image or prompt this post was made from.
	RemixOf IRIOrObject `json:"remixOf,omitzero"`
}

// InteractionPolicy is GoToSocial's `interactionPolicy` of a post: who may
// like, reply to and boost it. GoToSocial before 0.20 names the lists
// `always` and `approvalRequired`, later versions `automaticApproval` and
// `manualApproval`; both are read.
type InteractionPolicy struct {
	CanLike     *InteractionRule `json:"canLike,omitempty"`
	CanReply    *InteractionRule `json:"canReply,omitempty"`
	CanAnnounce *InteractionRule `json:"canAnnounce,omitempty"`
}

// InteractionRule is one entry of an InteractionPolicy.
type InteractionRule struct {
	Always            IRIs `json:"always,omitempty"`
	ApprovalRequired  IRIs `json:"approvalRequired,omitempty"`
	AutomaticApproval IRIs `json:"automaticApproval,omitempty"`
	ManualApproval    IRIs `json:"manualApproval,omitempty"`
}

// Language returns the post's language as Mastodon derives it: the key of
// contentMap when there is exactly one, else "" (interop.md A.6).
func (o *Object) Language() string {
	if len(o.ContentMap) == 1 {
		for k := range o.ContentMap {
			return k
		}
	}
	return ""
}

// Text returns content, or the contentMap entry when content is empty (the
// smallest key, so the choice is stable).
func (o *Object) Text() string {
	if o.Content != "" || len(o.ContentMap) == 0 {
		return o.Content
	}
	best := ""
	for k := range o.ContentMap {
		if best == "" || k < best {
			best = k
		}
	}
	return o.ContentMap[best]
}

// Activity is an AS2 activity (Create, Follow, Accept, Undo, Like, Announce,
// Delete, Update, Move, …). actor, object and target may be IRIs or embedded
// objects (interop.md D.8).
type Activity struct {
	Context   LDContext   `json:"@context,omitempty"`
	ID        string      `json:"id,omitempty"`
	Type      TypeName    `json:"type"`
	Actor     IRIOrObject `json:"actor,omitzero"`
	Object    IRIOrObject `json:"object,omitzero"`
	Target    IRIOrObject `json:"target,omitzero"`
	Content   string      `json:"content,omitempty"`
	Summary   string      `json:"summary,omitempty"`
	Tag       Tags        `json:"tag,omitempty"`
	To        IRIs        `json:"to,omitempty"`
	Cc        IRIs        `json:"cc,omitempty"`
	Published Time        `json:"published,omitzero"`
}

// Collection is a Collection, OrderedCollection or one of their pages.
// TotalItems is a pointer so that pages can leave it out while collections
// always send a number (interop.md A.2): TotalItems: new(n).
type Collection struct {
	Context      LDContext   `json:"@context,omitempty"`
	ID           string      `json:"id,omitempty"`
	Type         TypeName    `json:"type"`
	TotalItems   *int        `json:"totalItems,omitempty"`
	First        IRIOrObject `json:"first,omitzero"`
	Last         IRIOrObject `json:"last,omitzero"`
	Next         IRIOrObject `json:"next,omitzero"`
	Prev         IRIOrObject `json:"prev,omitzero"`
	PartOf       string      `json:"partOf,omitempty"`
	OrderedItems Items       `json:"orderedItems,omitzero"`
	Items        Items       `json:"items,omitempty"`
}

// Tombstone replaces a deleted object (interop.md A.6).
type Tombstone struct {
	Context    LDContext `json:"@context,omitempty"`
	ID         string    `json:"id"`
	Type       TypeName  `json:"type"`
	FormerType TypeName  `json:"formerType,omitempty"`
	Deleted    Time      `json:"deleted,omitzero"`
}

// ParseActivity decodes an activity document. It fails, wrapping ErrMalformed,
// when data is not a JSON object, exceeds MaxDocumentBytes or is nested too
// deeply, or has no type. Fields of unexpected shape are left empty. It does
// not check ids or origins; the inbox does.
func ParseActivity(data []byte) (Activity, error) {
	var a Activity
	if err := decodeDocument(data, &a); err != nil {
		return Activity{}, err
	}
	if a.Type == "" {
		return Activity{}, fmt.Errorf("%w: activity has no type", ErrMalformed)
	}
	return a, nil
}

// ParseActor decodes an actor document under the same limits as ParseActivity;
// it also requires a non-empty id.
func ParseActor(data []byte) (Actor, error) {
	var a Actor
	if err := decodeDocument(data, &a); err != nil {
		return Actor{}, err
	}
	if a.ID == "" || a.Type == "" {
		return Actor{}, fmt.Errorf("%w: actor has no id or type", ErrMalformed)
	}
	return a, nil
}

// ParseObject decodes an object document (Note, Page, Tombstone, …) under the
// same limits as ParseActivity.
func ParseObject(data []byte) (Object, error) {
	var o Object
	if err := decodeDocument(data, &o); err != nil {
		return Object{}, err
	}
	if o.Type == "" {
		return Object{}, fmt.Errorf("%w: object has no type", ErrMalformed)
	}
	return o, nil
}

// ParseCollection decodes a collection or collection page under the same
// limits as ParseActivity.
func ParseCollection(data []byte) (Collection, error) {
	var c Collection
	if err := decodeDocument(data, &c); err != nil {
		return Collection{}, err
	}
	if c.Type == "" {
		return Collection{}, fmt.Errorf("%w: collection has no type", ErrMalformed)
	}
	return c, nil
}

// decodeDocument checks data's size, syntax and depth and decodes it leniently.
func decodeDocument(data []byte, dst any) error {
	if len(data) > MaxDocumentBytes {
		return fmt.Errorf("%w: larger than %d bytes", ErrMalformed, MaxDocumentBytes)
	}
	if jsonKind(data) != '{' || !json.Valid(data) {
		return fmt.Errorf("%w: not a JSON object", ErrMalformed)
	}
	if jsonDepth(data) > maxDepth {
		return fmt.Errorf("%w: nested deeper than %d", ErrMalformed, maxDepth)
	}
	if err := lenient(json.Unmarshal(data, dst)); err != nil {
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return nil
}

// jsonDepth returns the maximum nesting of arrays and objects in valid JSON.
func jsonDepth(b []byte) int {
	depth, maxSeen, inString, escaped := 0, 0, false, false
	for _, c := range b {
		switch {
		case escaped:
			escaped = false
		case inString:
			escaped = c == '\\'
			inString = c != '"'
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
			maxSeen = max(maxSeen, depth)
		case c == '}' || c == ']':
			depth--
		}
	}
	return maxSeen
}

// decodeList decodes an array of T, or a single string or object as a
// one-element list; elements of other shapes are dropped.
func decodeList[T any](b []byte) []T {
	var raws []json.RawMessage
	switch jsonKind(b) {
	case '[':
		if json.Unmarshal(b, &raws) != nil {
			return nil
		}
	case '{', '"':
		raws = []json.RawMessage{b}
	}
	var out []T
	for _, r := range raws {
		if k := jsonKind(r); k != '{' && k != '"' {
			continue
		}
		var v T
		if lenient(json.Unmarshal(r, &v)) == nil {
			out = append(out, v)
		}
	}
	return out
}

// jsonKind returns the first significant byte of a JSON value: '{', '[', '"',
// 'n', 't', 'f', a digit or '-'; 0 for empty input.
func jsonKind(b []byte) byte {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return c
	}
	return 0
}

// firstString returns b as a string if it is a JSON string, or the first string
// in b if it is an array; otherwise "".
func firstString(b []byte) string {
	switch jsonKind(b) {
	case '"':
		var s string
		if json.Unmarshal(b, &s) == nil {
			return s
		}
	case '[':
		var items []json.RawMessage
		if json.Unmarshal(b, &items) == nil {
			for _, it := range items {
				if jsonKind(it) == '"' {
					return firstString(it)
				}
			}
		}
	}
	return ""
}

// lenient drops json.UnmarshalTypeError: encoding/json reports the first field
// whose JSON type did not fit, skips it and still fills in the others, which is
// the tolerance remote documents need.
func lenient(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return nil
	}
	return err
}
