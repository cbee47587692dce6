package mastoapi

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/pictor-social/pictor/internal/pubsub"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// fanOutAnnouncement sends an announcement event to the user stream of
// every local account; announcements are rare, so one pass over the local
// accounts per event is cheap.
func (h *Handler) fanOutAnnouncement(ctx context.Context, ev pubsub.Event, p social.AnnouncementEvent) {
	accounts, err := h.db.LocalAccounts(ctx)
	if err != nil {
		if ctx.Err() == nil {
			h.log.Warn("streaming announcement", "err", err)
		}
		return
	}
	for _, a := range accounts {
		h.hub.Publish(pubsub.Event{Stream: userStream(a.ID), Kind: ev.Kind, Payload: p})
	}
}

// announcementReactionEvent is the payload of an announcement.reaction
// event.
type announcementReactionEvent struct {
	Name           string `json:"name"`
	Count          int64  `json:"count"`
	AnnouncementID string `json:"announcement_id"`
}

// renderAnnouncementEvent renders an announcement event as Mastodon does:
// `announcement` carries the entity as viewer sees it (nothing if it is no
// longer active), `announcement.reaction` the emoji's new count and
// `announcement.delete` the id.
func (h *Handler) renderAnnouncementEvent(ctx context.Context, viewer int64, kind string, p social.AnnouncementEvent) (event, payload string, ok bool) {
	switch kind {
	case "announcement.delete":
		return kind, strconv.FormatInt(p.ID, 10), true
	case "announcement.reaction":
		b, _ := json.Marshal(announcementReactionEvent{Name: p.Name, Count: p.Count, AnnouncementID: store.FormatID(p.ID)})
		return kind, string(b), true
	case "announcement":
		a, err := h.social.ActiveAnnouncement(ctx, p.ID)
		if err != nil {
			return "", "", false
		}
		list, err := h.announcementEntities(ctx, viewer, []store.Announcement{a})
		if err != nil || len(list) == 0 {
			return "", "", false
		}
		b, _ := json.Marshal(list[0])
		return kind, string(b), true
	}
	return "", "", false
}
