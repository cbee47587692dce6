package server

import (
	"context"

	"github.com/pictor-social/pictor/store"
)

// runExternalChanges wakes every queue worker and drops every cache that
// another process may have made stale whenever the store's change feed
// reports a commit from outside this process (architecture.md, "Wake-ups
// and events cross processes"). The feed is the only cross-process
// channel: SQLite's data_version today, LISTEN/NOTIFY with PostgreSQL.
func (s *Server) runExternalChanges(ctx context.Context) error {
	var feed store.ChangeFeed = s.DB.ExternalChanges()
	return feed.Run(ctx, s.externalChange)
}

// externalChange is what one outside commit triggers. Every call is a
// non-blocking poke; a worker that finds nothing new goes back to sleep.
func (s *Server) externalChange() {
	s.Web.Blocklist().Invalidate()
	s.Fed.WakeInbox()
	s.Fed.WakeDelivery()
	s.Gen.Wake()
	if s.AskBot != nil {
		s.AskBot.Wake()
	}
	s.Push.Wake()
	s.MediaCache.Poke()
}
