package server

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"

	"github.com/pictor-social/pictor/activitypub"
	"github.com/pictor-social/pictor/config"
	"github.com/pictor-social/pictor/genimage"
	"github.com/pictor-social/pictor/genimage/builtin"
	"github.com/pictor-social/pictor/genimage/openai"
)

// wireGeneration builds the image backend, the prompt moderator and the
// generation service from the [generation] and [moderation] sections, and
// creates the generator bot account if it is missing. Options.GenBackend
// and Options.GenModerator replace the configured ones (tests).
func (s *Server) wireGeneration(ctx context.Context, opts Options) error {
	g := s.Cfg.Generation
	backend := opts.GenBackend
	if backend == nil {
		b, err := newBackend(g, s.providerClient(opts))
		if err != nil {
			return err
		}
		backend = b
	}
	mod := opts.GenModerator
	if mod == nil {
		m, err := newModerator(s.Cfg, s.providerClient(opts))
		if err != nil {
			return err
		}
		mod = m
	}
	gen, err := genimage.New(genimage.Deps{DB: s.DB, Files: s.Files, Social: s.Social, Hub: s.Hub, Log: s.Log,
		Backend: backend, Moderator: mod, Sources: s.MediaCache}, genimage.Options{
		Command: g.Command, BotUsername: g.BotUsername, Workers: g.Workers,
		Timeout: g.Timeout.Duration, ImagesPerDay: g.ImagesPerDay, RemoteImagesPerDay: g.RemoteImagesPerDay,
		MaxConcurrentJobs: g.MaxConcurrentJobs, Size: defaultSize(g), SyncWait: opts.GenSyncWait,
		NotificationStream: activitypub.StreamNotifications,
		Variants:           g.Variants, CandidatesKeep: g.CandidatesKeep.Duration,
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

// providerClient is the HTTP client for the image provider and the
// moderation endpoint. Their addresses come from the admin's configuration
// (a self-hosted server on loopback or the LAN is a normal setup), so it is
// not address-restricted like the federation client; the backends bound
// every call with their own timeouts and size limits.
func (s *Server) providerClient(opts Options) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if opts.RootCAs != nil {
		tr.TLSClientConfig = &tls.Config{RootCAs: opts.RootCAs, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: tr}
}

// openAIOptions maps [generation.openai] onto the backend's options.
func openAIOptions(g config.Generation, model string) openai.Options {
	o := g.OpenAI
	return openai.Options{APIKey: o.APIKey, BaseURL: o.BaseURL, Model: o.Model, Size: o.Size, Quality: o.Quality,
		OutputFormat: o.OutputFormat, OutputCompression: o.OutputCompression, Background: o.Background,
		Profile: o.Profile, Timeout: g.Timeout.Duration, ModerationModel: model, PartialImages: o.PartialImages}
}

// newBackend returns the configured image backend.
func newBackend(g config.Generation, client *http.Client) (genimage.Backend, error) {
	switch g.Backend {
	case "builtin":
		return builtin.New(), nil
	case "openai":
		b, err := openai.New(openAIOptions(g, ""), client)
		if err != nil {
			return nil, fmt.Errorf("generation backend openai: %w", err)
		}
		return b, nil
	}
	return nil, fmt.Errorf("generation backend %q is not available", g.Backend)
}

// newModerator returns the configured prompt moderator; nil means off.
// "auto" uses OpenAI's moderation endpoint when an API key is set, else the
// word list (DefaultWordList plus [moderation] words); the admin's words are
// checked before OpenAI's endpoint too. The moderation
// endpoint is OpenAI's own unless the profile is "openai" with a base_url
// (a proxy), since self-hosted image servers have none.
func newModerator(cfg config.File, client *http.Client) (genimage.Moderator, error) {
	words := genimage.NewWordList(append(genimage.DefaultWordList(), cfg.Moderation.Words...))
	key := cfg.Generation.OpenAI.APIKey
	switch {
	case cfg.Moderation.Backend == "off":
		return nil, nil
	case cfg.Moderation.Backend == "wordlist", cfg.Moderation.Backend == "auto" && key == "":
		return words, nil
	}
	o := openAIOptions(cfg.Generation, cfg.Moderation.Model)
	if o.Profile != openai.ProfileOpenAI {
		o.BaseURL = ""
	}
	m, err := openai.NewModerator(o, client)
	if err != nil {
		return nil, fmt.Errorf("moderation backend openai: %w", err)
	}
	if len(cfg.Moderation.Words) > 0 { // the admin's own words apply whatever else screens
		return genimage.Chain(genimage.NewWordList(cfg.Moderation.Words), m), nil
	}
	return m, nil
}
