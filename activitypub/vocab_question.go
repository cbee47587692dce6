package activitypub

import (
	"encoding/json"
	"time"
)

// QuestionOption is one entry of a Question's oneOf or anyOf: a Note whose
// name is the option and whose replies.totalItems is its vote count
// (Mastodon's shape; interop.md A.6).
type QuestionOption struct {
	Type    TypeName     `json:"type"`
	Name    string       `json:"name"`
	Replies *OptionVotes `json:"replies,omitempty"`
}

// OptionVotes is an option's replies collection, of which only the count is
// sent.
type OptionVotes struct {
	Type       TypeName `json:"type"`
	TotalItems int      `json:"totalItems"`
}

// Votes returns the option's vote count, 0 when absent.
func (q QuestionOption) Votes() int {
	if q.Replies == nil || q.Replies.TotalItems < 0 {
		return 0
	}
	return q.Replies.TotalItems
}

// ClosedAt is a Question's `closed`: Mastodon sends the time voting ended,
// some servers a bare `true`. It encodes as a time.
type ClosedAt struct {
	At     time.Time
	Closed bool
}

// IsZero reports whether the poll is not said to be closed.
func (c ClosedAt) IsZero() bool { return !c.Closed }

// UnmarshalJSON implements json.Unmarshaler; it never fails on shape.
func (c *ClosedAt) UnmarshalJSON(b []byte) error {
	*c = ClosedAt{}
	switch jsonKind(b) {
	case 't':
		c.Closed = true
	case '"':
		var t Time
		_ = t.UnmarshalJSON(b)
		c.At, c.Closed = t.Time, true
	}
	return nil
}

// MarshalJSON implements json.Marshaler.
func (c ClosedAt) MarshalJSON() ([]byte, error) {
	if c.At.IsZero() {
		return json.Marshal(c.Closed)
	}
	return TimeOf(c.At).MarshalJSON()
}
