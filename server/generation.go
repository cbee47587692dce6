package server

import (
	"context"
	"fmt"

	"github.com/pictor-social/pictor/activitypub"
	"github.com/pictor-social/pictor/config"
	"github.com/pictor-social/pictor/genimage"
	"github.com/pictor-social/pictor/genimage/builtin"
)

// wireGeneration builds the image backend, the prompt moderator and the
// generation service from the [generation] and [moderation] sections, and
// creates the generator bot account if it is missing. Options.GenBackend
// and Options.GenModerator replace the configured ones (tests).
func (s *Server) wireGeneration(ctx context.Context, opts Options) error {
	g := s.Cfg.Generation
	backend := opts.GenBackend
	if backend == nil {
		b, err := newBackend(g)
		if err != nil {
			return err
		}
		backend = b
	}
	mod := opts.GenModerator
	if mod == nil {
		m, err := newModerator(s.Cfg)
		if err != nil {
			return err
		}
		mod = m
	}
	gen, err := genimage.New(genimage.Deps{DB: s.DB, Social: s.Social, Hub: s.Hub, Log: s.Log, Backend: backend,
		Moderator: mod}, genimage.Options{
		Command: g.Command, BotUsername: g.BotUsername, Hashtag: g.Hashtag, Label: g.Label, Workers: g.Workers,
		Timeout: g.Timeout.Duration, ImagesPerDay: g.ImagesPerDay, RemoteImagesPerDay: g.RemoteImagesPerDay,
		MaxConcurrentJobs: g.MaxConcurrentJobs, Size: defaultSize(g), SyncWait: opts.GenSyncWait,
		NotificationStream: activitypub.StreamNotifications,
	})
	if err != nil {
		return err
	}
	if _, err := gen.Bot(ctx); err != nil {
		return err
	}
	s.Gen = gen
	return nil
}

func defaultSize(g config.Generation) string {
	if g.Backend == "openai" {
		return g.OpenAI.Size
	}
	return "1024x1024"
}

// newBackend returns the configured image backend.
func newBackend(g config.Generation) (genimage.Backend, error) {
	switch g.Backend {
	case "builtin":
		return builtin.New(), nil
	}
	return nil, fmt.Errorf("generation backend %q is not available in this build", g.Backend)
}

// newModerator returns the configured prompt moderator; nil means off.
// "auto" uses OpenAI moderation when an API key is set, else the word list.
func newModerator(cfg config.File) (genimage.Moderator, error) {
	words := func() genimage.Moderator {
		return genimage.NewWordList(append(genimage.DefaultWordList(), cfg.Moderation.Words...))
	}
	switch cfg.Moderation.Backend {
	case "off":
		return nil, nil
	case "wordlist":
		return words(), nil
	case "auto":
		if cfg.Generation.OpenAI.APIKey == "" {
			return words(), nil
		}
	}
	return nil, fmt.Errorf("moderation backend %q is not available in this build", cfg.Moderation.Backend)
}
