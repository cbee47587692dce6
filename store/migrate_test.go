package store

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// schema returns the database's DDL, normalised, for comparison.
func schema(t *testing.T, db *DB) string {
	rows, err := db.read.QueryContext(context.Background(), `SELECT type, name, COALESCE(sql, '') FROM sqlite_master
		WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var typ, name, sql string
		rows.Scan(&typ, &name, &sql)
		fmt.Fprintf(&b, "%s %s %s\n", typ, name, strings.Join(strings.Fields(sql), " "))
	}
	return b.String()
}

// A database built at each earlier version and then migrated has exactly
// the schema of a fresh one (style.md §5).
func TestMigrationsFromEveryVersion(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	fresh := openTest(t)
	want := schema(t, fresh)
	list, err := loadMigrations(sqliteEngine.migrations)
	if err != nil {
		t.Fatal(err)
	}
	// One file is migrated a version at a time; after each step a copy of it
	// is upgraded by Open, as a server started on that version's file would.
	partial := &DB{eng: sqliteEngine, clock: time.Now, ids: NewIDGen(), changes: &changeLog{}, accounts: newAccountCache()}
	partial.write, partial.read, err = openPools(filepath.Join(t.TempDir(), "partial.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer partial.Close()
	for _, m := range list {
		if err := partial.migrateTo(ctx, m.version); err != nil {
			t.Fatal(err)
		}
		if v, _ := partial.SchemaVersion(ctx); v != m.version {
			t.Fatalf("partial db at %d, want %d", v, m.version)
		}
		path := filepath.Join(t.TempDir(), fmt.Sprintf("v%d.db", m.version))
		if _, err := partial.write.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
			t.Fatal(err)
		}
		upgraded, err := Open(ctx, path, Options{})
		if err != nil {
			t.Fatalf("upgrade from %d: %v", m.version, err)
		}
		if got := schema(t, upgraded); got != want {
			t.Errorf("schema after upgrading from version %d differs:\n%s\nwant\n%s", m.version, got, want)
		}
		upgraded.Close()
	}
}
