package server

import (
	"context"
	"errors"

	"github.com/pictor-social/pictor/activitypub"
	"github.com/pictor-social/pictor/media"
)

// wireMediaCache builds the remote media cache: downloads go through the
// guarded outbound client, so allow_private_addresses applies to them too.
func (s *Server) wireMediaCache() {
	m := s.Cfg.Media
	s.MediaCache = media.NewRemoteCache(s.DB, s.Files, s.Client, s.Log, media.RemoteOptions{
		MaxBytes: m.RemoteMaxBytes, Timeout: m.RemoteFetchTimeout.Duration, Workers: m.RemoteWorkers,
		CacheDays: m.RemoteCacheDays, Limits: mediaLimits(m), Budget: s.MediaBudget,
	})
}

// runMediaCache drains the download queue, looking at it at once whenever
// the inbox stores a status (its attachments were queued in that
// transaction), and prunes expired copies.
func (s *Server) runMediaCache(ctx context.Context) error {
	sub := s.Hub.Subscribe(activitypub.StreamStatuses)
	defer sub.Close()
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-sub.C:
				if !ok {
					return
				}
				if se, isStatus := ev.Payload.(activitypub.StatusEvent); isStatus && se.Kind != "delete" {
					s.MediaCache.Poke()
				}
			}
		}
	}()
	done := make(chan error, 1)
	go func() { done <- s.MediaCache.RunPrune(ctx) }()
	err := s.MediaCache.Run(ctx)
	return errors.Join(err, <-done)
}
