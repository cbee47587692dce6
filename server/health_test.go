package server_test

import (
	"database/sql"
	"encoding/json"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/pictor-social/pictor/server/servertest"
	_ "github.com/pictor-social/pictor/store" // the sqlite driver
)

type health struct {
	Status            string   `json:"status"`
	Database          string   `json:"database"`
	SchemaVersion     int      `json:"schema_version"`
	PendingMigrations int      `json:"pending_migrations"`
	StoppedWorkers    []string `json:"stopped_workers"`
}

func getHealth(t *testing.T, srv *servertest.Server, path string) (int, health) {
	t.Helper()
	resp, err := srv.Client.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Fatalf("%s content type %q", path, ct)
	}
	var h health
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, h
}

func TestLivezAndReadyz(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	if code, h := getHealth(t, srv, "/livez"); code != http.StatusOK || h.Status != "ok" {
		t.Fatalf("livez: %d %+v", code, h)
	}
	// Workers start with Run, a moment after the listener: ready soon.
	var code int
	var h health
	servertest.Eventually(t, 10*time.Second, "readyz 200", func() bool {
		code, h = getHealth(t, srv, "/readyz")
		return code == http.StatusOK
	})
	if h.Status != "ok" || h.Database != "ok" || h.SchemaVersion < 15 || h.PendingMigrations != 0 || len(h.StoppedWorkers) != 0 {
		t.Fatalf("readyz: %+v", h)
	}

	// An unapplied migration (recorded rows removed by another process,
	// as after restoring an older database under a newer binary) is not ready.
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(srv.Cfg.DataDir, "pictor.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`DELETE FROM schema_migrations WHERE version = ?`, h.SchemaVersion); err != nil {
		t.Fatal(err)
	}
	code, h = getHealth(t, srv, "/readyz")
	if code != http.StatusServiceUnavailable || h.Status != "unavailable" || h.PendingMigrations != 1 || h.Database != "migrations pending" {
		t.Fatalf("readyz with a pending migration: %d %+v", code, h)
	}

	// A database that cannot be read: not ready, still live.
	srv.DB.Close()
	code, h = getHealth(t, srv, "/readyz")
	if code != http.StatusServiceUnavailable || h.Database != "unreachable" {
		t.Fatalf("readyz with a closed database: %d %+v", code, h)
	}
	if code, _ := getHealth(t, srv, "/livez"); code != http.StatusOK {
		t.Fatalf("livez with a closed database: %d", code)
	}
}
