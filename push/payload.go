package push

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/pictor-social/pictor/internal/htmlsan"
	"github.com/pictor-social/pictor/store"
)

// payload is the JSON a Mastodon client expects inside a push (its web
// notification serializer): enough to show an alert and to fetch the
// notification with the token it names.
type payload struct {
	AccessToken      string `json:"access_token"`
	PreferredLocale  string `json:"preferred_locale"`
	NotificationID   int64  `json:"notification_id"`
	NotificationType string `json:"notification_type"`
	Icon             string `json:"icon"`
	Title            string `json:"title"`
	Body             string `json:"body"`
}

// titles word each notification type; %s is the sender's name.
var titles = map[string]string{
	store.NotifyMention:       "%s mentioned you",
	store.NotifyStatus:        "%s posted",
	store.NotifyReblog:        "%s boosted your post",
	store.NotifyFollow:        "%s followed you",
	store.NotifyFollowRequest: "%s asked to follow you",
	store.NotifyFavourite:     "%s favourited your post",
	store.NotifyUpdate:        "%s edited a post",
	"poll":                    "A poll by %s has ended",
	store.NotifyAdminReport:   "%s filed a report",
}

// maxBody is how many characters of text the body carries, as Mastodon.
const maxBody = 140

// errGone marks pushes whose notification no longer exists.
var errGone = errors.New("notification gone")

// buildPayload renders the push for notification n of sub's account.
func (s *Service) buildPayload(ctx context.Context, sub store.PushSubscription, id int64) ([]byte, error) {
	n, err := s.db.NotificationByID(ctx, sub.AccountID, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errGone
	}
	if err != nil {
		return nil, err
	}
	from, err := s.db.AccountByID(ctx, n.FromAccountID)
	if err != nil {
		return nil, fmt.Errorf("push sender %d: %w", n.FromAccountID, err)
	}
	name := from.DisplayName
	if name == "" {
		name = from.Username
	}
	title, ok := titles[n.Type]
	if !ok {
		title = "%s sent you a notification"
	}
	p := payload{AccessToken: sub.AccessToken, PreferredLocale: "en", NotificationID: n.ID, NotificationType: n.Type,
		Title: fmt.Sprintf(title, name), Body: htmlsan.PlainText(from.Note, maxBody)}
	if s.opts.AvatarURL != nil {
		p.Icon = s.opts.AvatarURL(from)
	}
	if n.StatusID != 0 {
		if st, err := s.db.StatusByID(ctx, n.StatusID); err == nil {
			p.Body = htmlsan.PlainText(st.Content, maxBody)
			if st.SpoilerText != "" {
				p.Body = htmlsan.PlainText(st.SpoilerText, maxBody)
			}
		}
	}
	b, err := json.Marshal(p)
	return b, err
}
