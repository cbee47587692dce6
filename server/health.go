package server

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"sync"
	"time"
)

// workerSet records which background workers are running, for /readyz.
type workerSet struct {
	mu      sync.Mutex
	started bool
	running map[string]bool
	stopped []string // workers that returned while the server runs
}

func (ws *workerSet) start(names []string) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	ws.started = true
	ws.running = map[string]bool{}
	ws.stopped = nil
	for _, n := range names {
		ws.running[n] = true
	}
}

func (ws *workerSet) stop(name string) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	if ws.running[name] {
		delete(ws.running, name)
		ws.stopped = append(ws.stopped, name)
	}
}

// dead returns the workers that have stopped, or ["not started"] before
// Workers runs.
func (ws *workerSet) dead() []string {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	if !ws.started {
		return []string{"not started"}
	}
	out := slices.Clone(ws.stopped)
	slices.Sort(out)
	return out
}

// healthBody is the JSON answer of /livez and /readyz.
type healthBody struct {
	Status            string   `json:"status"` // "ok" or "unavailable"
	Version           string   `json:"version"`
	Database          string   `json:"database,omitempty"` // "ok" or why not
	SchemaVersion     int      `json:"schema_version,omitempty"`
	PendingMigrations int      `json:"pending_migrations,omitempty"`
	StoppedWorkers    []string `json:"stopped_workers,omitempty"`
}

// serveLivez answers 200 while the process can serve HTTP at all: a
// supervisor restarts the process only when this fails.
func (s *Server) serveLivez(w http.ResponseWriter, r *http.Request) {
	writeHealth(w, http.StatusOK, healthBody{Status: "ok", Version: Version})
}

// serveReadyz answers 200 when the database answers within two seconds,
// every migration is applied and every background worker is running, and
// 503 with the reasons otherwise, for load balancers and orchestrators.
func (s *Server) serveReadyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 2*time.Second)
	defer cancel()
	body := healthBody{Status: "ok", Version: Version, Database: "ok"}
	h, err := s.DB.Health(ctx)
	switch {
	case err != nil:
		s.Log.Warn("readiness: database", "err", err)
		body.Database = "unreachable"
	case h.PendingMigrations > 0:
		body.Database = "migrations pending"
	}
	body.SchemaVersion, body.PendingMigrations = h.SchemaVersion, h.PendingMigrations
	body.StoppedWorkers = s.workers.dead()
	status := http.StatusOK
	if body.Database != "ok" || len(body.StoppedWorkers) > 0 {
		body.Status, status = "unavailable", http.StatusServiceUnavailable
	}
	writeHealth(w, status, body)
}

func writeHealth(w http.ResponseWriter, status int, body healthBody) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}
