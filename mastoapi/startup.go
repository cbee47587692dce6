package mastoapi

import (
	"net/http"

	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/store"
)

// emptyList answers [] for what Pictor does not have (custom emojis,
// trends, peers): apps call these at start-up and break on 404
// (interop.md C.6, checklist 70). A token, if sent, must be valid.
func (h *Handler) emptyList(w http.ResponseWriter, r *http.Request) error {
	if _, err := h.viewer(r, ""); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, []any{})
}

// emptyListUser is emptyList for endpoints that need a signed-in user
// (suggestions, scheduled statuses, endorsements).
func (h *Handler) emptyListUser(w http.ResponseWriter, r *http.Request) error {
	if _, err := h.user(r, auth.ScopeRead); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, []any{})
}

// preferences serves GET /api/v1/preferences (Ivory crashes without it);
// the posting defaults are those set through update_credentials' source.
func (h *Handler) preferences(w http.ResponseWriter, r *http.Request) error {
	g, err := h.user(r, auth.ScopeReadAccounts)
	if err != nil {
		return err
	}
	def, err := h.social.PostingDefaults(r.Context(), g.AccountID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{
		"posting:default:visibility": def.Visibility, "posting:default:sensitive": def.Sensitive,
		"posting:default:language": nullString(def.Language), "reading:expand:media": "default",
		"reading:expand:spoilers": false, "reading:autoplay:gifs": false,
	})
}

func markerMap(list []store.Marker) map[string]Marker {
	out := map[string]Marker{}
	for _, m := range list {
		out[m.Timeline] = Marker{LastReadID: m.LastReadID, Version: m.Version, UpdatedAt: Time(m.UpdatedAt)}
	}
	return out
}

// getMarkers serves GET /api/v1/markers?timeline[]=home&timeline[]=notifications.
func (h *Handler) getMarkers(w http.ResponseWriter, r *http.Request) error {
	g, err := h.user(r, auth.ScopeReadStatuses)
	if err != nil {
		return err
	}
	list, err := h.db.Markers(r.Context(), g.AccountID)
	if err != nil {
		return err
	}
	all := markerMap(list)
	q, _ := readParams(nil, r, 0)
	want := q.list("timeline")
	if len(want) == 0 {
		return writeJSON(w, http.StatusOK, all)
	}
	out := map[string]Marker{}
	for _, tl := range want {
		if m, ok := all[tl]; ok {
			out[tl] = m
		}
	}
	return writeJSON(w, http.StatusOK, out)
}

// setMarkers serves POST /api/v1/markers with home[last_read_id] and
// notifications[last_read_id].
func (h *Handler) setMarkers(w http.ResponseWriter, r *http.Request) error {
	g, err := h.user(r, auth.ScopeWriteStatuses)
	if err != nil {
		return err
	}
	p, err := readParams(w, r, h.opts.MaxBodyBytes)
	if err != nil {
		return err
	}
	pos := map[string]string{}
	for _, tl := range []string{"home", "notifications"} {
		if v := p.str(tl + "[last_read_id]"); v != "" {
			if _, ok := store.ParseID(v); !ok {
				return apperr.Invalid("%s last_read_id is not an id", tl)
			}
			pos[tl] = v
		}
	}
	list, err := h.social.SetMarkers(r.Context(), g.AccountID, pos)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, markerMap(list))
}
