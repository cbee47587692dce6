package server

import (
	"github.com/pictor-social/pictor/web"
)

// wireWeb builds the web pages and hands their domain blocklist to
// federation, so that a block refuses the domain's inbox POSTs and skips
// deliveries to it.
func (s *Server) wireWeb(opts Options) error {
	cfg := s.Cfg
	h, err := web.New(s.DB, s.Social, s.OAuth, web.Options{
		BaseURL: cfg.BaseURL(), InstanceTitle: cfg.InstanceTitle, InstanceDescription: cfg.InstanceDescription,
		TemplatesDir: cfg.Web.TemplatesDir, SessionLifetime: cfg.Web.SessionLifetime.Duration,
		MaxUploadBytes: cfg.Media.MaxUploadBytes, ImagesPerDay: cfg.Generation.ImagesPerDay,
		Log: s.Log, Now: opts.Clock, Generator: s.Gen,
	})
	if err != nil {
		return err
	}
	s.Web = h
	s.Fed.Blocked = h.Blocklist().Blocked
	return nil
}

// TODO(#5): when genrunner's server wiring (s.Gen, server/generation.go)
// is merged, call wireWeb after wireGeneration and pass
// web.Options{Generator: s.Gen} (only when s.Gen != nil: a typed nil
// would count as a generator). Until then the compose page offers uploads
// only; the generate path is tested in web/compose_test.go.
