package mastoapi

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// The entities every timeline is made of (Status, Account and what they
// nest) are written by hand into a pooled buffer rather than through
// encoding/json's reflection, which was a fifth of a timeline's CPU (issue
// 9). The output is byte for byte what json.Encoder with SetEscapeHTML(false)
// writes for the same value, field order, nulls, omitempty and string
// escaping included: TestEntityJSONMatchesEncodingJSON fills every field of
// these types by reflection, present and absent, and compares the two.
// Values of other types inside them ([]any fields) go through encoding/json.

// jsonBufs recycles encoding buffers; a buffer grown past maxPooledJSON
// (a page of 40 statuses is about 60 KB) is left to the collector.
var jsonBufs = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

const maxPooledJSON = 1 << 20

// jsonW appends JSON to b; err is the first error of a value encoded
// through encoding/json.
type jsonW struct {
	b   []byte
	err error
}

// fastType reports whether appendFast encodes v.
func fastType(v any) bool {
	switch v.(type) {
	case []Status, Status, *Status, Account, []Account, Context:
		return true
	}
	return false
}

// appendFast encodes v when it is one of the hand-encoded entities, with
// the trailing newline json.Encoder writes; ok is false for other types.
func appendFast(b []byte, v any) (out []byte, ok bool, err error) {
	w := jsonW{b: b}
	switch x := v.(type) {
	case []Status:
		w.statuses(x)
	case Status:
		w.status(&x)
	case *Status:
		if x == nil {
			w.b = append(w.b, "null"...)
		} else {
			w.status(x)
		}
	case Account:
		w.account(&x)
	case []Account:
		w.accounts(x)
	case Context:
		w.b = append(w.b, `{"ancestors":`...)
		w.statuses(x.Ancestors)
		w.b = append(w.b, `,"descendants":`...)
		w.statuses(x.Descendants)
		w.b = append(w.b, '}')
	default:
		return b, false, nil
	}
	if w.err != nil {
		return b, true, w.err
	}
	return append(w.b, '\n'), true, nil
}

func (w *jsonW) raw(s string) { w.b = append(w.b, s...) }

func (w *jsonW) str(s string) { w.b = appendJSONString(w.b, s) }

// key writes `,"name":` (name is a literal that needs no escaping); first
// fields use raw.
func (w *jsonW) key(s string) {
	w.b = append(w.b, ',', '"')
	w.b = append(w.b, s...)
	w.b = append(w.b, '"', ':')
}

func (w *jsonW) strPtr(p *string) {
	if p == nil {
		w.raw("null")
		return
	}
	w.str(*p)
}

func (w *jsonW) bool(v bool) {
	if v {
		w.raw("true")
	} else {
		w.raw("false")
	}
}

func (w *jsonW) int(v int64) { w.b = strconv.AppendInt(w.b, v, 10) }

func (w *jsonW) time(t Time) {
	w.b = append(w.b, '"')
	w.b = time.Time(t).UTC().AppendFormat(w.b, timeFormat)
	w.b = append(w.b, '"')
}

func (w *jsonW) timePtr(t *Time) {
	if t == nil {
		w.raw("null")
		return
	}
	w.time(*t)
}

// float writes f as encoding/json does: shortest representation, 'e'
// notation outside [1e-6, 1e21), a one-digit exponent without padding.
// encoding/json refuses NaN and infinities; so does this.
func (w *jsonW) float(f float64) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		w.fail(&json.UnsupportedValueError{Str: strconv.FormatFloat(f, 'g', -1, 64)})
		return
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	w.b = strconv.AppendFloat(w.b, f, format, -1, 64)
	if format == 'e' {
		n := len(w.b)
		if n >= 4 && w.b[n-4] == 'e' && w.b[n-3] == '-' && w.b[n-2] == '0' {
			w.b[n-2] = w.b[n-1]
			w.b = w.b[:n-1]
		}
	}
}

func (w *jsonW) fail(err error) {
	if w.err == nil {
		w.err = err
	}
}

// generic writes v through encoding/json, as the reflection encoder would
// inside the entity.
func (w *jsonW) generic(v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		w.fail(err)
		w.raw("null")
		return
	}
	w.b = append(w.b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}

// writeList writes list as a JSON array, each element by each, or null
// for a nil list (as encoding/json does).
func writeList[T any](w *jsonW, list []T, each func(*T)) {
	if list == nil {
		w.raw("null")
		return
	}
	w.b = append(w.b, '[')
	for i := range list {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		each(&list[i])
	}
	w.b = append(w.b, ']')
}

func (w *jsonW) anyList(list []any) {
	writeList(w, list, func(v *any) {
		if r, ok := (*v).(FilterResult); ok {
			w.filterResult(&r)
		} else {
			w.generic(*v)
		}
	})
}

func (w *jsonW) strList(list []string) { writeList(w, list, func(v *string) { w.str(*v) }) }

func (w *jsonW) accounts(list []Account) { writeList(w, list, w.account) }

func (w *jsonW) statuses(list []Status) { writeList(w, list, w.status) }

func (w *jsonW) status(s *Status) {
	if c := s.enc; c != nil {
		w.b = append(w.b, c.b[:c.split]...)
		w.account(&s.Account)
		w.b = append(w.b, c.b[c.split:]...)
	} else {
		w.statusHead(s)
		w.account(&s.Account)
		w.statusBody(s)
	}
	w.key("reblogs_count")
	w.int(s.ReblogsCount)
	w.key("favourites_count")
	w.int(s.FavouritesCount)
	w.key("replies_count")
	w.int(s.RepliesCount)
	w.key("in_reply_to_id")
	w.strPtr(s.InReplyToID)
	w.key("in_reply_to_account_id")
	w.strPtr(s.InReplyToAccountID)
	w.key("reblog")
	if s.Reblog == nil {
		w.raw("null")
	} else {
		w.status(s.Reblog)
	}
	w.key("poll")
	w.poll(s.Poll)
	w.key("card")
	if s.Card == nil {
		w.raw("null")
	} else {
		w.raw("{}")
	}
	w.key("language")
	w.strPtr(s.Language)
	if s.Text != nil {
		w.key("text")
		w.str(*s.Text)
	}
	w.key("favourited")
	w.bool(s.Favourited)
	w.key("reblogged")
	w.bool(s.Reblogged)
	w.key("muted")
	w.bool(s.Muted)
	w.key("bookmarked")
	w.bool(s.Bookmarked)
	if s.Pinned != nil {
		w.key("pinned")
		w.bool(*s.Pinned)
	}
	w.key("filtered")
	w.anyList(s.Filtered)
	if s.Pictor != nil {
		w.key("pictor")
		w.pictor(s.Pictor)
	}
	w.b = append(w.b, '}')
}

// statusHead writes a status from its opening brace to the key of its
// account; statusBody what follows the account up to the counts. Both
// depend only on the fields the rendered-status cache keeps.
func (w *jsonW) statusHead(s *Status) {
	w.raw(`{"id":`)
	w.str(s.ID)
	w.key("uri")
	w.str(s.URI)
	w.key("url")
	w.strPtr(s.URL)
	w.key("created_at")
	w.time(s.CreatedAt)
	w.key("edited_at")
	w.timePtr(s.EditedAt)
	w.key("account")
}

func (w *jsonW) statusBody(s *Status) {
	w.key("content")
	w.str(s.Content)
	w.key("visibility")
	w.str(s.Visibility)
	w.key("sensitive")
	w.bool(s.Sensitive)
	w.key("spoiler_text")
	w.str(s.SpoilerText)
	w.key("media_attachments")
	w.mediaList(s.MediaAttachments)
	w.key("mentions")
	w.mentions(s.Mentions)
	w.key("tags")
	w.tags(s.Tags)
	w.key("emojis")
	w.emojis(s.Emojis)
}

// account writes an Account; when it carries its cached encoding
// (accountCache) that is copied instead.
func (w *jsonW) account(a *Account) {
	if a.enc != nil {
		w.b = append(w.b, a.enc...)
		return
	}
	w.b = appendAccount(w.b, a, &w.err)
}

// appendAccount encodes a to b; a failure sets *err.
func appendAccount(b []byte, a *Account, err *error) []byte {
	w := jsonW{b: b}
	w.raw(`{"id":`)
	w.str(a.ID)
	w.key("username")
	w.str(a.Username)
	w.key("acct")
	w.str(a.Acct)
	w.key("display_name")
	w.str(a.DisplayName)
	w.key("locked")
	w.bool(a.Locked)
	w.key("bot")
	w.bool(a.Bot)
	w.key("discoverable")
	w.bool(a.Discoverable)
	w.key("indexable")
	w.bool(a.Indexable)
	w.key("group")
	w.bool(a.Group)
	w.key("created_at")
	w.time(a.CreatedAt)
	w.key("note")
	w.str(a.Note)
	w.key("url")
	w.str(a.URL)
	w.key("uri")
	w.str(a.URI)
	w.key("avatar")
	w.str(a.Avatar)
	w.key("avatar_static")
	w.str(a.AvatarStatic)
	w.key("header")
	w.str(a.Header)
	w.key("header_static")
	w.str(a.HeaderStatic)
	w.key("followers_count")
	w.int(a.FollowersCount)
	w.key("following_count")
	w.int(a.FollowingCount)
	w.key("statuses_count")
	w.int(a.StatusesCount)
	w.key("last_status_at")
	w.strPtr(a.LastStatusAt)
	w.key("hide_collections")
	w.bool(a.HideCollection)
	w.key("noindex")
	w.bool(a.Noindex)
	w.key("emojis")
	w.emojis(a.Emojis)
	w.key("roles")
	w.anyList(a.Roles)
	w.key("fields")
	if a.Fields == nil {
		w.raw("null")
	} else {
		w.b = append(w.b, '[')
		for i := range a.Fields {
			f := &a.Fields[i]
			if i > 0 {
				w.b = append(w.b, ',')
			}
			w.raw(`{"name":`)
			w.str(f.Name)
			w.key("value")
			w.str(f.Value)
			w.key("verified_at")
			w.timePtr(f.VerifiedAt)
			w.b = append(w.b, '}')
		}
		w.b = append(w.b, ']')
	}
	w.b = append(w.b, '}')
	if w.err != nil && *err == nil {
		*err = w.err
	}
	return w.b
}

func (w *jsonW) emojis(list []Emoji) {
	writeList(w, list, func(e *Emoji) {
		w.raw(`{"shortcode":`)
		w.str(e.Shortcode)
		w.key("url")
		w.str(e.URL)
		w.key("static_url")
		w.str(e.StaticURL)
		w.key("visible_in_picker")
		w.bool(e.VisibleInPicker)
		w.b = append(w.b, '}')
	})
}

func (w *jsonW) mediaList(list []MediaAttachment) {
	writeList(w, list, func(m *MediaAttachment) {
		w.raw(`{"id":`)
		w.str(m.ID)
		w.key("type")
		w.str(m.Type)
		w.key("url")
		w.strPtr(m.URL)
		w.key("preview_url")
		w.strPtr(m.PreviewURL)
		w.key("remote_url")
		w.strPtr(m.RemoteURL)
		w.key("preview_remote_url")
		w.strPtr(m.PreviewRemoteURL)
		w.key("text_url")
		w.strPtr(m.TextURL)
		w.key("meta")
		w.mediaMeta(&m.Meta)
		w.key("description")
		w.strPtr(m.Description)
		w.key("blurhash")
		w.strPtr(m.Blurhash)
		w.b = append(w.b, '}')
	})
}

func (w *jsonW) mediaMeta(m *MediaMetaSet) {
	w.b = append(w.b, '{')
	n := 0
	size := func(name string, s *MediaMeta) {
		if s == nil {
			return
		}
		if n > 0 {
			w.b = append(w.b, ',')
		}
		n++
		w.b = append(w.b, '"')
		w.raw(name)
		w.raw(`":{"width":`)
		w.int(int64(s.Width))
		w.key("height")
		w.int(int64(s.Height))
		w.key("size")
		w.str(s.Size)
		w.key("aspect")
		w.float(s.Aspect)
		w.b = append(w.b, '}')
	}
	size("original", m.Original)
	size("small", m.Small)
	if m.Focus != nil {
		if n > 0 {
			w.b = append(w.b, ',')
		}
		w.raw(`"focus":{"x":`)
		w.float(m.Focus.X)
		w.key("y")
		w.float(m.Focus.Y)
		w.b = append(w.b, '}')
	}
	w.b = append(w.b, '}')
}

func (w *jsonW) mentions(list []Mention) {
	writeList(w, list, func(m *Mention) {
		w.raw(`{"id":`)
		w.str(m.ID)
		w.key("username")
		w.str(m.Username)
		w.key("url")
		w.str(m.URL)
		w.key("acct")
		w.str(m.Acct)
		w.b = append(w.b, '}')
	})
}

func (w *jsonW) tags(list []Tag) {
	writeList(w, list, func(t *Tag) {
		w.b = append(w.b, '{')
		if t.ID != "" {
			w.raw(`"id":`)
			w.str(t.ID)
			w.b = append(w.b, ',')
		}
		w.raw(`"name":`)
		w.str(t.Name)
		w.key("url")
		w.str(t.URL)
		w.key("history")
		w.anyList(t.History)
		if t.Following != nil {
			w.key("following")
			w.bool(*t.Following)
		}
		w.b = append(w.b, '}')
	})
}

func (w *jsonW) poll(p *Poll) {
	if p == nil {
		w.raw("null")
		return
	}
	w.raw(`{"id":`)
	w.str(p.ID)
	w.key("expires_at")
	w.timePtr(p.ExpiresAt)
	w.key("expired")
	w.bool(p.Expired)
	w.key("multiple")
	w.bool(p.Multiple)
	w.key("votes_count")
	w.int(p.VotesCount)
	w.key("voters_count")
	w.intPtr(p.VotersCount)
	w.key("options")
	writeList(w, p.Options, func(o *PollOption) {
		w.raw(`{"title":`)
		w.str(o.Title)
		w.key("votes_count")
		w.intPtr(o.VotesCount)
		w.b = append(w.b, '}')
	})
	w.key("emojis")
	w.emojis(p.Emojis)
	if p.Voted != nil {
		w.key("voted")
		w.bool(*p.Voted)
	}
	if p.OwnVotes != nil {
		w.key("own_votes")
		writeList(w, *p.OwnVotes, func(v *int) { w.int(int64(*v)) })
	}
	w.b = append(w.b, '}')
}

func (w *jsonW) intPtr(p *int64) {
	if p == nil {
		w.raw("null")
		return
	}
	w.int(*p)
}

func (w *jsonW) pictor(p *StatusPictor) {
	w.raw(`{"remix_of":`)
	if r := p.RemixOf; r == nil {
		w.raw("null")
	} else {
		w.raw(`{"id":`)
		w.strPtr(r.ID)
		w.key("uri")
		w.str(r.URI)
		w.key("url")
		w.strPtr(r.URL)
		w.key("account")
		if r.Account == nil {
			w.raw("null")
		} else {
			w.account(r.Account)
		}
		w.b = append(w.b, '}')
	}
	w.b = append(w.b, '}')
}

func (w *jsonW) filterResult(r *FilterResult) {
	f := &r.Filter
	w.raw(`{"filter":{"id":`)
	w.str(f.ID)
	w.key("title")
	w.str(f.Title)
	w.key("context")
	w.strList(f.Context)
	w.key("expires_at")
	w.timePtr(f.ExpiresAt)
	w.key("filter_action")
	w.str(f.FilterAction)
	w.raw(`},"keyword_matches":`)
	w.strList(r.KeywordMatches)
	w.key("status_matches")
	w.strList(r.StatusMatches)
	w.b = append(w.b, '}')
}

const hexDigits = "0123456789abcdef"

// plain8 reports whether none of the 8 bytes in x needs a closer look: no
// control character, quote, backslash or non-ASCII byte.
func plain8(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	hasZero := func(v uint64) uint64 { return (v - ones) & ^v & highs }
	return (x&highs)|((x-ones*0x20)&^x&highs)|hasZero(x^(ones*'"'))|hasZero(x^(ones*'\\')) == 0
}

// appendJSONString writes s as encoding/json does with HTML escaping off:
// quotes, backslashes and control characters escaped (\b \f \n \r \t by
// name, the others as \u00XX), invalid UTF-8 as \ufffd, and U+2028 and
// U+2029 escaped for JavaScript.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if i+8 <= len(s) && plain8(binary.LittleEndian.Uint64([]byte(s[i:i+8]))) {
			i += 8
			continue
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
