package server

import (
	"context"

	"github.com/pictor-social/pictor/activitypub"
	"github.com/pictor-social/pictor/push"
	"github.com/pictor-social/pictor/store"
)

// wirePush makes the Web Push service (and on first start its VAPID key).
func (s *Server) wirePush(ctx context.Context) error {
	p := s.Cfg.Push
	var err error
	s.Push, err = push.New(ctx, s.DB, s.Hub, s.Client, s.Log, push.Options{BaseURL: s.Cfg.BaseURL(),
		Contact: s.Cfg.ContactEmail, NotificationStream: activitypub.StreamNotifications, AvatarURL: s.avatarURL,
		Workers: p.Workers, Timeout: p.Timeout.Duration, MaxAttempts: p.MaxAttempts})
	return err
}

// avatarURL is the avatar as the client API shows it (mastoapi.imageURL).
func (s *Server) avatarURL(a store.Account) string {
	switch {
	case a.AvatarFile != "":
		return s.Fed.URLs.Media(a.AvatarFile)
	case a.AvatarURL != "":
		return a.AvatarURL
	}
	return s.Cfg.BaseURL() + "/static/img/avatar.png"
}
