package server

import (
	"fmt"
	"net/http"

	"github.com/pictor-social/pictor/assistant"
	"github.com/pictor-social/pictor/config"
	"github.com/pictor-social/pictor/genimage/openai"
	"github.com/pictor-social/pictor/screening"
)

// wireScreening builds the post screener from [screening] and hands it to
// the federation component, which social and the inbox share. It runs
// after wireAssistant, as backend "chat" uses the assistant.
// Options.Screener replaces the configured backend (tests).
func (s *Server) wireScreening(opts Options) error {
	sc := s.Cfg.Screening
	backend := opts.Screener
	if backend == nil {
		b, err := newScreener(s.Cfg, s.providerClient(opts), s.Assistant)
		if err != nil {
			return err
		}
		backend = b
	}
	if backend == nil {
		return nil
	}
	s.Fed.Screening = screening.NewChecker(backend, screening.Options{Timeout: sc.Timeout.Duration,
		FailClosed: sc.FailClosed, Policy: sc.Policy, Default: sc.DefaultAction, Threshold: sc.Threshold},
		s.Log.With("component", "screening"))
	return nil
}

// newScreener returns the configured backend; nil means off. The word list
// (built-in phrases plus [screening] words) is the default; the admin's own
// words are checked before a provider too.
func newScreener(cfg config.File, client *http.Client, asst *assistant.Service) (screening.Screener, error) {
	sc := cfg.Screening
	terms := screening.DefaultTerms()
	if len(sc.Words) > 0 {
		terms[screening.WordTerms] = append(terms[screening.WordTerms], sc.Words...)
	}
	words := screening.NewWordListScreener(terms)
	var provider screening.Screener
	switch sc.Backend {
	case "off":
		return nil, nil
	case "wordlist":
		return words, nil
	case "openai":
		o := openAIOptions(cfg.Generation, sc.Model)
		if o.Profile != openai.ProfileOpenAI {
			o.BaseURL = ""
		}
		p, err := openai.NewPostScreener(o, client)
		if err != nil {
			return nil, fmt.Errorf("screening backend openai: %w", err)
		}
		provider = p
	case "chat":
		if asst == nil {
			return nil, fmt.Errorf(`screening backend "chat" needs [assistant] backend "openai"`)
		}
		provider = assistant.NewScreener(asst)
	default:
		return nil, fmt.Errorf("screening backend %q is not available", sc.Backend)
	}
	if len(sc.Words) > 0 {
		return screening.Chain(screening.NewWordListScreener(map[string][]string{screening.WordTerms: sc.Words}), provider), nil
	}
	return provider, nil
}
