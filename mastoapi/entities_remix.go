package mastoapi

import (
	"context"

	"github.com/pictor-social/pictor/store"
)

// StatusPictor is the "pictor" object of a Status: Pictor's additions,
// which Mastodon clients ignore.
type StatusPictor struct {
	RemixOf *RemixOf `json:"remix_of"`
}

// RemixOf names the post a status remixes (issue 12). URI is always set;
// ID, URL and Account only when this server knows the source and the
// viewer may see it.
type RemixOf struct {
	ID      *string  `json:"id"`
	URI     string   `json:"uri"`
	URL     *string  `json:"url"`
	Account *Account `json:"account"`
}

// remixData is the lineage of a page of statuses.
type remixData struct {
	of      map[int64]store.Remix  // status id -> its remix record
	sources map[int64]store.Status // source id -> source
}

// loadRemixes reads the remix records of ids and their sources, and adds
// the sources' authors to accountIDs.
// The records come with the statuses' extras (the store's status cache).
func (h *Handler) loadRemixes(ctx context.Context, d *statusData, ids []int64, accountIDs *[]int64) error {
	var of map[int64]store.Remix
	for _, id := range ids {
		if r := d.extras[id].Remix; r != nil {
			if of == nil {
				of = map[int64]store.Remix{}
			}
			of[id] = *r
		}
	}
	if len(of) == 0 {
		d.remix = remixData{of: of}
		return nil
	}
	var srcIDs []int64
	for _, r := range of {
		if r.SourceID != 0 {
			srcIDs = append(srcIDs, r.SourceID)
		}
	}
	sources, err := h.db.StatusesByIDs(ctx, uniq(srcIDs))
	if err != nil {
		return err
	}
	for _, st := range sources {
		*accountIDs = append(*accountIDs, st.AccountID)
	}
	d.remix = remixData{of: of, sources: sources}
	return nil
}

// pictorExtras returns the "pictor" object of status id, or nil.
func (d *statusData) pictorExtras(id int64) *StatusPictor {
	r, ok := d.remix.of[id]
	if !ok {
		return nil
	}
	out := &RemixOf{URI: r.SourceURI}
	src, known := d.remix.sources[r.SourceID]
	visible := known && src.DeletedAt.IsZero() && (src.Visibility == store.VisibilityPublic ||
		src.Visibility == store.VisibilityUnlisted || (d.viewer != 0 && src.AccountID == d.viewer))
	if visible {
		sid := store.FormatID(src.ID)
		out.ID = &sid
		u := src.URL
		if u == "" {
			u = src.URI
		}
		out.URL = &u
		if a, ok := d.accounts[src.AccountID]; ok {
			out.Account = &a
		}
	}
	return &StatusPictor{RemixOf: out}
}
