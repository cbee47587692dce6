package mastoapi

import (
	"context"
	"sync"
)

// openStreams tracks the open streaming connections so that shutdown can end
// them all and wait for their handlers: http.Server.Shutdown waits for an
// event-stream response until its deadline, and does not track hijacked
// WebSocket connections at all.
type openStreams struct {
	mu      sync.Mutex
	open    int
	closed  bool
	closing chan struct{} // closed when shutdown begins
	drained chan struct{} // closed once closing and no stream is open
}

func newOpenStreams() *openStreams {
	return &openStreams{closing: make(chan struct{}), drained: make(chan struct{})}
}

// enter registers a stream; ok is false once shutdown has begun.
func (s *openStreams) enter() (leave func(), ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, false
	}
	s.open++
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.open--; s.closed && s.open == 0 {
			close(s.drained)
		}
	}, true
}

// close begins shutdown (once) and waits until every stream has left or ctx
// ends.
func (s *openStreams) close(ctx context.Context) error {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.closing)
		if s.open == 0 {
			close(s.drained)
		}
	}
	s.mu.Unlock()
	select {
	case <-s.drained:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// CloseStreams ends every streaming connection, for shutdown: event streams
// end their response, WebSocket connections get a close frame with status
// 1001 (going away), and later stream requests are answered 503. It returns
// when every stream handler has returned, or with ctx's error when ctx ends
// first. It may be called more than once, concurrently.
func (h *Handler) CloseStreams(ctx context.Context) error {
	return h.live.close(ctx)
}
