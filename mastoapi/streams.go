package mastoapi

import (
	"context"
	"strconv"

	"github.com/pictor-social/pictor/activitypub"
	"github.com/pictor-social/pictor/internal/pubsub"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// Internal stream names the fan-out publishes to and connections
// subscribe to. Payloads: a status id (int64) or a store.Notification.
func userStream(id int64) string         { return "api:user:" + strconv.FormatInt(id, 10) }
func notificationStream(id int64) string { return "api:notification:" + strconv.FormatInt(id, 10) }
func hashtagStream(tag string, local bool) string {
	if local {
		return "api:hashtag:local:" + tag
	}
	return "api:hashtag:" + tag
}

const (
	publicStream       = "api:public"
	publicLocalStream  = "api:public:local"
	publicRemoteStream = "api:public:remote"
)

// streamEventKinds maps social's StatusEvent kinds to Mastodon's events.
var streamEventKinds = map[string]string{"create": "update", "update": "status.update", "delete": "delete"}

// RunStreaming feeds the streaming API until ctx ends: it takes the status
// and notification events published after commit and re-publishes each to
// the streams of those who should see it: the author, its local followers
// (the mentioned local accounts for direct posts), and the public and
// hashtag streams for public posts. A missed event only means an app
// refetches; the store stays the truth.
func (h *Handler) RunStreaming(ctx context.Context) error {
	// Events from other processes on the database come relayed
	// (server/events.go): they reach this process's connections too.
	sub := h.hub.Subscribe(activitypub.StreamStatuses, activitypub.StreamNotifications, social.StreamAnnouncements,
		pubsub.Relayed(activitypub.StreamStatuses), pubsub.Relayed(activitypub.StreamNotifications),
		pubsub.Relayed(social.StreamAnnouncements))
	defer sub.Close()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-sub.C:
			if !ok {
				return nil
			}
			h.fanOut(ctx, ev)
		}
	}
}

func (h *Handler) fanOut(ctx context.Context, ev pubsub.Event) {
	switch p := ev.Payload.(type) {
	case social.AnnouncementEvent:
		h.fanOutAnnouncement(ctx, ev, p) // announcements_streaming.go
	case store.Notification:
		if p.Type == store.NotifyRemix {
			return // Pictor-only: never streamed to Mastodon clients (notifications_remix.go)
		}
		h.hub.Publish(pubsub.Event{Stream: userStream(p.AccountID), Kind: "notification", Payload: p})
		h.hub.Publish(pubsub.Event{Stream: notificationStream(p.AccountID), Kind: "notification", Payload: p})
	case activitypub.StatusEvent:
		h.fanOutDirect(ctx, p) // conversations_streaming.go
		kind, ok := streamEventKinds[p.Kind]
		if !ok {
			return
		}
		streams, err := h.statusAudience(ctx, p.StatusID)
		if err != nil {
			if ctx.Err() == nil {
				h.log.Warn("streaming audience", "status_id", p.StatusID, "err", err)
			}
			return
		}
		for _, s := range streams {
			h.hub.Publish(pubsub.Event{Stream: s, Kind: kind, Payload: p.StatusID})
		}
	}
}

// statusAudience lists the internal streams a status event goes to; it
// mirrors who has the status in their home feed.
func (h *Handler) statusAudience(ctx context.Context, id int64) ([]string, error) {
	st, err := h.db.StatusByID(ctx, id)
	if err != nil {
		return nil, err
	}
	var streams []string
	if local, err := h.db.IsLocalUser(ctx, st.AccountID); err != nil {
		return nil, err
	} else if local {
		streams = append(streams, userStream(st.AccountID))
	}
	var readers []int64
	if st.Visibility == store.VisibilityDirect {
		m, err := h.db.MentionsForStatuses(ctx, []int64{st.ID})
		if err != nil {
			return nil, err
		}
		readers = m[st.ID]
	} else if readers, err = h.db.LocalFollowers(ctx, st.AccountID); err != nil {
		return nil, err
	}
	readers, listStreams, err := h.listAudience(ctx, st, readers)
	if err != nil {
		return nil, err
	}
	streams = append(streams, listStreams...)
	for _, r := range readers {
		if r != st.AccountID {
			streams = append(streams, userStream(r))
		}
	}
	if st.Visibility != store.VisibilityPublic || st.ReblogOfID != 0 {
		return streams, nil
	}
	streams = append(streams, publicStream)
	if st.Local {
		streams = append(streams, publicLocalStream)
	} else {
		streams = append(streams, publicRemoteStream)
	}
	tags, err := h.db.TagsForStatuses(ctx, []int64{st.ID})
	if err != nil {
		return nil, err
	}
	for _, t := range tags[st.ID] {
		streams = append(streams, hashtagStream(t, false))
		if st.Local {
			streams = append(streams, hashtagStream(t, true))
		}
	}
	return streams, nil
}
