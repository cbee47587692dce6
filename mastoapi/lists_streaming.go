package mastoapi

import (
	"context"
	"slices"
	"strconv"

	"github.com/pictor-social/pictor/store"
)

// listStream is the internal stream of one list. It carries the owner's
// id, so a client naming someone else's list subscribes to a stream that
// never receives anything (resolveStream has no store access to check).
func listStream(owner, id int64) string {
	return "api:list:" + strconv.FormatInt(owner, 10) + ":" + strconv.FormatInt(id, 10)
}

// listAudience adjusts a status's home readers for lists and followed
// hashtags, as the feeds are filled: local followers of one of its public
// hashtags join, owners of an exclusive list holding the author leave
// (unless reading their own post), and every list holding the author gets
// the status on its list stream. Direct posts are left alone.
func (h *Handler) listAudience(ctx context.Context, st store.Status, readers []int64) ([]int64, []string, error) {
	if st.Visibility == store.VisibilityDirect {
		return readers, nil, nil
	}
	if st.Visibility == store.VisibilityPublic && st.ReblogOfID == 0 {
		tagFollowers, err := h.db.LocalTagFollowers(ctx, st.ID)
		if err != nil {
			return nil, nil, err
		}
		for _, id := range tagFollowers {
			if !slices.Contains(readers, id) {
				readers = append(readers, id)
			}
		}
	}
	excluded, err := h.db.ExclusiveListOwners(ctx, st.AccountID)
	if err != nil {
		return nil, nil, err
	}
	readers = slices.DeleteFunc(readers, func(id int64) bool { return id != st.AccountID && slices.Contains(excluded, id) })
	lists, err := h.db.ListsHolding(ctx, st.AccountID)
	if err != nil {
		return nil, nil, err
	}
	var streams []string
	for _, l := range lists {
		streams = append(streams, listStream(l.AccountID, l.ID))
	}
	return readers, streams, nil
}
