package activitypub

import (
	"bytes"
	"cmp"
	"encoding/json"
	"time"
)

// This file holds the tolerant value types the wire structs are built from:
// each decodes the several shapes real servers send and encodes the one
// Mastodon expects.

// TypeName is an AS2 `type`. It decodes a string, or the first string of an
// array (`["Like", "http://schema.org/LikeAction"]`); anything else is "".
type TypeName string

// UnmarshalJSON implements json.Unmarshaler; it never fails on shape.
func (t *TypeName) UnmarshalJSON(b []byte) error {
	*t = TypeName(firstString(b))
	return nil
}

// Href is a URL-valued property such as `url`. It decodes a string, a Link
// object (its `href`), or an array of either (the first non-empty one), and
// always encodes as a single string, which is what Mastodon requires for
// attachments (interop.md A.7).
type Href string

// UnmarshalJSON implements json.Unmarshaler; it never fails on shape.
func (h *Href) UnmarshalJSON(b []byte) error {
	*h = ""
	switch jsonKind(b) {
	case '"':
		*h = Href(firstString(b))
	case '{':
		var l struct {
			Href string `json:"href"`
			URL  string `json:"url"`
		}
		_ = lenient(json.Unmarshal(b, &l))
		*h = Href(cmp.Or(l.Href, l.URL))
	case '[':
		var items []Href
		_ = lenient(json.Unmarshal(b, &items))
		for _, it := range items {
			if it != "" {
				*h = it
				break
			}
		}
	}
	return nil
}

// IRIs is an audience list such as `to` or `cc`: a string, or an array of
// strings or objects (their `id`). It always encodes as an array.
type IRIs []string

// UnmarshalJSON implements json.Unmarshaler; it never fails on shape.
func (l *IRIs) UnmarshalJSON(b []byte) error {
	*l = nil
	for _, it := range decodeList[idOnly](b) {
		if it.ID != "" {
			*l = append(*l, it.ID)
		}
	}
	return nil
}

// idOnly reads a bare IRI or just the id of an object, cheaply.
type idOnly struct {
	ID string `json:"id"`
}

// UnmarshalJSON reads a string or an object's id; it never fails on shape.
func (x *idOnly) UnmarshalJSON(b []byte) error {
	type plain idOnly
	switch jsonKind(b) {
	case '"':
		x.ID = firstString(b)
	case '{':
		var p plain
		_ = lenient(json.Unmarshal(b, &p))
		*x = idOnly(p)
	}
	return nil
}

// HasPublic reports whether the list addresses the Public collection.
func (l IRIs) HasPublic() bool {
	for _, iri := range l {
		if IsPublic(iri) {
			return true
		}
	}
	return false
}

// Contains reports whether iri is in the list.
func (l IRIs) Contains(iri string) bool {
	for _, x := range l {
		if x == iri {
			return true
		}
	}
	return false
}

// LDContext is a JSON-LD `@context`: a string, an object or an array of them.
// It encodes a single string as a string and anything else as an array.
type LDContext []any

// Context returns the @context Pictor puts on every document it serves:
// ActivityStreams, security/v1 (for publicKey) and the term definitions
// Mastodon reads (interop.md D.7). Each call returns a fresh value.
func Context() LDContext {
	idRef := func(id string) map[string]any { return map[string]any{"@id": id, "@type": "@id"} }
	return LDContext{
		"https://www.w3.org/ns/activitystreams",
		"https://w3id.org/security/v1",
		map[string]any{
			"toot":                      "http://joinmastodon.org/ns#",
			"schema":                    "http://schema.org#",
			"manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
			"sensitive":                 "as:sensitive",
			"Hashtag":                   "as:Hashtag",
			"movedTo":                   idRef("as:movedTo"),
			"alsoKnownAs":               idRef("as:alsoKnownAs"),
			"featured":                  idRef("toot:featured"),
			"featuredTags":              idRef("toot:featuredTags"),
			"discoverable":              "toot:discoverable",
			"indexable":                 "toot:indexable",
			"votersCount":               "toot:votersCount",
			"blurhash":                  "toot:blurhash",
			"focalPoint":                map[string]any{"@container": "@list", "@id": "toot:focalPoint"},
			"Emoji":                     "toot:Emoji",
			"PropertyValue":             "schema:PropertyValue",
			"value":                     "schema:value",
			"digitalSourceType":         idRef("schema:digitalSourceType"),
			"pictor":                    "https://pictor.social/ns#",
			"originalUrl":               idRef("pictor:originalUrl"),
			"remixOf":                   idRef("pictor:remixOf"),
		},
	}
}

// Has reports whether the context contains the string iri, the check Mastodon
// applies with the ActivityStreams IRI (interop.md A.2).
func (c LDContext) Has(iri string) bool {
	for _, x := range c {
		if s, ok := x.(string); ok && s == iri {
			return true
		}
	}
	return false
}

// UnmarshalJSON implements json.Unmarshaler; it never fails on shape.
func (c *LDContext) UnmarshalJSON(b []byte) error {
	*c = nil
	switch jsonKind(b) {
	case '[':
		var items []any
		_ = lenient(json.Unmarshal(b, &items))
		*c = items
	case '"', '{':
		var v any
		_ = lenient(json.Unmarshal(b, &v))
		*c = LDContext{v}
	}
	return nil
}

// MarshalJSON implements json.Marshaler.
func (c LDContext) MarshalJSON() ([]byte, error) {
	if len(c) == 1 {
		if s, ok := c[0].(string); ok {
			return json.Marshal(s)
		}
	}
	return json.Marshal([]any(c))
}

// Time is an xsd:dateTime such as `published`. Unreadable values decode as the
// zero Time; it encodes in UTC with second precision ("2006-01-02T15:04:05Z").
// Use the `omitzero` tag option to leave out unset times.
type Time struct{ time.Time }

// TimeOf wraps t.
func TimeOf(t time.Time) Time { return Time{t} }

var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05Z0700", "2006-01-02"}

// UnmarshalJSON implements json.Unmarshaler; it never fails on shape.
func (t *Time) UnmarshalJSON(b []byte) error {
	*t = Time{}
	s := firstString(b)
	for _, layout := range timeLayouts {
		if v, err := time.Parse(layout, s); err == nil {
			*t = Time{v}
			return nil
		}
	}
	return nil
}

// MarshalJSON implements json.Marshaler.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(t.UTC().Format("2006-01-02T15:04:05Z"))
}

// IRIOrObject is a property whose value may be an IRI, an embedded object, or
// an array of either (`actor`, `object`, `attributedTo`, `inReplyTo`, …).
// Accessors read the first value; Items gives all of them. The zero value is
// absent and, with the `omitzero` tag option, not encoded.
type IRIOrObject struct {
	refs []ref
}

// ref is one value of an IRIOrObject: exactly one of the fields is set.
type ref struct {
	iri string          // a bare IRI
	raw json.RawMessage // an embedded object as received
	obj *Object         // raw decoded as an Object
	val any             // an embedded value to encode (from Embed)
}

// IRI returns an IRIOrObject holding the bare IRI iri.
func IRI(iri string) IRIOrObject { return IRIOrObject{refs: []ref{{iri: iri}}} }

// Embed returns an IRIOrObject that encodes v (an Object, Activity, Actor,
// Tombstone, Generator or any other JSON-encodable value) embedded in place.
// Undo and Accept must embed the original activity (interop.md A.6).
func Embed(v any) IRIOrObject { return IRIOrObject{refs: []ref{{val: v}}} }

// IsZero reports whether the property is absent or null.
func (x IRIOrObject) IsZero() bool { return len(x.refs) == 0 }

// Len returns the number of values.
func (x IRIOrObject) Len() int { return len(x.refs) }

// Items returns each value as its own IRIOrObject.
func (x IRIOrObject) Items() []IRIOrObject {
	out := make([]IRIOrObject, len(x.refs))
	for i, r := range x.refs {
		out[i] = IRIOrObject{refs: []ref{r}}
	}
	return out
}

// ID returns the first value's IRI: the bare IRI, or the embedded object's id.
// It is "" when absent or when the embedded object has no id.
func (x IRIOrObject) ID() string {
	if len(x.refs) == 0 {
		return ""
	}
	return x.refs[0].id()
}

// IDs returns the non-empty IRIs of all values.
func (x IRIOrObject) IDs() []string {
	var out []string
	for _, r := range x.refs {
		if id := r.id(); id != "" {
			out = append(out, id)
		}
	}
	return out
}

// IsEmbedded reports whether the first value is an embedded object.
func (x IRIOrObject) IsEmbedded() bool {
	return len(x.refs) > 0 && x.refs[0].iri == "" && (x.refs[0].raw != nil || x.refs[0].val != nil)
}

// Type returns the first value's type if it is embedded, else "".
func (x IRIOrObject) Type() TypeName {
	if o := x.Object(); o != nil {
		return o.Type
	}
	return ""
}

// Object returns the first value decoded as an Object, or nil for a bare IRI or
// an absent value. The result is shared; do not modify it.
func (x IRIOrObject) Object() *Object {
	if len(x.refs) == 0 {
		return nil
	}
	r := x.refs[0]
	switch v := r.val.(type) {
	case Object:
		return &v
	case *Object:
		return v
	}
	if r.obj != nil {
		return r.obj
	}
	var o Object
	if !x.decodeFirst(&o) {
		return nil
	}
	return &o
}

// Activity returns the first value decoded as an Activity (for an Undo, Accept
// or Announce that embeds one), or nil for a bare IRI or an absent value.
func (x IRIOrObject) Activity() *Activity {
	if len(x.refs) > 0 {
		switch v := x.refs[0].val.(type) {
		case Activity:
			return &v
		case *Activity:
			return v
		}
	}
	var a Activity
	if !x.decodeFirst(&a) {
		return nil
	}
	return &a
}

// Actor returns the first value decoded as an Actor, or nil for a bare IRI or
// an absent value.
func (x IRIOrObject) Actor() *Actor {
	if len(x.refs) > 0 {
		switch v := x.refs[0].val.(type) {
		case Actor:
			return &v
		case *Actor:
			return v
		}
	}
	var a Actor
	if !x.decodeFirst(&a) {
		return nil
	}
	return &a
}

// Collection returns the first value decoded as a Collection (an embedded
// `first` page, `replies`), or nil for a bare IRI or an absent value.
func (x IRIOrObject) Collection() *Collection {
	if len(x.refs) > 0 {
		if v, ok := x.refs[0].val.(Collection); ok {
			return &v
		}
	}
	var c Collection
	if !x.decodeFirst(&c) {
		return nil
	}
	return &c
}

// decodeFirst decodes the first embedded value into dst.
func (x IRIOrObject) decodeFirst(dst any) bool {
	if len(x.refs) == 0 || x.refs[0].iri != "" {
		return false
	}
	raw := x.refs[0].raw
	if raw == nil {
		if x.refs[0].val == nil {
			return false
		}
		var err error
		if raw, err = json.Marshal(x.refs[0].val); err != nil {
			return false
		}
	}
	return lenient(json.Unmarshal(raw, dst)) == nil
}

// UnmarshalJSON implements json.Unmarshaler; it never fails on shape.
func (x *IRIOrObject) UnmarshalJSON(b []byte) error {
	x.refs = decodeRefs(b)
	return nil
}

// MarshalJSON implements json.Marshaler: one value encodes bare, several as an array.
func (x IRIOrObject) MarshalJSON() ([]byte, error) {
	if len(x.refs) == 1 {
		return x.refs[0].MarshalJSON()
	}
	if len(x.refs) == 0 {
		return []byte("null"), nil
	}
	return json.Marshal(x.refs)
}

// MarshalJSON encodes the value in whichever form it holds.
func (r ref) MarshalJSON() ([]byte, error) {
	switch {
	case r.val != nil:
		return json.Marshal(r.val)
	case r.raw != nil:
		return r.raw, nil
	}
	return json.Marshal(r.iri)
}

func (r ref) id() string {
	if r.iri != "" {
		return r.iri
	}
	switch v := r.val.(type) {
	case Object:
		return v.ID
	case *Object:
		return v.ID
	case Activity:
		return v.ID
	case *Activity:
		return v.ID
	case Actor:
		return v.ID
	case *Actor:
		return v.ID
	case Tombstone:
		return v.ID
	}
	if r.obj != nil {
		return r.obj.ID
	}
	return ""
}

// decodeRefs reads a string, an object or an array of them; other values
// (null, numbers, nested arrays) are skipped.
func decodeRefs(b []byte) []ref {
	switch jsonKind(b) {
	case '"':
		if s := firstString(b); s != "" {
			return []ref{{iri: s}}
		}
	case '{':
		var o Object
		if lenient(json.Unmarshal(b, &o)) != nil {
			return nil
		}
		return []ref{{raw: bytes.Clone(b), obj: &o}}
	case '[':
		var items []json.RawMessage
		if json.Unmarshal(b, &items) != nil {
			return nil
		}
		var out []ref
		for _, it := range items {
			if k := jsonKind(it); k == '"' || k == '{' {
				out = append(out, decodeRefs(it)...)
			}
		}
		return out
	}
	return nil
}

// Items is the `items`/`orderedItems` list of a collection. It decodes an array
// or a single value and always encodes as an array.
type Items []IRIOrObject

// UnmarshalJSON implements json.Unmarshaler; it never fails on shape.
func (l *Items) UnmarshalJSON(b []byte) error {
	*l = IRIOrObject{refs: decodeRefs(b)}.Items()
	return nil
}

// MarshalJSON implements json.Marshaler.
func (l Items) MarshalJSON() ([]byte, error) {
	if l == nil {
		return []byte("[]"), nil
	}
	return json.Marshal([]IRIOrObject(l))
}
