package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/gorilla/mux"
	"github.com/pictor-social/pictor/activitypub"
	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/store"
	"github.com/pictor-social/pictor/webfinger"
)

// webfingerLookup resolves a local username for WebFinger.
func (s *Server) webfingerLookup(ctx context.Context, username string) (webfinger.Account, error) {
	a, err := s.DB.AccountByHandle(ctx, username, "")
	if errors.Is(err, store.ErrNotFound) || (err == nil && (!a.SuspendedAt.IsZero() || !a.DeletedAt.IsZero())) {
		return webfinger.Account{}, webfinger.ErrNotFound
	}
	if err != nil {
		return webfinger.Account{}, err
	}
	return webfinger.Account{Username: a.Username, ActorURL: a.URI, ProfileURL: a.URL}, nil
}

func (s *Server) writeAPError(w http.ResponseWriter, r *http.Request, err error) {
	if apperr.StatusOf(err) >= 500 {
		s.Log.Error("request failed", "path", r.URL.Path, "err", err)
	}
	activitypub.WriteError(w, err)
}

func writeJSONError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

func (s *Server) redirectToStatusPage(w http.ResponseWriter, r *http.Request) {
	v := mux.Vars(r)
	http.Redirect(w, r, s.Fed.URLs.Profile(v["name"])+"/"+v["id"], http.StatusFound)
}

// StatusIDFromURL extracts a local status id from its page URL, its
// ActivityPub id or a bare id.
func (s *Server) StatusIDFromURL(raw string) (int64, bool) {
	if id, ok := store.ParseID(raw); ok {
		return id, true
	}
	base := s.Fed.URLs.Base
	if !strings.HasPrefix(raw, base+"/") {
		return 0, false
	}
	parts := strings.Split(strings.TrimPrefix(raw, base+"/"), "/")
	switch {
	case len(parts) == 2 && strings.HasPrefix(parts[0], "@"):
		return store.ParseID(parts[1])
	case len(parts) == 4 && parts[0] == "users" && parts[2] == "statuses":
		return store.ParseID(parts[3])
	}
	return 0, false
}
