package mastoapi

import (
	"net/http"
	"strconv"

	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/store"
)

// Directory pages, as Mastodon: 40 accounts by default, at most 80.
const (
	directoryLimit    = 40
	maxDirectoryLimit = 80
)

// directory serves GET /api/v1/directory, to anyone: discoverable accounts,
// local and remote, by recent posting (order=active, the default) or newest
// first (order=new), only local ones with local=true, paged by offset.
func (h *Handler) directory(w http.ResponseWriter, r *http.Request) error {
	viewer, err := h.viewer(r, auth.ScopeReadAccounts)
	if err != nil {
		return err
	}
	q, _ := readParams(nil, r, 0)
	f := store.DirectoryFilter{Viewer: viewer, Local: q.boolean("local"), New: q.str("order") == "new",
		Limit: directoryLimit}
	if n, err := strconv.Atoi(q.str("limit")); err == nil {
		f.Limit = min(max(n, 1), maxDirectoryLimit)
	}
	if n, err := strconv.Atoi(q.str("offset")); err == nil && n > 0 {
		f.Offset = n
	}
	list, err := h.db.Directory(r.Context(), f)
	if err != nil {
		return err
	}
	accts := make(map[int64]store.Account, len(list))
	for _, a := range list {
		accts[a.ID] = a
	}
	m, err := h.renderAccounts(r.Context(), accts)
	if err != nil {
		return err
	}
	out := make([]Account, 0, len(list))
	for _, a := range list {
		out = append(out, m[a.ID])
	}
	return writeJSON(w, http.StatusOK, out)
}
