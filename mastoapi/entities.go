package mastoapi

import (
	"fmt"
	"strconv"
	"time"
)

// timeFormat is Mastodon's timestamp shape, always with milliseconds
// (Toot! breaks without them; interop.md C.2).
const timeFormat = "2006-01-02T15:04:05.000Z"

// Time is a timestamp rendered as Mastodon renders it.
type Time time.Time

// MarshalJSON renders the time in UTC with milliseconds.
func (t Time) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Time(t).UTC().Format(timeFormat) + `"`), nil
}

// UnmarshalJSON reads the form MarshalJSON writes (clients of this
// package's entities, and tests that decode and re-encode them).
func (t *Time) UnmarshalJSON(b []byte) error {
	s, err := strconv.Unquote(string(b))
	if err != nil {
		return fmt.Errorf("time: %w", err)
	}
	v, err := time.Parse(timeFormat, s)
	if err != nil {
		return err
	}
	*t = Time(v)
	return nil
}

// timePtr returns nil for the zero time (rendered as null).
func timePtr(t time.Time) *Time {
	if t.IsZero() {
		return nil
	}
	v := Time(t)
	return &v
}

// strPtr returns nil for "" (rendered as null).
func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Emoji is a custom emoji; Pictor has none, but lists are always present.
type Emoji struct {
	Shortcode       string `json:"shortcode"`
	URL             string `json:"url"`
	StaticURL       string `json:"static_url"`
	VisibleInPicker bool   `json:"visible_in_picker"`
}

// Field is a profile field.
type Field struct {
	Name       string `json:"name"`
	Value      string `json:"value"`
	VerifiedAt *Time  `json:"verified_at"`
}

// Account is Mastodon's Account entity. The fields Tusky requires (id,
// username, acct, url, avatar, note) are never null, and avatar and header
// always hold a URL (interop.md C.2).
type Account struct {
	ID             string  `json:"id"`
	Username       string  `json:"username"`
	Acct           string  `json:"acct"`
	DisplayName    string  `json:"display_name"`
	Locked         bool    `json:"locked"`
	Bot            bool    `json:"bot"`
	Discoverable   bool    `json:"discoverable"`
	Indexable      bool    `json:"indexable"`
	Group          bool    `json:"group"`
	CreatedAt      Time    `json:"created_at"`
	Note           string  `json:"note"`
	URL            string  `json:"url"`
	URI            string  `json:"uri"`
	Avatar         string  `json:"avatar"`
	AvatarStatic   string  `json:"avatar_static"`
	Header         string  `json:"header"`
	HeaderStatic   string  `json:"header_static"`
	FollowersCount int64   `json:"followers_count"`
	FollowingCount int64   `json:"following_count"`
	StatusesCount  int64   `json:"statuses_count"`
	LastStatusAt   *string `json:"last_status_at"`
	HideCollection bool    `json:"hide_collections"`
	Noindex        bool    `json:"noindex"`
	Emojis         []Emoji `json:"emojis"`
	Roles          []any   `json:"roles"`
	Fields         []Field `json:"fields"`

	// enc is the entity's encoding when it came from the handler's
	// account cache (entities_account.go); any change to a field must
	// clear it.
	enc []byte
}

// Source is the editable form of the profile (CredentialAccount.source).
type Source struct {
	Privacy             string  `json:"privacy"`
	Sensitive           bool    `json:"sensitive"`
	Language            *string `json:"language"` // null when unset
	Note                string  `json:"note"`
	Fields              []Field `json:"fields"`
	FollowRequestsCount int64   `json:"follow_requests_count"`
	HideCollections     bool    `json:"hide_collections"`
	Discoverable        bool    `json:"discoverable"`
	Indexable           bool    `json:"indexable"`
}

// Role is the user's role as Mastodon 4 reports it.
type Role struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Permissions string `json:"permissions"`
	Color       string `json:"color"`
	Highlighted bool   `json:"highlighted"`
}

// CredentialAccount is the signed-in user's own account.
type CredentialAccount struct {
	Account
	Source Source `json:"source"`
	Role   Role   `json:"role"`
}

// MediaMeta describes one size of an attachment.
type MediaMeta struct {
	Width  int     `json:"width"`
	Height int     `json:"height"`
	Size   string  `json:"size"`
	Aspect float64 `json:"aspect"`
}

// Focus is an attachment's focal point, -1..1 on both axes.
type Focus struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// MediaMetaSet is MediaAttachment.meta.
type MediaMetaSet struct {
	Original *MediaMeta `json:"original,omitempty"`
	Small    *MediaMeta `json:"small,omitempty"`
	Focus    *Focus     `json:"focus,omitempty"`
}

// MediaAttachment is Mastodon's MediaAttachment entity; id, type and url
// are never null once processed.
type MediaAttachment struct {
	ID               string       `json:"id"`
	Type             string       `json:"type"`
	URL              *string      `json:"url"`
	PreviewURL       *string      `json:"preview_url"`
	RemoteURL        *string      `json:"remote_url"`
	PreviewRemoteURL *string      `json:"preview_remote_url"`
	TextURL          *string      `json:"text_url"`
	Meta             MediaMetaSet `json:"meta"`
	Description      *string      `json:"description"`
	Blurhash         *string      `json:"blurhash"`
}

// Mention is a mentioned account inside a status.
type Mention struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	URL      string `json:"url"`
	Acct     string `json:"acct"`
}

// Tag is a hashtag inside a status or a search result.
type Tag struct {
	ID        string `json:"id,omitempty"` // set on /api/v1/tags and followed_tags
	Name      string `json:"name"`
	URL       string `json:"url"`
	History   []any  `json:"history"`
	Following *bool  `json:"following,omitempty"`
}

// Status is Mastodon's Status entity. Every field Tusky requires is always
// present and non-null (interop.md C.2); a boost carries the boosted status
// in Reblog.
type Status struct {
	ID                 string            `json:"id"`
	URI                string            `json:"uri"`
	URL                *string           `json:"url"`
	CreatedAt          Time              `json:"created_at"`
	EditedAt           *Time             `json:"edited_at"`
	Account            Account           `json:"account"`
	Content            string            `json:"content"`
	Visibility         string            `json:"visibility"`
	Sensitive          bool              `json:"sensitive"`
	SpoilerText        string            `json:"spoiler_text"`
	MediaAttachments   []MediaAttachment `json:"media_attachments"`
	Mentions           []Mention         `json:"mentions"`
	Tags               []Tag             `json:"tags"`
	Emojis             []Emoji           `json:"emojis"`
	ReblogsCount       int64             `json:"reblogs_count"`
	FavouritesCount    int64             `json:"favourites_count"`
	RepliesCount       int64             `json:"replies_count"`
	InReplyToID        *string           `json:"in_reply_to_id"`
	InReplyToAccountID *string           `json:"in_reply_to_account_id"`
	Reblog             *Status           `json:"reblog"`
	Poll               *Poll             `json:"poll"`
	Card               *struct{}         `json:"card"`
	Language           *string           `json:"language"`
	Text               *string           `json:"text,omitempty"`
	Favourited         bool              `json:"favourited"`
	Reblogged          bool              `json:"reblogged"`
	Muted              bool              `json:"muted"`
	Bookmarked         bool              `json:"bookmarked"`
	Pinned             *bool             `json:"pinned,omitempty"`
	Filtered           []any             `json:"filtered"`
	Pictor             *StatusPictor     `json:"pictor,omitempty"` // Pictor's additions (entities_remix.go)

	// enc is the encoding of the fields from ID to Emojis but Account,
	// when the entity came from the rendered-status cache
	// (entities_status_cache.go); any change to one of those fields must
	// clear it.
	enc *statusEnc
}

// StatusSource is GET /api/v1/statuses/:id/source.
type StatusSource struct {
	ID          string `json:"id"`
	Text        string `json:"text"`
	SpoilerText string `json:"spoiler_text"`
}

// StatusEdit is one version in GET /api/v1/statuses/:id/history.
type StatusEdit struct {
	Content          string            `json:"content"`
	SpoilerText      string            `json:"spoiler_text"`
	Sensitive        bool              `json:"sensitive"`
	CreatedAt        Time              `json:"created_at"`
	Account          Account           `json:"account"`
	MediaAttachments []MediaAttachment `json:"media_attachments"`
	Emojis           []Emoji           `json:"emojis"`
	Poll             *struct{}         `json:"poll"`
}

// Context is a status's thread.
type Context struct {
	Ancestors   []Status `json:"ancestors"`
	Descendants []Status `json:"descendants"`
}

// Notification is Mastodon's (ungrouped, v1) Notification entity.
type Notification struct {
	ID        string  `json:"id"`
	Type      string  `json:"type"`
	CreatedAt Time    `json:"created_at"`
	Account   Account `json:"account"`
	Status    *Status `json:"status,omitempty"`
	Report    *Report `json:"report,omitempty"` // admin.report
}

// Relationship is how the signed-in user relates to an account.
type Relationship struct {
	ID                  string   `json:"id"`
	Following           bool     `json:"following"`
	ShowingReblogs      bool     `json:"showing_reblogs"`
	Notifying           bool     `json:"notifying"`
	Languages           []string `json:"languages"`
	FollowedBy          bool     `json:"followed_by"`
	Blocking            bool     `json:"blocking"`
	BlockedBy           bool     `json:"blocked_by"`
	Muting              bool     `json:"muting"`
	MutingNotifications bool     `json:"muting_notifications"`
	Requested           bool     `json:"requested"`
	RequestedBy         bool     `json:"requested_by"`
	DomainBlocking      bool     `json:"domain_blocking"`
	Endorsed            bool     `json:"endorsed"`
	Note                string   `json:"note"`
}

// Marker is a saved read position.
type Marker struct {
	LastReadID string `json:"last_read_id"`
	Version    int64  `json:"version"`
	UpdatedAt  Time   `json:"updated_at"`
}

// SearchResults is GET /api/v2/search.
type SearchResults struct {
	Accounts []Account `json:"accounts"`
	Statuses []Status  `json:"statuses"`
	Hashtags []Tag     `json:"hashtags"`
}

// Rule is an instance rule.
type Rule struct {
	ID   string `json:"id"`
	Text string `json:"text"`
	Hint string `json:"hint"`
}
