package server

import (
	"context"
	"encoding/json"

	"github.com/pictor-social/pictor/activitypub"
	"github.com/pictor-social/pictor/genimage"
	"github.com/pictor-social/pictor/internal/pubsub"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// eventsChannel is the NOTIFY channel the processes on one PostgreSQL
// database relay their hub's events on.
const eventsChannel = "pictor_events"

// relayedStreams are the hub streams relayed between processes: the facts
// the streaming fan-out turns into client events. Each process fans out to
// its own connections (mastoapi.RunStreaming listens on the relayed streams
// too); the workers that act once per fact (Web Push, the generator bot,
// poll and media workers) see only their own process's events. Generation
// progress (genimage.StreamJobs) is published again on the job's own
// stream, which only watchers of the job (its page, the API's event stream,
// genimage.Wait) listen to.
var relayedStreams = []string{activitypub.StreamStatuses, activitypub.StreamNotifications, social.StreamAnnouncements,
	genimage.StreamJobs}

// relayedEvent is one event on eventsChannel. Every payload relayed is a
// few ids and names, far below PostgreSQL's 8,000 bytes.
type relayedEvent struct {
	Stream  string `json:"s"`
	Kind    string `json:"k"`
	Payload any    `json:"p"`
}

// runEventRelay relays hub events between the processes on a PostgreSQL
// database until ctx ends: this process's events on relayedStreams go out
// with NOTIFY, and other processes' events are published here on the
// pubsub.Relayed streams (store.Listen passes over this process's own).
// Both directions are best effort, like the hub: a full buffer drops events
// (a client refetches) and never blocks a publisher. On SQLite, with one
// process, it only waits for ctx.
func (s *Server) runEventRelay(ctx context.Context) error {
	if s.DB.Engine() != "postgres" {
		<-ctx.Done()
		return nil
	}
	sub := s.Hub.Subscribe(relayedStreams...)
	defer sub.Close()
	listenDone := make(chan error, 1)
	go func() {
		listenDone <- s.DB.Listen(ctx, eventsChannel, nil, func(payload string) {
			ev, ok := decodeRelayed(payload)
			switch {
			case !ok:
			case ev.Stream == genimage.StreamJobs:
				e := ev.Payload.(genimage.Event)
				s.Hub.Publish(pubsub.Event{Stream: genimage.JobStream(e.JobID), Kind: ev.Kind, Payload: e})
			default:
				s.Hub.Publish(pubsub.Event{Stream: pubsub.Relayed(ev.Stream), Kind: ev.Kind, Payload: ev.Payload})
			}
		})
	}()
	for {
		select {
		case <-ctx.Done():
			return <-listenDone
		case ev, ok := <-sub.C:
			if !ok {
				return nil
			}
			msg, err := json.Marshal(relayedEvent{Stream: ev.Stream, Kind: ev.Kind, Payload: ev.Payload})
			if err == nil {
				err = s.DB.Notify(ctx, eventsChannel, string(msg))
			}
			if err != nil && ctx.Err() == nil {
				s.Log.Warn("relay event", "stream", ev.Stream, "err", err)
			}
		}
	}
}

// decodeRelayed rebuilds a relayed event with its payload as the hub's
// subscribers expect it; false for a stream it does not know or a message
// that does not parse.
func decodeRelayed(msg string) (relayedEvent, bool) {
	var raw json.RawMessage
	ev := relayedEvent{Payload: &raw}
	if json.Unmarshal([]byte(msg), &ev) != nil {
		return ev, false
	}
	var err error
	switch ev.Stream {
	case activitypub.StreamStatuses:
		ev.Payload, err = decodeAs[activitypub.StatusEvent](raw)
	case activitypub.StreamNotifications:
		ev.Payload, err = decodeAs[store.Notification](raw)
	case social.StreamAnnouncements:
		ev.Payload, err = decodeAs[social.AnnouncementEvent](raw)
	case genimage.StreamJobs:
		var e genimage.Event
		e, err = decodeAs[genimage.Event](raw)
		// A partial image stays in the memory of the process that runs
		// the job: this one has none to show.
		e.HasPartial, e.PreviewSeq = false, 0
		ev.Payload = e
	default:
		return ev, false
	}
	return ev, err == nil
}

// decodeAs decodes raw as a T.
func decodeAs[T any](raw json.RawMessage) (T, error) {
	var p T
	err := json.Unmarshal(raw, &p)
	return p, err
}
