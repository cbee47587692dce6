package server_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/pictor-social/pictor/config"
	"github.com/pictor-social/pictor/internal/testkit/pgtest"
	"github.com/pictor-social/pictor/server"
)

// With [database] driver = "postgres" the server opens, migrates and wires
// itself on PostgreSQL, and writes no pictor.db into the data folder.
func TestServerOnPostgres(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = filepath.Join(t.TempDir(), "data")
	cfg.Database = config.Database{Driver: "postgres", URL: pgtest.NewDatabase(t), PoolSize: 2}
	ctx := context.Background()
	s, err := server.New(ctx, cfg, server.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.DB.Engine() != "postgres" {
		t.Fatalf("engine %q", s.DB.Engine())
	}
	h, err := s.DB.Health(ctx)
	if err != nil || h.SchemaVersion < 1 || h.PendingMigrations != 0 {
		t.Fatalf("health %+v, %v", h, err)
	}
	if _, err := s.Fed.InstanceActor(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(cfg.DataDir, "pictor.db")); err == nil {
		t.Fatal("pictor.db created beside a PostgreSQL database")
	}
}
