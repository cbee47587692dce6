package social

import (
	"context"
	"strings"

	"github.com/pictor-social/pictor/store"
)

// AnnouncementContent is an announcement's text as HTML, with the local
// accounts it mentions and the hashtags it uses.
type AnnouncementContent struct {
	HTML     string
	Mentions []store.Account
	Tags     []string // as typed, without '#'
}

// FormatAnnouncement renders a's text like a status: escaped, paragraphs
// and line breaks kept, URLs and hashtags linked. Mentions link only to
// local accounts (rendering never looks up other servers).
func (s *Service) FormatAnnouncement(ctx context.Context, a store.Announcement) AnnouncementContent {
	var c AnnouncementContent
	f := Format(a.Text, s.fed.URLs.Tag(""), func(handle string) (string, string, bool) {
		if strings.Contains(handle, "@") {
			return "", "", false
		}
		u, err := s.db.UserByUsername(ctx, handle)
		if err != nil {
			return "", "", false
		}
		acct, err := s.db.AccountByID(ctx, u.AccountID)
		if err != nil {
			return "", "", false
		}
		c.Mentions = appendAccount(c.Mentions, acct)
		return s.fed.URLs.Profile(acct.Username), acct.Username, true
	})
	c.HTML, c.Tags = f.HTML, f.Tags
	return c
}
