package mastoapi

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/pictor-social/pictor/activitypub"
	"github.com/pictor-social/pictor/internal/pubsub"
	"github.com/pictor-social/pictor/store"
)

// directStream is the internal name of a user's `direct` stream.
func directStream(id int64) string { return "api:direct:" + strconv.FormatInt(id, 10) }

// conversationEvent is the payload of a direct stream event: a direct
// status that changed a conversation of the stream's user.
type conversationEvent struct {
	StatusID int64
}

// fanOutDirect sends a new direct status to the `direct` streams of its
// local participants (author and mentioned local users), where it is
// rendered as that user's Conversation.
func (h *Handler) fanOutDirect(ctx context.Context, ev activitypub.StatusEvent) {
	if ev.Kind != "create" {
		return
	}
	st, err := h.db.StatusByID(ctx, ev.StatusID)
	if err != nil || st.Visibility != store.VisibilityDirect || st.ReblogOfID != 0 {
		return
	}
	m, err := h.db.MentionsForStatuses(ctx, []int64{st.ID})
	if err != nil {
		return
	}
	for _, id := range append([]int64{st.AccountID}, m[st.ID]...) {
		if local, err := h.db.IsLocalUser(ctx, id); err == nil && local {
			h.hub.Publish(pubsub.Event{Stream: directStream(id), Kind: "conversation", Payload: conversationEvent{StatusID: st.ID}})
		}
	}
}

// renderConversationEvent renders viewer's conversation holding the status
// as Mastodon's `conversation` event; nothing when the viewer has no such
// conversation or its author is blocked, muted or on a blocked domain.
func (h *Handler) renderConversationEvent(ctx context.Context, viewer int64, ev conversationEvent) (event, payload string, ok bool) {
	c, err := h.db.ConversationOfStatus(ctx, viewer, ev.StatusID)
	if err != nil {
		return "", "", false
	}
	list, err := h.db.Conversations(ctx, viewer, store.Page{MaxID: c.LastStatusID + 1, Limit: 1})
	if err != nil || len(list) == 0 || list[0].ID != c.ID {
		return "", "", false
	}
	out, err := h.conversationEntities(ctx, viewer, list)
	if err != nil || len(out) == 0 {
		return "", "", false
	}
	b, _ := json.Marshal(out[0])
	return "conversation", string(b), true
}
