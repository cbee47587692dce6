package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
)

// CopyTable is one table's row count in a copy: read from SQLite and found
// in PostgreSQL once the copy is done.
type CopyTable struct {
	Name           string
	Source, Target int64
}

// CopyReport describes a finished copy.
type CopyReport struct {
	SchemaVersion int
	Tables        []CopyTable // in copy order
	Rows          int64
}

// ErrDatabaseInUse is returned when another process has the SQLite file
// open (a running `pictor serve`).
var ErrDatabaseInUse = errors.New("the database is in use by another process")

// CopyToPostgres copies the SQLite database at path, which no other process
// may have open, into the empty PostgreSQL database at dstURL: it migrates
// the target to the same schema version with the PostgreSQL migrations,
// then copies every table found in SQLite's schema (private keys, password
// hashes, tokens, media references and queues included) and verifies the
// row counts, all in one PostgreSQL transaction, so a failure leaves the
// target with its schema but no rows and the copy can simply run again.
// SQLite's write lock is held for the whole copy, so the copy is one
// consistent state and nothing can write meanwhile. progress, when set, is
// called as each table is copied (Target is then the rows COPY wrote; the
// report's counts are read back once everything is in).
//
// During the copy the target's own triggers are disabled (the rows they
// would derive, such as denormalised counters and home feeds, are copied
// as they are) and its foreign keys are dropped, then added again (and so
// checked) once every table is in; identity sequences are then moved past
// the largest id. Once committed, the target is analyzed so the planner has
// statistics from the first query on.
func CopyToPostgres(ctx context.Context, path, dstURL string, progress func(CopyTable)) (CopyReport, error) {
	var rep CopyReport
	// Before this process opens the file: closing any descriptor of it
	// would drop this process's own SQLite locks (POSIX locks are per
	// process), and other processes' locks are what the check looks for.
	if pid, err := sqliteHolder(path); err != nil {
		return rep, fmt.Errorf("copy: %w", err)
	} else if pid != 0 {
		return rep, fmt.Errorf("copy: %w (pid %d has %s open): stop pictor serve and any other pictor command first",
			ErrDatabaseInUse, pid, path)
	}
	if _, err := pgx.ParseConfig(dstURL); err != nil {
		return rep, errors.New("copy: the PostgreSQL URL does not parse")
	}
	src, err := Open(ctx, path, Options{})
	if err != nil {
		return rep, err
	}
	defer src.Close()
	if rep.SchemaVersion, err = src.SchemaVersion(ctx); err != nil {
		return rep, err
	}

	conn, err := pgx.Connect(ctx, dstURL)
	if err != nil {
		return rep, fmt.Errorf("copy: connect to PostgreSQL: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if err := pgRefuseNonEmpty(ctx, conn); err != nil {
		return rep, err
	}
	dst, err := OpenPostgres(ctx, dstURL, Options{ReadConns: 1})
	if err != nil {
		return rep, fmt.Errorf("copy: migrate the target: %w", err)
	}
	dstVersion, err := dst.SchemaVersion(ctx)
	dst.Close()
	if err != nil {
		return rep, err
	}
	if dstVersion != rep.SchemaVersion {
		return rep, fmt.Errorf("copy: the SQLite schema is at version %d but the PostgreSQL migrations reach %d",
			rep.SchemaVersion, dstVersion)
	}

	// BEGIN IMMEDIATE (the writer's _txlock): no other connection writes
	// until the copy ends, and every read sees the same state.
	stx, err := src.write.BeginTx(context.WithoutCancel(ctx), nil)
	if err != nil {
		return rep, fmt.Errorf("copy: lock the SQLite database: %w", err)
	}
	defer stx.Rollback()
	tables, err := sqliteCopyTables(ctx, stx)
	if err != nil {
		return rep, err
	}
	ptx, err := conn.Begin(ctx)
	if err != nil {
		return rep, fmt.Errorf("copy: %w", err)
	}
	defer ptx.Rollback(context.WithoutCancel(ctx))
	if err := pgCopyTables(ctx, ptx, stx, tables, &rep, progress); err != nil {
		return rep, err
	}
	if err := ptx.Commit(ctx); err != nil {
		return rep, fmt.Errorf("copy: commit: %w", err)
	}
	// Rows added by COPY leave the planner without statistics until
	// autovacuum gets to them; the first queries after a move would be
	// planned as if every table were empty.
	if _, err := conn.Exec(ctx, `ANALYZE`); err != nil {
		return rep, fmt.Errorf("copy: analyze the copied tables: %w", err)
	}
	return rep, nil
}

// copyTable is a SQLite table to copy.
type copyTable struct {
	name    string
	cols    []string
	byRowid bool // read in rowid (insertion) order
}

// sqliteCopyTables lists every table of SQLite's schema but its own and
// schema_migrations (each engine records its own migrations), in creation
// order, with their columns.
func sqliteCopyTables(ctx context.Context, tx *sql.Tx) ([]copyTable, error) {
	rows, err := tx.QueryContext(ctx, `SELECT name, sql FROM sqlite_master
		WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' AND name <> 'schema_migrations' ORDER BY rowid`)
	if err != nil {
		return nil, fmt.Errorf("copy: list tables: %w", err)
	}
	var tables []copyTable
	for rows.Next() {
		var name, ddl string
		if err := rows.Scan(&name, &ddl); err != nil {
			rows.Close()
			return nil, fmt.Errorf("copy: list tables: %w", err)
		}
		tables = append(tables, copyTable{name: name,
			byRowid: !strings.Contains(strings.ToUpper(ddl), "WITHOUT ROWID")})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("copy: list tables: %w", err)
	}
	for i := range tables {
		cols, err := tx.QueryContext(ctx, `SELECT name FROM pragma_table_info(?) ORDER BY cid`, tables[i].name)
		if err != nil {
			return nil, fmt.Errorf("copy: columns of %s: %w", tables[i].name, err)
		}
		for cols.Next() {
			var c string
			if err := cols.Scan(&c); err != nil {
				cols.Close()
				return nil, fmt.Errorf("copy: columns of %s: %w", tables[i].name, err)
			}
			tables[i].cols = append(tables[i].cols, c)
		}
		cols.Close()
		if err := cols.Err(); err != nil {
			return nil, fmt.Errorf("copy: columns of %s: %w", tables[i].name, err)
		}
	}
	return tables, nil
}

// pgRefuseNonEmpty fails unless the target's schema has no table with
// rows (schema_migrations aside): a new database, or one this copy
// migrated before failing.
func pgRefuseNonEmpty(ctx context.Context, conn *pgx.Conn) error {
	names, err := pgTables(ctx, conn)
	if err != nil {
		return err
	}
	for _, name := range names {
		if name == "schema_migrations" {
			continue
		}
		var has bool
		if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+pgx.Identifier{name}.Sanitize()+`)`).Scan(&has); err != nil {
			return fmt.Errorf("copy: look into %s: %w", name, err)
		}
		if has {
			return fmt.Errorf("copy: the PostgreSQL database is not empty (table %s has rows): copy into a new database "+
				"(createdb) or drop this one's tables first", name)
		}
	}
	return nil
}

// pgQuerier is what pgTables needs of a connection or transaction.
type pgQuerier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// pgTables lists the tables of the connection's current schema.
func pgTables(ctx context.Context, q pgQuerier) ([]string, error) {
	rows, err := q.Query(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`)
	if err != nil {
		return nil, fmt.Errorf("copy: list PostgreSQL tables: %w", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("copy: list PostgreSQL tables: %w", err)
	}
	return names, nil
}

// pgColumns returns each column's data type in table.
func pgColumns(ctx context.Context, tx pgx.Tx, table string) (map[string]string, error) {
	rows, err := tx.Query(ctx, `SELECT column_name, data_type FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = $1`, table)
	if err != nil {
		return nil, fmt.Errorf("copy: columns of %s in PostgreSQL: %w", table, err)
	}
	types := map[string]string{}
	var name, typ string
	_, err = pgx.ForEachRow(rows, []any{&name, &typ}, func() error {
		types[name] = typ
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("copy: columns of %s in PostgreSQL: %w", table, err)
	}
	return types, nil
}

// pgForeignKey is a foreign key that the copy drops and adds again.
type pgForeignKey struct{ table, name, def string }

// pgCopyTables copies tables from stx into ptx and verifies the counts.
func pgCopyTables(ctx context.Context, ptx pgx.Tx, stx *sql.Tx, tables []copyTable, rep *CopyReport,
	progress func(CopyTable)) error {
	pgNames, err := pgTables(ctx, ptx)
	if err != nil {
		return err
	}
	var missing []string
	for _, t := range tables {
		if !slices.Contains(pgNames, t.name) {
			missing = append(missing, t.name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("copy: the PostgreSQL schema lacks tables %s", strings.Join(missing, ", "))
	}
	// Checked again inside the transaction: nothing may have written since.
	for _, t := range tables {
		var has bool
		if err := ptx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+pgx.Identifier{t.name}.Sanitize()+`)`).Scan(&has); err != nil {
			return fmt.Errorf("copy: %w", err)
		}
		if has {
			return fmt.Errorf("copy: the PostgreSQL table %s got rows while the copy ran: is a server using it?", t.name)
		}
	}

	// Foreign keys are dropped for the copy and added again once every
	// table is in, as pg_restore does: adding one checks the whole table
	// in one join instead of a trigger per row, and statuses refer to
	// statuses, so no table order would satisfy them row by row anyway.
	rows, err := ptx.Query(ctx, `SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
		FROM pg_constraint c WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace
		ORDER BY 1, 2`)
	if err != nil {
		return fmt.Errorf("copy: list foreign keys: %w", err)
	}
	var fks []pgForeignKey
	var fk pgForeignKey
	if _, err := pgx.ForEachRow(rows, []any{&fk.table, &fk.name, &fk.def}, func() error {
		fks = append(fks, fk)
		return nil
	}); err != nil {
		return fmt.Errorf("copy: list foreign keys: %w", err)
	}
	for _, fk := range fks {
		// conrelid::regclass::text is already quoted where needed.
		if _, err := ptx.Exec(ctx, `ALTER TABLE `+fk.table+` DROP CONSTRAINT `+pgx.Identifier{fk.name}.Sanitize()); err != nil {
			return fmt.Errorf("copy: drop foreign key %s for the copy: %w", fk.name, err)
		}
	}
	// Likewise the indexes that back no constraint: building one from the
	// full table is faster than inserting every row into it.
	rows, err = ptx.Query(ctx, `SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
		JOIN pg_class c ON c.oid = i.indexrelid
		WHERE c.relnamespace = current_schema()::regnamespace
			AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
		ORDER BY 1`)
	if err != nil {
		return fmt.Errorf("copy: list indexes: %w", err)
	}
	var indexes [][2]string
	var ix [2]string
	if _, err := pgx.ForEachRow(rows, []any{&ix[0], &ix[1]}, func() error {
		indexes = append(indexes, ix)
		return nil
	}); err != nil {
		return fmt.Errorf("copy: list indexes: %w", err)
	}
	for _, ix := range indexes {
		if _, err := ptx.Exec(ctx, `DROP INDEX `+ix[0]); err != nil {
			return fmt.Errorf("copy: drop index %s for the copy: %w", ix[0], err)
		}
	}
	// The copied rows already hold what the triggers would derive.
	// (Not session_replication_role, which needs a superuser; the table
	// owner, who just migrated them, may disable its triggers.)
	for _, t := range tables {
		if _, err := ptx.Exec(ctx, `ALTER TABLE `+pgx.Identifier{t.name}.Sanitize()+` DISABLE TRIGGER USER`); err != nil {
			return fmt.Errorf("copy: disable triggers of %s: %w", t.name, err)
		}
	}

	for _, t := range tables {
		types, err := pgColumns(ctx, ptx, t.name)
		if err != nil {
			return err
		}
		for _, c := range t.cols {
			if types[c] == "" {
				return fmt.Errorf("copy: the PostgreSQL table %s lacks column %s", t.name, c)
			}
		}
		ct := CopyTable{Name: t.name}
		if err := stx.QueryRowContext(ctx, `SELECT count(*) FROM "`+t.name+`"`).Scan(&ct.Source); err != nil {
			return fmt.Errorf("copy: count %s: %w", t.name, err)
		}
		n, err := pgCopyTable(ctx, ptx, stx, t, types)
		if err != nil {
			return err
		}
		if n != ct.Source {
			return fmt.Errorf("copy: %s: %d rows copied of %d", t.name, n, ct.Source)
		}
		rep.Tables = append(rep.Tables, ct)
		rep.Rows += n
		if progress != nil {
			progress(CopyTable{Name: t.name, Source: ct.Source, Target: n})
		}
	}

	for _, ix := range indexes {
		if _, err := ptx.Exec(ctx, ix[1]); err != nil {
			return fmt.Errorf("copy: build index %s: %w", ix[0], err)
		}
	}
	for _, fk := range fks {
		if _, err := ptx.Exec(ctx, `ALTER TABLE `+fk.table+` ADD CONSTRAINT `+pgx.Identifier{fk.name}.Sanitize()+
			` `+fk.def); err != nil {
			return fmt.Errorf("copy: the copied rows break foreign key %s (%s): %w", fk.name, fk.def, err)
		}
	}
	for _, t := range tables {
		if _, err := ptx.Exec(ctx, `ALTER TABLE `+pgx.Identifier{t.name}.Sanitize()+` ENABLE TRIGGER USER`); err != nil {
			return fmt.Errorf("copy: enable triggers of %s: %w", t.name, err)
		}
	}
	if err := pgMoveSequences(ctx, ptx); err != nil {
		return err
	}

	for i, t := range rep.Tables {
		if err := ptx.QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{t.Name}.Sanitize()).Scan(&rep.Tables[i].Target); err != nil {
			return fmt.Errorf("copy: count %s in PostgreSQL: %w", t.Name, err)
		}
	}
	var bad []string
	for _, t := range rep.Tables {
		if t.Target != t.Source {
			bad = append(bad, fmt.Sprintf("%s: %d in SQLite, %d in PostgreSQL", t.Name, t.Source, t.Target))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("copy: row counts differ, nothing was committed: %s", strings.Join(bad, "; "))
	}
	// The triggers that report changes to the processes' caches were off:
	// tell any process already on the database to drop everything.
	if _, err := ptx.Exec(ctx, `SELECT pg_notify($1, $2)`, changesChannel, outsideToken+"*"); err != nil {
		return fmt.Errorf("copy: notify: %w", err)
	}
	return nil
}

// pgCopyTable streams one table with COPY FROM: rows are read from SQLite
// as COPY sends them, so memory stays bounded whatever the table's size.
func pgCopyTable(ctx context.Context, ptx pgx.Tx, stx *sql.Tx, t copyTable, types map[string]string) (int64, error) {
	quoted := make([]string, len(t.cols))
	var blobs []int // columns whose NULL-ness is read apart
	for i, c := range t.cols {
		quoted[i] = `"` + c + `"`
		if types[c] == "bytea" {
			blobs = append(blobs, i)
		}
	}
	// The driver returns an empty BLOB as a nil []byte, which pgx sends as
	// NULL: the BLOB columns are read
	// with whether they are NULL, so that x'' stays an empty value.
	for _, i := range blobs {
		quoted = append(quoted, `"`+t.cols[i]+`" IS NULL`)
	}
	q := `SELECT ` + strings.Join(quoted, ", ") + ` FROM "` + t.name + `"`
	if t.byRowid {
		// Insertion order, which PostgreSQL's heap then keeps (the engine
		// reads insert-only tables in ctid order where SQLite uses rowid).
		q += ` ORDER BY rowid`
	}
	rows, err := stx.QueryContext(ctx, q)
	if err != nil {
		return 0, fmt.Errorf("copy: read %s: %w", t.name, err)
	}
	defer rows.Close()
	src := &sqliteRowSource{rows: rows, table: t.name, cols: t.cols, vals: make([]any, len(t.cols)),
		ptrs: make([]any, len(t.cols)+len(blobs)), types: make([]string, len(t.cols)), blobs: blobs,
		isNull: make([]bool, len(blobs))}
	for i, c := range t.cols {
		src.ptrs[i] = &src.vals[i]
		src.types[i] = types[c]
	}
	for j := range blobs {
		src.ptrs[len(t.cols)+j] = &src.isNull[j]
	}
	n, err := ptx.CopyFrom(ctx, pgx.Identifier{t.name}, t.cols, src)
	if err != nil {
		return n, fmt.Errorf("copy: write %s: %w", t.name, err)
	}
	return n, nil
}

// sqliteRowSource feeds SQLite rows to pgx's CopyFrom, converting values to
// what the PostgreSQL column takes.
type sqliteRowSource struct {
	rows  *sql.Rows
	table string
	cols  []string
	types []string // PostgreSQL data types by column
	vals  []any
	// blobs are the indexes of BYTEA columns, isNull whether each is NULL.
	blobs  []int
	isNull []bool
	ptrs   []any
	err    error
}

func (s *sqliteRowSource) Next() bool {
	if s.err != nil || !s.rows.Next() {
		return false
	}
	if err := s.rows.Scan(s.ptrs...); err != nil {
		s.err = fmt.Errorf("read %s: %w", s.table, err)
		return false
	}
	for i, v := range s.vals {
		c, err := pgValue(v, s.types[i])
		if err != nil {
			s.err = fmt.Errorf("%s.%s: %w", s.table, s.cols[i], err)
			return false
		}
		s.vals[i] = c
	}
	for j, i := range s.blobs {
		if b, _ := s.vals[i].([]byte); b == nil && !s.isNull[j] {
			s.vals[i] = []byte{}
		}
	}
	return true
}

func (s *sqliteRowSource) Values() ([]any, error) { return s.vals, nil }

func (s *sqliteRowSource) Err() error {
	if s.err != nil {
		return s.err
	}
	return s.rows.Err()
}

// pgValue converts a value SQLite returned (int64, float64, string, []byte
// or nil, whatever the column's declared type) to one PostgreSQL's column
// type accepts.
func pgValue(v any, typ string) (any, error) {
	switch typ {
	case "bigint", "integer", "smallint":
		switch x := v.(type) {
		case float64:
			if x != math.Trunc(x) || math.Abs(x) > 1<<62 {
				return nil, fmt.Errorf("%v is not an integer", x)
			}
			return int64(x), nil
		case string, []byte:
			return nil, fmt.Errorf("text %q in an integer column", x)
		}
	case "double precision", "real":
		if x, ok := v.(int64); ok {
			return float64(x), nil
		}
	case "bytea":
		if x, ok := v.(string); ok {
			return []byte(x), nil
		}
	case "text":
		switch x := v.(type) {
		case []byte:
			return string(x), nil
		case int64:
			return fmt.Sprint(x), nil
		}
	}
	return v, nil
}

// pgMoveSequences moves every identity column's sequence past the largest
// id copied, so that the next row the database numbers gets a new id.
func pgMoveSequences(ctx context.Context, ptx pgx.Tx) error {
	rows, err := ptx.Query(ctx, `SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND (is_identity = 'YES' OR column_default LIKE 'nextval(%')
		ORDER BY 1, 2`)
	if err != nil {
		return fmt.Errorf("copy: list identity columns: %w", err)
	}
	type col struct{ table, name string }
	var cols []col
	var c col
	if _, err := pgx.ForEachRow(rows, []any{&c.table, &c.name}, func() error {
		cols = append(cols, c)
		return nil
	}); err != nil {
		return fmt.Errorf("copy: list identity columns: %w", err)
	}
	for _, c := range cols {
		t, n := pgx.Identifier{c.table}.Sanitize(), pgx.Identifier{c.name}.Sanitize()
		// setval(seq, max + 1, false): the next value is max + 1 (1 when empty).
		if _, err := ptx.Exec(ctx, `SELECT setval(pg_get_serial_sequence($1, $2), COALESCE(max(`+n+`), 0) + 1, false) FROM `+t,
			t, c.name); err != nil {
			return fmt.Errorf("copy: move the sequence of %s.%s: %w", c.table, c.name, err)
		}
	}
	return nil
}
