package server

import (
	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/web"
)

// wireWeb builds the web pages and hands their domain blocklist to
// federation, so that a block refuses the domain's inbox POSTs and skips
// deliveries to it. It runs after wireGeneration: the compose page
// generates through s.Gen.
func (s *Server) wireWeb(opts Options) error {
	cfg := s.Cfg
	var gen web.Generator // a nil *genimage.Service must stay a nil interface
	if s.Gen != nil {
		gen = s.Gen
	}
	h, err := web.New(s.DB, s.Social, s.OAuth, web.Options{
		BaseURL: cfg.BaseURL(), InstanceTitle: cfg.InstanceTitle, InstanceDescription: cfg.InstanceDescription,
		TemplatesDir: cfg.Web.TemplatesDir, SessionLifetime: cfg.Web.SessionLifetime.Duration,
		MaxUploadBytes: cfg.Media.MaxUploadBytes, ImagesPerDay: cfg.Generation.ImagesPerDay,
		Log: s.Log, Now: opts.Clock, Generator: gen, Assistant: s.Assistant,
		Login: auth.LoginLimiterOptions{MaxConcurrentChecks: cfg.Web.MaxPasswordChecks},
	})
	if err != nil {
		return err
	}
	s.Web = h
	s.Fed.Blocked = h.Blocklist().Blocked
	return nil
}
