package server

import (
	"context"
	"time"

	"github.com/pictor-social/pictor/store"
)

// externalPoll is how often the server asks whether another process has
// committed: work that `pictor post`, `pictor imagine --post` or `pictor
// admin` queued is picked up within about this long.
const externalPoll = 500 * time.Millisecond

// runExternalChanges wakes every queue worker and drops every cache that
// another process may have made stale whenever the store's change feed
// reports a commit from outside this process (architecture.md, "Wake-ups
// and events cross processes"). The feed is the only cross-process
// channel: SQLite's data_version today, LISTEN/NOTIFY with PostgreSQL.
func (s *Server) runExternalChanges(ctx context.Context) error {
	var feed store.ChangeFeed = s.DB.ExternalChanges(externalPoll)
	return feed.Run(ctx, s.externalChange)
}

// externalChange is what one outside commit triggers. Every call is a
// non-blocking poke; a worker that finds nothing new goes back to sleep.
func (s *Server) externalChange() {
	s.Web.Blocklist().Invalidate()
	s.Fed.WakeInbox()
	s.Fed.WakeDelivery()
	s.Gen.Wake()
	s.Push.Wake()
	s.MediaCache.Poke()
}
