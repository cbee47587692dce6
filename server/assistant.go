package server

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/pictor-social/pictor/activitypub"
	"github.com/pictor-social/pictor/askbot"
	"github.com/pictor-social/pictor/assistant"
	"github.com/pictor-social/pictor/config"
)

// wireAssistant builds the assistant from [assistant]; with backend "none"
// s.Assistant stays nil and every feature built on it is hidden.
func (s *Server) wireAssistant(opts Options) error {
	a := s.Cfg.Assistant
	if a.Backend != "openai" {
		return nil
	}
	co := assistantClientOptions(a, s.Cfg.Generation.OpenAI.APIKey)
	if co.APIKey == "" && a.Profile == assistant.ProfileOpenAI && a.BaseURL == "" {
		return errors.New("[assistant] backend openai needs an API key (api_key, PICTOR_OPENAI_API_KEY or [generation.openai] api_key)")
	}
	client, err := assistant.NewClient(co, s.providerClient(opts))
	if err != nil {
		return err
	}
	svc, err := assistant.New(assistant.Deps{DB: s.DB, Client: client, Log: s.Log, CanSee: s.Social.CanSee,
		OpenMedia: s.openMedia,
	}, assistant.Options{CacheEntries: a.CacheEntries, Limits: map[assistant.Feature]int{
		assistant.FeatureSuggestions:  a.SuggestionsPerDay,
		assistant.FeatureDescriptions: a.DescriptionsPerDay,
		assistant.FeatureScreening:    a.ScreeningPerDay,
	}})
	if err != nil {
		return err
	}
	s.Assistant = svc
	return nil
}

// openMedia opens a stored file for the assistant, whose OpenMedia takes no
// context: reads from S3 are bounded by the storage's own timeouts.
func (s *Server) openMedia(name string) (io.ReadCloser, error) {
	obj, err := s.Files.Open(context.Background(), name)
	if err != nil {
		return nil, err
	}
	return obj, nil
}

// assistantClientOptions maps [assistant] onto the client's options. An
// empty key on OpenAI itself borrows the image generator's.
func assistantClientOptions(a config.Assistant, generationKey string) assistant.ClientOptions {
	key := a.APIKey
	if key == "" && a.Profile == assistant.ProfileOpenAI && a.BaseURL == "" {
		key = generationKey
	}
	return assistant.ClientOptions{BaseURL: a.BaseURL, APIKey: key, Model: a.Model, VisionModel: a.VisionModel,
		Profile: a.Profile, Timeout: a.Timeout.Duration}
}

// wireAskBot builds the assistant bot @ask on the assistant and the image
// generator, and creates its account if it is missing; with the assistant
// off there is no bot, no account and no /ask command.
func (s *Server) wireAskBot(ctx context.Context) error {
	if s.Assistant == nil {
		return nil
	}
	a := s.Cfg.Assistant
	bot, err := askbot.New(askbot.Deps{DB: s.DB, Social: s.Social, Hub: s.Hub, Log: s.Log, Assistant: s.Assistant,
		Images: s.Gen}, askbot.Options{BotUsername: a.BotUsername, Command: a.AskCommand, PerDay: a.AskPerDay,
		RemotePerDay: a.RemoteAskPerDay, Lease: a.Timeout.Duration + time.Minute,
		NotificationStream: activitypub.StreamNotifications})
	if err != nil {
		return err
	}
	if _, err := bot.Bot(ctx); err != nil {
		return err
	}
	s.AskBot = bot
	return nil
}
