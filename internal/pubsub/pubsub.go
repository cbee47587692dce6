// Package pubsub fans in-process events out to subscribers (streaming API,
// live pages). Delivery is best effort: a subscriber that falls behind loses
// events and refetches; the store stays the truth.
package pubsub

import "sync"

// Event is one published fact, e.g. a status created on a timeline.
type Event struct {
	Stream  string // "user:<account id>", "public", "public:local", "notification:<id>", "job:<id>"
	Kind    string // "update", "notification", "delete", "status.update", "progress", ...
	Payload any
}

// Relayed names the stream on which events of stream published by another
// process are published again in this one (a bridge between processes does
// it): the fan-out to this process's clients listens there too, while the
// workers that act once per event (push, the generator bot) do not.
func Relayed(stream string) string { return "relayed:" + stream }

// Hub routes events to subscribers by stream name. Safe for concurrent use.
type Hub struct {
	mu   sync.RWMutex
	subs map[string]map[*Subscription]struct{}
}

// Subscription receives the events of its streams on C until Close.
type Subscription struct {
	C       <-chan Event
	c       chan Event
	hub     *Hub
	streams []string
	once    sync.Once
}

// New returns an empty hub.
func New() *Hub { return &Hub{subs: map[string]map[*Subscription]struct{}{}} }

// Subscribe starts receiving events for the given streams, buffering up to 64.
func (h *Hub) Subscribe(streams ...string) *Subscription {
	c := make(chan Event, 64)
	s := &Subscription{C: c, c: c, hub: h, streams: streams}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, st := range streams {
		if h.subs[st] == nil {
			h.subs[st] = map[*Subscription]struct{}{}
		}
		h.subs[st][s] = struct{}{}
	}
	return s
}

// Close stops the subscription and closes C.
func (s *Subscription) Close() {
	s.once.Do(func() {
		s.hub.mu.Lock()
		for _, st := range s.streams {
			delete(s.hub.subs[st], s)
			if len(s.hub.subs[st]) == 0 {
				delete(s.hub.subs, st)
			}
		}
		s.hub.mu.Unlock()
		close(s.c)
	})
}

// Publish sends e to every subscriber of e.Stream without blocking; a full
// subscriber misses the event.
func (h *Hub) Publish(e Event) {
	if h == nil {
		return
	}
	h.mu.RLock()
	defer h.mu.RUnlock()
	for s := range h.subs[e.Stream] {
		select {
		case s.c <- e:
		default:
		}
	}
}
