package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
)

// countingDriver is SQLite's own driver, counting the statements its
// connections prepare.
type countingDriver struct {
	driver.Driver
	prepared *atomic.Int64
}

func (d countingDriver) Open(name string) (driver.Conn, error) {
	c, err := d.Driver.Open(name)
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: c, prepared: d.prepared}, nil
}

type countingConn struct {
	driver.Conn
	prepared *atomic.Int64
}

func (c *countingConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	c.prepared.Add(1)
	return c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, q)
}

func (c *countingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

// openCounting opens one cached connection on a fresh database with a table
// of n rows, and returns the prepare counter.
func openCounting(t *testing.T, n int) (*sql.DB, *atomic.Int64) {
	t.Helper()
	probe, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	base := probe.Driver()
	probe.Close()
	var prepared atomic.Int64
	db := sql.OpenDB(&stmtCacheConnector{drv: countingDriver{Driver: base, prepared: &prepared},
		dsn: "file:" + filepath.Join(t.TempDir(), "c.db")})
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		if _, err := db.Exec(`INSERT INTO t (id, v) VALUES (?, ?)`, i, fmt.Sprint("v", i)); err != nil {
			t.Fatal(err)
		}
	}
	return db, &prepared
}

func TestStmtCachePreparesOncePerConnection(t *testing.T) {
	db, prepared := openCounting(t, 50)
	before := prepared.Load()
	for i := 1; i <= 50; i++ {
		var v string
		if err := db.QueryRow(`SELECT v FROM t WHERE id = ?`, i).Scan(&v); err != nil {
			t.Fatal(err)
		}
		if v != fmt.Sprint("v", i) {
			t.Fatalf("row %d = %q", i, v)
		}
	}
	if got := prepared.Load() - before; got != 1 {
		t.Fatalf("50 runs of one query prepared %d statements, want 1", got)
	}
	// The INSERT of openCounting ran 50 times on one prepared statement too.
	if before != 2 {
		t.Fatalf("CREATE + 50 INSERTs prepared %d statements, want 2", before)
	}
}

// The same text queried again while its first rows are still open (a loop
// inside a transaction) must not reset the first rows.
func TestStmtCacheNestedSameQuery(t *testing.T) {
	db, _ := openCounting(t, 5)
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	const q = `SELECT id FROM t WHERE id >= ? ORDER BY id`
	outer, err := tx.Query(q, 1)
	if err != nil {
		t.Fatal(err)
	}
	var seen, inner int
	for outer.Next() {
		var id int
		outer.Scan(&id)
		seen++
		rows, err := tx.Query(q, id)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			inner++
		}
		rows.Close()
	}
	if err := outer.Err(); err != nil {
		t.Fatal(err)
	}
	outer.Close()
	if seen != 5 || inner != 5+4+3+2+1 {
		t.Fatalf("outer %d rows, inner %d rows; want 5 and 15", seen, inner)
	}
}

// Past stmtCacheSize texts the oldest statements are closed, one still
// being read only once its rows close; a bad text is never cached.
func TestStmtCacheEvictionAndErrors(t *testing.T) {
	db, prepared := openCounting(t, 3)
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	open, err := tx.Query(`SELECT id FROM t ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	open.Next()
	for i := 0; i < stmtCacheSize+10; i++ {
		var n int
		if err := tx.QueryRow(fmt.Sprintf(`SELECT count(*) + %d FROM t`, i)).Scan(&n); err != nil || n != 3+i {
			t.Fatalf("query %d: %d, %v", i, n, err)
		}
	}
	var ids []int
	for ok := true; ok; ok = open.Next() {
		var id int
		open.Scan(&id)
		ids = append(ids, id)
	}
	if err := open.Close(); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(ids) != "[1 2 3]" {
		t.Fatalf("rows read across evictions = %v", ids)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	before := prepared.Load()
	for i := 0; i < 3; i++ {
		if _, err := db.Exec(`SELEC nothing`); err == nil {
			t.Fatal("syntax error accepted")
		}
	}
	if got := prepared.Load() - before; got != 3 {
		t.Fatalf("a failing text was prepared %d times in 3 runs, want 3 (never cached)", got)
	}
}

// A cached statement sees schema changes made after it was prepared.
func TestStmtCacheAfterSchemaChange(t *testing.T) {
	db, _ := openCounting(t, 2)
	const q = `SELECT count(*) FROM t WHERE v <> ''`
	var n int
	if err := db.QueryRow(q).Scan(&n); err != nil || n != 2 {
		t.Fatalf("before: %d, %v", n, err)
	}
	if _, err := db.Exec(`ALTER TABLE t ADD COLUMN w INTEGER NOT NULL DEFAULT 7`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE INDEX t_v ON t (v)`); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(q).Scan(&n); err != nil || n != 2 {
		t.Fatalf("after: %d, %v", n, err)
	}
	var w int
	if err := db.QueryRow(`SELECT w FROM t WHERE id = 1`).Scan(&w); err != nil || w != 7 {
		t.Fatalf("new column: %d, %v", w, err)
	}
}
