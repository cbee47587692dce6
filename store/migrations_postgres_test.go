package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/pictor-social/pictor/internal/testkit/pgtest"
)

// The PostgreSQL schema (migrations_postgres/) translates the SQLite one
// (migrations/) file by file. These tests keep the two in step: the same
// files, the same tables, columns, keys, indexes and triggers, and triggers
// that leave the same rows behind after the same statements.

// pgSchemaFiles lists the .sql files of a migrations folder, in order.
func pgSchemaFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".sql") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names
}

// TestPostgresMigrationFilesMatchSQLite needs no server: every SQLite
// migration has a PostgreSQL translation of the same number and name, and
// the PostgreSQL folder holds nothing else.
func TestPostgresMigrationFilesMatchSQLite(t *testing.T) {
	lite := pgSchemaFiles(t, "migrations")
	pg := pgSchemaFiles(t, "migrations_postgres")
	if len(lite) == 0 {
		t.Fatal("no SQLite migrations found")
	}
	for _, n := range lite {
		if !slices.Contains(pg, n) {
			t.Errorf("migrations/%s has no PostgreSQL translation migrations_postgres/%s", n, n)
		}
	}
	for _, n := range pg {
		if !slices.Contains(lite, n) {
			t.Errorf("migrations_postgres/%s has no SQLite migration of the same number and name", n)
		}
	}
}

// pgSchemaDatabases returns an SQLite database in a temp file and a fresh
// PostgreSQL database, each migrated by its own folder's files in order.
func pgSchemaDatabases(t *testing.T) (lite, pg *sql.DB) {
	t.Helper()
	lite, pg = pgSchemaEmptyDatabases(t)
	pgSchemaMigrate(t, lite, pg, 0, 1<<30)
	return lite, pg
}

// pgSchemaEmptyDatabases returns an empty SQLite database in a temp file and
// a fresh, empty PostgreSQL database (pgtest.NewDatabase: skipped without
// PICTOR_TEST_POSTGRES, failed under PICTOR_E2E=1).
func pgSchemaEmptyDatabases(t *testing.T) (lite, pg *sql.DB) {
	t.Helper()
	cfg, err := pgx.ParseConfig(pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	pg = stdlib.OpenDB(*cfg)
	t.Cleanup(func() { pg.Close() })
	lite, err = sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "schema.db")+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	lite.SetMaxOpenConns(1)
	t.Cleanup(func() { lite.Close() })
	return lite, pg
}

// pgSchemaMigrate applies the migrations numbered from through to (both
// included) to each database from its own folder, in order, each file in
// its own transaction as the store applies them.
func pgSchemaMigrate(t *testing.T, lite, pg *sql.DB, from, to int) {
	t.Helper()
	ctx := context.Background()
	for _, m := range []struct {
		db  *sql.DB
		dir string
	}{{lite, "migrations"}, {pg, "migrations_postgres"}} {
		for _, f := range pgSchemaFiles(t, m.dir) {
			num, _, _ := strings.Cut(f, "_")
			v, err := strconv.Atoi(num)
			if err != nil {
				t.Fatalf("%s/%s: %v", m.dir, f, err)
			}
			if v < from || v > to {
				continue
			}
			body, err := os.ReadFile(filepath.Join(m.dir, f))
			if err != nil {
				t.Fatal(err)
			}
			tx, err := m.db.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			// No arguments: pgx sends the file in one simple-protocol query.
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				tx.Rollback()
				t.Fatalf("%s/%s: %v", m.dir, f, err)
			}
			if err := tx.Commit(); err != nil {
				t.Fatalf("%s/%s: %v", m.dir, f, err)
			}
		}
	}
}

// pgSchemaRows runs q and returns its rows, each as " | "-joined text.
func pgSchemaRows(t *testing.T, db *sql.DB, q string, args ...any) []string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = "NULL"
			if v.Valid {
				parts[i] = v.String
			}
		}
		out = append(out, strings.Join(parts, " | "))
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}

// pgSchemaIdentityTables are the tables whose id the database assigns on
// PostgreSQL (an identity column) because the code or a trigger inserts rows
// without one and reads the id back, as SQLite assigns the rowid.
var pgSchemaIdentityTables = []string{"conversations", "deliveries", "inbox_items", "media_fetches",
	"outbox_activities", "push_deliveries", "tags"}

// pgSchemaTypes maps SQLite's declared column types to PostgreSQL's.
var pgSchemaTypes = map[string]string{"INTEGER": "bigint", "TEXT": "text", "BLOB": "bytea", "REAL": "double precision"}

// pgSchemaCast strips PostgreSQL's casts from a column default ('x'::text).
var pgSchemaCast = regexp.MustCompile(`::[a-z ]+$`)

// pgSchemaTrigger reads timing, event, UPDATE OF columns and table from
// SQLite's CREATE TRIGGER text.
var pgSchemaTrigger = regexp.MustCompile(`(?is)^CREATE\s+TRIGGER\s+\w+\s+(BEFORE|AFTER|INSTEAD\s+OF)\s+(INSERT|UPDATE|DELETE)(?:\s+OF\s+([\w\s,]+?))?\s+ON\s+(\w+)`)

// TestPostgresSchemaMatchesSQLite applies both folders and compares the
// resulting schemas: tables, columns in order with their types, nullability
// and defaults, primary keys, unique constraints, foreign keys with their
// ON DELETE actions, explicit indexes (name, table, uniqueness, partial or
// not) and triggers (name, table, timing, event, UPDATE OF columns).
func TestPostgresSchemaMatchesSQLite(t *testing.T) {
	lite, pg := pgSchemaDatabases(t)
	compare := func(what string, l, p []string) {
		t.Helper()
		sort.Strings(l)
		sort.Strings(p)
		if slices.Equal(l, p) {
			return
		}
		for _, x := range l {
			if !slices.Contains(p, x) {
				t.Errorf("%s: only on SQLite: %s", what, x)
			}
		}
		for _, x := range p {
			if !slices.Contains(l, x) {
				t.Errorf("%s: only on PostgreSQL: %s", what, x)
			}
		}
	}

	liteTables := pgSchemaRows(t, lite, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
	pgTables := pgSchemaRows(t, pg, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`)
	compare("tables", liteTables, pgTables)
	if len(liteTables) < 40 {
		t.Fatalf("only %d SQLite tables: %v", len(liteTables), liteTables)
	}

	for _, table := range liteTables {
		// Columns, in order.
		var l, p []string
		for _, r := range pgSchemaRows(t, lite, `SELECT cid, name, upper(type), "notnull" OR pk > 0, ifnull(dflt_value, 'none')
			FROM pragma_table_info(?) ORDER BY cid`, table) {
			f := strings.Split(r, " | ")
			typ, ok := pgSchemaTypes[f[2]]
			if !ok {
				t.Errorf("%s.%s: SQLite type %s has no PostgreSQL counterpart in the test", table, f[1], f[2])
			}
			notNull := f[3] == "1"
			if f[4] == "none" && slices.Contains(pgSchemaIdentityTables, table) && f[1] == "id" {
				f[4] = "identity"
			}
			l = append(l, fmt.Sprintf("%s.%s %s notnull=%v default=%s", table, f[1], typ, notNull, f[4]))
		}
		for _, r := range pgSchemaRows(t, pg, `SELECT column_name, data_type, is_nullable = 'NO',
			coalesce(column_default, CASE WHEN is_identity = 'YES' THEN 'identity' ELSE 'none' END)
			FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1
			ORDER BY ordinal_position`, table) {
			f := strings.Split(r, " | ")
			def := pgSchemaCast.ReplaceAllString(f[3], "")
			p = append(p, fmt.Sprintf("%s.%s %s notnull=%v default=%s", table, f[0], f[1], f[2] == "true", def))
		}
		if !slices.Equal(l, p) {
			t.Errorf("columns of %s differ:\nSQLite:     %s\nPostgreSQL: %s", table,
				strings.Join(l, "\n            "), strings.Join(p, "\n            "))
		}

		// Primary key columns, in key order.
		lpk := pgSchemaRows(t, lite, `SELECT ifnull(group_concat(name, ','), '') FROM
			(SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk)`, table)
		ppk := pgSchemaRows(t, pg, `SELECT coalesce(string_agg(a.attname, ',' ORDER BY k.n), '') FROM pg_constraint c
			CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, n)
			JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
			WHERE c.contype = 'p' AND c.conrelid = ('public.' || $1)::regclass`, table)
		if lpk[0] != ppk[0] {
			t.Errorf("primary key of %s: SQLite (%s), PostgreSQL (%s)", table, lpk[0], ppk[0])
		}

		// Unique constraints (UNIQUE in the table definition), by columns.
		compare("unique constraints of "+table,
			pgSchemaRows(t, lite, `SELECT (SELECT group_concat(name, ',') FROM (SELECT name FROM pragma_index_info(il.name) ORDER BY seqno))
				FROM pragma_index_list(?) il WHERE il.origin = 'u'`, table),
			pgSchemaRows(t, pg, `SELECT string_agg(a.attname, ',' ORDER BY k.n) FROM pg_constraint c
				CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, n)
				JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
				WHERE c.contype = 'u' AND c.conrelid = ('public.' || $1)::regclass GROUP BY c.oid`, table))

		// Foreign keys (all single-column) with their ON DELETE action.
		compare("foreign keys of "+table,
			pgSchemaRows(t, lite, `SELECT "from", "table", "to", on_delete FROM pragma_foreign_key_list(?)`, table),
			pgSchemaRows(t, pg, `SELECT a.attname, fc.relname, fa.attname,
				CASE c.confdeltype WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT' WHEN 'c' THEN 'CASCADE'
					WHEN 'n' THEN 'SET NULL' WHEN 'd' THEN 'SET DEFAULT' END
				FROM pg_constraint c
				JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
				JOIN pg_class fc ON fc.oid = c.confrelid
				JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = c.confkey[1]
				WHERE c.contype = 'f' AND c.conrelid = ('public.' || $1)::regclass`, table))
	}

	// Explicit indexes (CREATE INDEX), not those behind keys and UNIQUE.
	compare("indexes",
		pgSchemaRows(t, lite, `SELECT m.name, m.tbl_name, il."unique", il.partial
			FROM sqlite_master m JOIN pragma_index_list(m.tbl_name) il ON il.name = m.name
			WHERE m.type = 'index' AND m.sql IS NOT NULL`),
		pgSchemaRows(t, pg, `SELECT i.relname, tb.relname, CASE WHEN x.indisunique THEN 1 ELSE 0 END,
				CASE WHEN x.indpred IS NULL THEN 0 ELSE 1 END
			FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class tb ON tb.oid = x.indrelid
			JOIN pg_namespace n ON n.oid = tb.relnamespace
			WHERE n.nspname = 'public'
				AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid AND c.contype IN ('p', 'u'))`))

	// Triggers.
	var liteTriggers []string
	for _, r := range pgSchemaRows(t, lite, `SELECT name, sql FROM sqlite_master WHERE type = 'trigger'`) {
		name, text, _ := strings.Cut(r, " | ")
		m := pgSchemaTrigger.FindStringSubmatch(text)
		if m == nil {
			t.Errorf("trigger %s: cannot read %q", name, text)
			continue
		}
		var cols []string
		for c := range strings.SplitSeq(m[3], ",") {
			if c = strings.TrimSpace(c); c != "" {
				cols = append(cols, c)
			}
		}
		sort.Strings(cols)
		liteTriggers = append(liteTriggers, fmt.Sprintf("%s ON %s %s %s OF [%s]", name, m[4],
			strings.ToUpper(m[1]), strings.ToUpper(m[2]), strings.Join(cols, ",")))
	}
	var pgTriggers []string
	for _, r := range pgSchemaRows(t, pg, `SELECT tg.tgname, tb.relname,
			CASE WHEN tg.tgtype & 2 <> 0 THEN 'BEFORE' WHEN tg.tgtype & 64 <> 0 THEN 'INSTEAD OF' ELSE 'AFTER' END,
			CASE WHEN tg.tgtype & 4 <> 0 THEN 'INSERT' WHEN tg.tgtype & 8 <> 0 THEN 'DELETE' ELSE 'UPDATE' END,
			coalesce((SELECT string_agg(a.attname, ',' ORDER BY a.attname) FROM pg_attribute a
				WHERE a.attrelid = tg.tgrelid AND a.attnum = ANY (tg.tgattr::int2[])), '')
		FROM pg_trigger tg JOIN pg_class tb ON tb.oid = tg.tgrelid
		WHERE NOT tg.tgisinternal AND tg.tgname NOT LIKE 'pictor_changes%'`) {
		// (The pictor_changes triggers report changes to the caches, as
		// SQLite's pre-update hook does: changes_postgres.go.)
		f := strings.Split(r, " | ")
		pgTriggers = append(pgTriggers, fmt.Sprintf("%s ON %s %s %s OF [%s]", f[0], f[1], f[2], f[3], f[4]))
	}
	compare("triggers", liteTriggers, pgTriggers)
	if len(liteTriggers) < 30 {
		t.Errorf("only %d SQLite triggers read", len(liteTriggers))
	}
}

// pgSchemaProbes read what the triggers maintain; after every step of
// TestPostgresTriggersMatchSQLite both engines must answer them alike.
var pgSchemaProbes = []struct{ name, query string }{
	{"counts", `SELECT account_id, followers, following, statuses, last_status_at FROM account_counts ORDER BY account_id`},
	{"home", `SELECT account_id, status_id, author_id FROM home_feed ORDER BY account_id, status_id`},
	{"list_feed", `SELECT list_id, status_id, author_id FROM list_feed ORDER BY list_id, status_id`},
	{"members", `SELECT list_id, account_id FROM list_accounts ORDER BY list_id, account_id`},
	{"pins", `SELECT account_id, target_account_id FROM account_pins ORDER BY account_id, target_account_id`},
	{"fetches", `SELECT kind, target_id, remote_url, stale_file, attempts, next_at FROM media_fetches ORDER BY kind, target_id`},
	{"files", `SELECT id, avatar_file, header_file FROM accounts ORDER BY id`},
	{"threads", `SELECT status_id, thread_id FROM direct_threads ORDER BY status_id`},
	{"conversations", `SELECT account_id, thread_id, last_status_id, unread FROM conversations ORDER BY account_id, thread_id`},
	{"pushes", `SELECT subscription_id, notification_id, next_at FROM push_deliveries ORDER BY subscription_id, notification_id`},
	{"subscriptions", `SELECT id FROM push_subscriptions ORDER BY id`},
	{"polls", `SELECT status_id, voters_count FROM polls ORDER BY status_id`},
	{"options", `SELECT status_id, position, votes_count FROM poll_options ORDER BY status_id, position`},
}

// TestPostgresTriggersMatchSQLite runs the same statements on both engines,
// step by step, so that every trigger fires at least once, and compares
// what the triggers left behind after each step; the wanted rows pin the
// effect each step is about.
func TestPostgresTriggersMatchSQLite(t *testing.T) {
	lite, pg := pgSchemaDatabases(t)
	steps := []struct {
		name  string
		stmts []string
		want  map[string][]string
	}{{
		name: "accounts; remote avatar and header queued",
		stmts: []string{
			`INSERT INTO accounts (id, username, domain, uri, created_at, updated_at) VALUES
				(1, 'alice', '', 'https://local.example/users/alice', 1, 1),
				(2, 'bob', '', 'https://local.example/users/bob', 1, 1)`,
			`INSERT INTO accounts (id, username, domain, uri, avatar_url, header_url, created_at, updated_at) VALUES
				(3, 'carol', 'remote.example', 'https://remote.example/users/carol', 'https://remote.example/a1.png',
				'https://remote.example/h1.png', 1, 1)`,
			`INSERT INTO accounts (id, username, domain, uri, created_at, updated_at) VALUES
				(4, 'dave', 'blocked.example', 'https://blocked.example/users/dave', 1, 1)`,
			`INSERT INTO users (account_id, password_hash, created_at) VALUES (1, 'x', 1), (2, 'x', 1)`,
		},
		want: map[string][]string{"fetches": {
			"avatar | 3 | https://remote.example/a1.png |  | 0 | 0",
			"header | 3 | https://remote.example/h1.png |  | 0 | 0",
		}},
	}, {
		name: "remote avatar changes, header URL set to the same",
		stmts: []string{
			`UPDATE accounts SET avatar_file = 'a1.png', header_file = 'h1.png' WHERE id = 3`,
			`UPDATE media_fetches SET attempts = 2, next_at = 50`,
			`UPDATE accounts SET avatar_url = 'https://remote.example/a2.png' WHERE id = 3`,
			`UPDATE accounts SET header_url = 'https://remote.example/h1.png' WHERE id = 3`,
		},
		want: map[string][]string{
			"fetches": {
				"avatar | 3 | https://remote.example/a2.png | a1.png | 0 | 0",
				"header | 3 | https://remote.example/h1.png |  | 2 | 50",
			},
			"files": {"1 |  | ", "2 |  | ", "3 |  | h1.png", "4 |  | "},
		},
	}, {
		name: "follows: accepted, pending then accepted, remote follower",
		stmts: []string{
			`INSERT INTO follows (id, account_id, target_account_id, accepted, created_at) VALUES (10, 1, 3, 1, 10)`,
			`INSERT INTO follows (id, account_id, target_account_id, accepted, created_at) VALUES (11, 2, 3, 0, 11)`,
			`INSERT INTO follows (id, account_id, target_account_id, accepted, created_at) VALUES (12, 3, 1, 1, 12)`,
			`UPDATE follows SET accepted = 1 WHERE id = 11`,
		},
		want: map[string][]string{"counts": {"1 | 1 | 1 | 0 | 0", "2 | 0 | 1 | 0 | 0", "3 | 2 | 1 | 0 | 0"}},
	}, {
		name: "statuses, a boost and a followed hashtag",
		stmts: []string{
			`INSERT INTO statuses (id, uri, account_id, local, visibility, created_at) VALUES
				(100, 'https://remote.example/s/100', 3, 0, 'public', 100)`,
			`INSERT INTO statuses (id, uri, account_id, local, visibility, created_at) VALUES
				(101, 'https://local.example/s/101', 1, 1, 'public', 101)`,
			`INSERT INTO statuses (id, uri, account_id, local, visibility, reblog_of_id, created_at) VALUES
				(102, 'https://local.example/s/102', 1, 1, 'public', 100, 102)`,
			`INSERT INTO tags (id, name) VALUES (1, 'cats')`,
			`INSERT INTO tag_follows (id, account_id, tag_id, created_at) VALUES (30, 2, 1, 1)`,
			`INSERT INTO statuses (id, uri, account_id, local, visibility, created_at) VALUES
				(103, 'https://blocked.example/s/103', 4, 0, 'public', 103)`,
			`INSERT INTO status_tags (status_id, tag_id) VALUES (103, 1)`,
		},
		want: map[string][]string{
			"counts": {"1 | 1 | 1 | 2 | 102", "2 | 0 | 1 | 0 | 0", "3 | 2 | 1 | 0 | 0"},
			"home":   {"1 | 100 | 3", "1 | 101 | 1", "1 | 102 | 1", "2 | 100 | 3", "2 | 103 | 4"},
		},
	}, {
		name: "a list, its member's posts, an endorsement",
		stmts: []string{
			`INSERT INTO lists (id, account_id, title, created_at) VALUES (20, 1, 'friends', 1)`,
			`INSERT INTO list_accounts (id, list_id, account_id, created_at) VALUES (21, 20, 3, 1)`,
			`INSERT INTO statuses (id, uri, account_id, local, visibility, created_at) VALUES
				(104, 'https://remote.example/s/104', 3, 0, 'unlisted', 104)`,
			`INSERT INTO statuses (id, uri, account_id, local, visibility, created_at) VALUES
				(105, 'https://remote.example/s/105', 3, 0, 'direct', 105)`,
			`INSERT INTO account_pins (id, account_id, target_account_id, created_at) VALUES (22, 1, 3, 1)`,
		},
		want: map[string][]string{"list_feed": {"20 | 100 | 3", "20 | 104 | 3"}, "pins": {"1 | 3"}},
	}, {
		name: "a direct message and its reply",
		stmts: []string{
			`INSERT INTO statuses (id, uri, account_id, local, visibility, created_at) VALUES
				(110, 'https://local.example/s/110', 1, 1, 'direct', 110)`,
			`INSERT INTO mentions (status_id, account_id) VALUES (110, 2)`,
			`INSERT INTO statuses (id, uri, account_id, local, visibility, in_reply_to_id, created_at) VALUES
				(111, 'https://local.example/s/111', 2, 1, 'direct', 110, 111)`,
			`INSERT INTO mentions (status_id, account_id) VALUES (111, 1)`,
		},
		want: map[string][]string{
			"threads":       {"105 | 105", "110 | 110", "111 | 110"},
			"conversations": {"1 | 110 | 111 | 1", "2 | 110 | 111 | 0"},
		},
	}, {
		name:  "the reply tombstoned",
		stmts: []string{`UPDATE statuses SET deleted_at = 200 WHERE id = 111`},
		want: map[string][]string{
			"conversations": {"1 | 110 | 110 | 1", "2 | 110 | 110 | 0"},
			"counts":        {"1 | 1 | 1 | 3 | 110", "2 | 0 | 1 | 0 | 0", "3 | 2 | 1 | 0 | 0"},
		},
	}, {
		name: "pushes by alerts, policy and domain block",
		stmts: []string{
			`INSERT INTO oauth_apps (id, name, redirect_uris, scopes, client_id, client_secret_hash, created_at) VALUES
				(40, 'app', 'urn:ietf:wg:oauth:2.0:oob', 'read', 'cid', 'h', 1)`,
			`INSERT INTO oauth_tokens (id, token_hash, app_id, account_id, scopes, created_at) VALUES
				(41, 't1', 40, 1, 'read', 1), (42, 't2', 40, 2, 'read', 1)`,
			`INSERT INTO push_subscriptions (id, token_id, account_id, endpoint, p256dh, auth, access_token, alerts,
				policy, created_at) VALUES
				(43, 41, 1, 'https://push.example/1', '\x01', '\x02', 'tok1', 'follow mention', 'all', 1),
				(44, 42, 2, 'https://push.example/2', '\x01', '\x02', 'tok2', 'mention', 'followed', 1)`,
			`INSERT INTO user_domain_blocks (id, account_id, domain, created_at) VALUES (45, 1, 'blocked.example', 1)`,
			`INSERT INTO notifications (id, account_id, from_account_id, type, created_at) VALUES (50, 1, 3, 'follow', 300)`,
			`INSERT INTO notifications (id, account_id, from_account_id, type, created_at) VALUES (51, 1, 3, 'favourite', 301)`,
			`INSERT INTO notifications (id, account_id, from_account_id, type, created_at) VALUES (52, 1, 4, 'mention', 302)`,
			`INSERT INTO notifications (id, account_id, from_account_id, type, created_at) VALUES (53, 2, 3, 'mention', 303)`,
			`INSERT INTO notifications (id, account_id, from_account_id, type, created_at) VALUES (54, 2, 1, 'mention', 304)`,
		},
		want: map[string][]string{"pushes": {"43 | 50 | 300", "44 | 53 | 303"}},
	}, {
		name:  "a revoked token ends its subscription",
		stmts: []string{`UPDATE oauth_tokens SET revoked_at = 5 WHERE id = 42`},
		want:  map[string][]string{"subscriptions": {"43"}, "pushes": {"43 | 50 | 300"}},
	}, {
		name: "poll votes, one voter's two choices in one statement",
		stmts: []string{
			`INSERT INTO statuses (id, uri, account_id, local, visibility, created_at) VALUES
				(120, 'https://local.example/s/120', 1, 1, 'public', 120)`,
			`INSERT INTO polls (status_id, multiple, updated_at) VALUES (120, 1, 120)`,
			`INSERT INTO poll_options (status_id, position, title) VALUES (120, 0, 'a'), (120, 1, 'b')`,
			`INSERT INTO poll_votes (id, status_id, account_id, choice, uri, created_at) VALUES (60, 120, 2, 0, 'v60', 1)`,
			`INSERT INTO poll_votes (id, status_id, account_id, choice, uri, created_at) VALUES (61, 120, 2, 1, 'v61', 1)`,
			`INSERT INTO poll_votes (id, status_id, account_id, choice, uri, created_at) VALUES (62, 120, 3, 0, 'v62', 1)`,
			`INSERT INTO poll_votes (id, status_id, account_id, choice, uri, created_at) VALUES
				(63, 120, 4, 0, 'v63', 1), (64, 120, 4, 1, 'v64', 1)`,
		},
		want: map[string][]string{"polls": {"120 | 3"}, "options": {"120 | 0 | 3", "120 | 1 | 2"}},
	}, {
		name: "poll votes withdrawn, two voters' choices in one statement",
		stmts: []string{
			`DELETE FROM poll_votes WHERE id = 60`,
			`DELETE FROM poll_votes WHERE status_id = 120 AND account_id IN (2, 4)`,
		},
		want: map[string][]string{"polls": {"120 | 1"}, "options": {"120 | 0 | 1", "120 | 1 | 0"}},
	}, {
		name: "unfollow and unaccept",
		stmts: []string{
			`DELETE FROM follows WHERE id = 10`,
			`UPDATE follows SET accepted = 0 WHERE id = 11`,
		},
		want: map[string][]string{
			"counts":    {"1 | 1 | 0 | 4 | 120", "2 | 0 | 0 | 0 | 0", "3 | 0 | 1 | 0 | 0"},
			"members":   nil,
			"list_feed": nil,
			"pins":      nil,
			// Carol's posts leave Alice's home; an unaccepted follow keeps Bob's.
			"home": {"1 | 101 | 1", "1 | 102 | 1", "1 | 110 | 1", "1 | 111 | 2", "1 | 120 | 1",
				"2 | 100 | 3", "2 | 103 | 4", "2 | 104 | 3", "2 | 110 | 1", "2 | 111 | 2"},
		},
	}, {
		name: "a status's time moved, then the status deleted",
		stmts: []string{
			`UPDATE statuses SET created_at = 150 WHERE id = 101`,
			`DELETE FROM statuses WHERE id = 101`,
		},
		want: map[string][]string{"counts": {"1 | 1 | 0 | 3 | 120", "2 | 0 | 0 | 0 | 0", "3 | 0 | 1 | 0 | 0"}},
	}, {
		name:  "a remote account deleted for good",
		stmts: []string{`DELETE FROM accounts WHERE id = 3`},
		want: map[string][]string{
			"counts":  {"1 | 0 | 0 | 2 | 120", "2 | 0 | 0 | 0 | 0"},
			"polls":   {"120 | 0"},
			"options": {"120 | 0 | 0", "120 | 1 | 0"},
		},
	}, {
		name: "follows of accounts that posted already; a remote account's media",
		stmts: []string{
			`INSERT INTO follows (id, account_id, target_account_id, accepted, created_at) VALUES (13, 1, 4, 1, 13)`,
			`INSERT INTO follows (id, account_id, target_account_id, accepted, created_at) VALUES (14, 2, 1, 0, 14)`,
			`UPDATE follows SET accepted = 1 WHERE id = 14`,
			`INSERT INTO accounts (id, username, domain, uri, avatar_url, created_at, updated_at) VALUES
				(5, 'erin', 'remote.example', 'https://remote.example/users/erin', 'https://remote.example/e.png', 1, 1)`,
			`UPDATE accounts SET header_url = 'https://remote.example/eh.png' WHERE id = 5`,
			`INSERT INTO media_attachments (id, account_id, remote_url, created_at) VALUES
				(70, 5, 'https://remote.example/m.png', 1)`,
			`INSERT INTO media_attachments (id, account_id, file_name, created_at) VALUES (71, 1, 'local.png', 1)`,
		},
		want: map[string][]string{
			"counts": {"1 | 1 | 1 | 2 | 120", "2 | 0 | 1 | 0 | 0", "4 | 1 | 0 | 0 | 0"},
			"home": {"1 | 103 | 4", "1 | 110 | 1", "1 | 111 | 2", "1 | 120 | 1",
				"2 | 103 | 4", "2 | 110 | 1", "2 | 111 | 2", "2 | 120 | 1"},
			"fetches": {
				"attachment | 70 | https://remote.example/m.png |  | 0 | 0",
				"avatar | 3 | https://remote.example/a2.png | a1.png | 0 | 0",
				"avatar | 5 | https://remote.example/e.png |  | 0 | 0",
				"header | 3 | https://remote.example/h1.png |  | 2 | 50",
				"header | 5 | https://remote.example/eh.png |  | 0 | 0",
			},
		},
	}}
	for _, st := range steps {
		pgSchemaExec(t, lite, pg, st.name, st.stmts)
		pgSchemaCompare(t, lite, pg, st.name, st.want)
	}
}

// pgSchemaExec runs each statement on both databases.
func pgSchemaExec(t *testing.T, lite, pg *sql.DB, step string, stmts []string) {
	t.Helper()
	for _, q := range stmts {
		for _, e := range []struct {
			name string
			db   *sql.DB
		}{{"SQLite", lite}, {"PostgreSQL", pg}} {
			if _, err := e.db.ExecContext(context.Background(), q); err != nil {
				t.Fatalf("%s: %s: %s: %v", step, e.name, q, err)
			}
		}
	}
}

// pgSchemaCompare asks both databases every probe and reports where they
// differ, or where SQLite's answer is not the wanted one.
func pgSchemaCompare(t *testing.T, lite, pg *sql.DB, step string, want map[string][]string) {
	t.Helper()
	for _, p := range pgSchemaProbes {
		l, g := pgSchemaRows(t, lite, p.query), pgSchemaRows(t, pg, p.query)
		if !slices.Equal(l, g) {
			t.Errorf("after %q, %s differ:\nSQLite:     %q\nPostgreSQL: %q", step, p.name, l, g)
		}
		if w, ok := want[p.name]; ok && !slices.Equal(l, w) {
			t.Errorf("after %q, %s = %q, want %q", step, p.name, l, w)
		}
	}
}

// TestPostgresBackfillsMatchSQLite fills the tables that later migrations
// derive rows from (home feeds in 0003, the media queue in 0011, direct
// threads and conversations in 0012, the inbox copy in 0018, account counts
// in 0019 and 0020), applies those migrations on both engines and compares
// the rows they wrote; an inbox item stored after 0018 gets the next id on
// both.
func TestPostgresBackfillsMatchSQLite(t *testing.T) {
	lite, pg := pgSchemaEmptyDatabases(t)
	pgSchemaMigrate(t, lite, pg, 0, 2)
	pgSchemaExec(t, lite, pg, "data before 0003", []string{
		`INSERT INTO accounts (id, username, domain, uri, created_at, updated_at) VALUES
			(1, 'alice', '', 'https://local.example/users/alice', 1, 1),
			(2, 'bob', '', 'https://local.example/users/bob', 1, 1)`,
		`INSERT INTO accounts (id, username, domain, uri, avatar_url, header_url, avatar_file, created_at, updated_at) VALUES
			(3, 'carol', 'remote.example', 'https://remote.example/users/carol', 'https://remote.example/a.png',
				'https://remote.example/h.png', '', 1, 1),
			(4, 'dave', 'other.example', 'https://other.example/users/dave', 'https://other.example/a.png', '',
				'cached.png', 1, 1)`,
		`INSERT INTO users (account_id, password_hash, created_at) VALUES (1, 'x', 1), (2, 'x', 1)`,
		`INSERT INTO follows (id, account_id, target_account_id, accepted, created_at) VALUES
			(10, 1, 3, 1, 1), (11, 2, 1, 1, 1), (12, 3, 1, 1, 1), (13, 2, 4, 0, 1)`,
		`INSERT INTO statuses (id, uri, account_id, local, visibility, in_reply_to_id, reblog_of_id, created_at,
			deleted_at) VALUES
			(100, 'https://remote.example/s/100', 3, 0, 'public', NULL, NULL, 100, 0),
			(101, 'https://local.example/s/101', 1, 1, 'public', NULL, NULL, 101, 0),
			(102, 'https://local.example/s/102', 1, 1, 'direct', NULL, NULL, 102, 0),
			(103, 'https://local.example/s/103', 2, 1, 'direct', 102, NULL, 103, 0),
			(104, 'https://local.example/s/104', 1, 1, 'public', NULL, 100, 104, 0),
			(105, 'https://local.example/s/105', 1, 1, 'public', NULL, NULL, 105, 500),
			(106, 'https://remote.example/s/106', 3, 0, 'direct', NULL, NULL, 106, 0)`,
		`INSERT INTO mentions (status_id, account_id) VALUES (102, 2), (103, 1), (106, 1)`,
	})
	pgSchemaMigrate(t, lite, pg, 3, 17)
	pgSchemaExec(t, lite, pg, "an inbox item before 0018", []string{
		`INSERT INTO inbox_items (id, activity_id, actor_uri, body, received_at) VALUES
			(5, 'https://remote.example/a/1', 'https://remote.example/users/carol', 'x', 1)`,
	})
	pgSchemaMigrate(t, lite, pg, 18, 1<<30)
	pgSchemaExec(t, lite, pg, "an inbox item after 0018", []string{
		`INSERT INTO inbox_items (activity_id, actor_uri, body, received_at) VALUES
			('https://remote.example/a/2', 'https://remote.example/users/carol', 'y', 2)`,
	})
	const inbox = `SELECT id, activity_id, body_hash, undoes, freed, state FROM inbox_items ORDER BY id`
	l, g := pgSchemaRows(t, lite, inbox), pgSchemaRows(t, pg, inbox)
	want := []string{"5 | https://remote.example/a/1 |  |  | 0 | pending", "6 | https://remote.example/a/2 |  |  | 0 | pending"}
	if !slices.Equal(l, want) || !slices.Equal(g, want) {
		t.Errorf("inbox items:\nSQLite:     %q\nPostgreSQL: %q\nwant:       %q", l, g, want)
	}
	pgSchemaCompare(t, lite, pg, "all migrations over existing rows", map[string][]string{
		"home": {"1 | 100 | 3", "1 | 101 | 1", "1 | 102 | 1", "1 | 104 | 1", "1 | 105 | 1",
			"2 | 101 | 1", "2 | 103 | 2", "2 | 104 | 1", "2 | 105 | 1"},
		"threads":       {"102 | 102", "103 | 102", "106 | 106"},
		"conversations": {"1 | 102 | 103 | 0", "1 | 106 | 106 | 0", "2 | 102 | 103 | 0"},
		"counts":        {"1 | 2 | 1 | 3 | 104", "2 | 0 | 1 | 1 | 103", "3 | 1 | 1 | 0 | 0", "4 | 0 | 0 | 0 | 0"},
		"fetches": {
			"avatar | 3 | https://remote.example/a.png |  | 0 | 0",
			"header | 3 | https://remote.example/h.png |  | 0 | 0",
		},
	})
}
