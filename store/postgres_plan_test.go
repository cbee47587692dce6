package store

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pictor-social/pictor/internal/testkit/pgtest"
)

// The hot paths stay on their indexes on PostgreSQL as they do on SQLite
// (issue 10). The statements are the store's own, captured as PostgreSQL
// receives them (Options.traceStatements) while the store methods run on a
// database with enough rows that a full scan would cost: a plan of
// EXPLAIN (FORMAT JSON) must read the named index and scan none of the big
// tables whole. Each statement is explained twice, once planned for its
// arguments and once as the generic plan a prepared statement settles on
// after a few runs (pgx prepares every statement), since either may serve.

// bigTables are the tables a hot path must never scan whole.
var bigTables = map[string]bool{"statuses": true, "home_feed": true, "deliveries": true, "inbox_items": true,
	"notifications": true, "favourites": true, "media_attachments": true, "status_tags": true}

// planWorld seeds a PostgreSQL database through generate_series: 2,000
// accounts, 40,000 statuses (a quarter by local account 3, a tenth with
// media, a fifth tagged), a home
// feed of 20,000 rows for account 1 and 20,000 more over 19 others,
// 30,000 deliveries and 20,000 inbox items of which 1% are pending, 40,000
// notifications (a tenth for account 1, the rest over all accounts) and
// 20,000 favourites, then ANALYZE.
// Triggers and foreign keys stay off while it loads
// (session_replication_role): the rows are the triggers' results already.
const planWorld = `
SET session_replication_role = replica;
INSERT INTO accounts (id, username, domain, uri, created_at, updated_at)
	SELECT g, 'u' || g, CASE WHEN g <= 10 THEN '' ELSE 'h' || (g % 50) || '.test' END, 'https://x.test/u/' || g, 0, 0
	FROM generate_series(1, 2000) g;
INSERT INTO statuses (id, uri, account_id, local, visibility, reblog_of_id, created_at)
	SELECT ((:base + g * 1000) << 16), 'https://x.test/s/' || g, CASE WHEN g % 4 = 0 THEN 3 ELSE 1 + g % 2000 END,
		CASE WHEN g % 4 = 0 OR g % 2000 < 10 THEN 1 ELSE 0 END,
		CASE WHEN g % 10 = 3 THEN 'unlisted' ELSE 'public' END,
		CASE WHEN g % 20 = 7 AND g > 100 THEN ((:base + (g - 50) * 1000) << 16) END, :base + g * 1000
	FROM generate_series(1, 25000) g;
INSERT INTO media_attachments (id, account_id, status_id, created_at)
	SELECT g, 1 + g % 2000, ((:base + g * 1000) << 16), 0 FROM generate_series(10, 25000, 10) g;
INSERT INTO tags (id, name) SELECT g, 't' || g FROM generate_series(1, 50) g;
INSERT INTO status_tags (status_id, tag_id) SELECT ((:base + g * 1000) << 16), 1 + g % 50 FROM generate_series(5, 25000, 5) g;
INSERT INTO home_feed (account_id, status_id, author_id)
	SELECT CASE WHEN g % 2 = 0 THEN 1 ELSE 2 + g % 19 END, ((:base + g * 1000) << 16), 1 + g % 2000
	FROM generate_series(1, 25000) g;
INSERT INTO favourites (id, account_id, status_id, created_at)
	SELECT g, 1 + g % 2000, ((:base + (25000 - g / 5) * 1000) << 16), 0 FROM generate_series(1, 10000) g;
INSERT INTO outbox_activities (id, uri, account_id, type, body, created_at)
	SELECT g, 'https://x.test/a/' || g, 1, 'Create', '{}', 0 FROM generate_series(1, 200) g;
INSERT INTO deliveries (activity_id, inbox, host, state, next_attempt_at, created_at)
	SELECT 1 + g / 100, 'https://h' || (g % 100) || '.test/inbox', 'h' || (g % 100) || '.test',
		CASE WHEN g > 19800 THEN 'pending' ELSE 'done' END, :base + g, :base FROM generate_series(1, 20000) g;
INSERT INTO inbox_items (activity_id, actor_uri, body, state, received_at)
	SELECT 'https://r.test/act/' || g, 'https://r.test/u/' || (g % 100), '\x7b7d', CASE WHEN g > 19800 THEN 'pending' ELSE 'done' END, :base
	FROM generate_series(1, 20000) g;
INSERT INTO notifications (id, account_id, from_account_id, type, status_id, created_at)
	SELECT ((:base + g * 1000) << 16), CASE WHEN g % 10 = 0 THEN 1 ELSE 1 + g % 2000 END, 1 + g % 2000, 'favourite', ((:base + g * 1000) << 16), :base + g * 1000
	FROM generate_series(1, 20000) g;
SET session_replication_role = DEFAULT;
-- A tenth of the default sample is plenty for these evenly spread rows.
SET default_statistics_target = 10;
ANALYZE accounts, statuses, media_attachments, tags, status_tags, home_feed, favourites, outbox_activities, deliveries,
	inbox_items, notifications, blocks, mutes, user_domain_blocks, lists, list_accounts, follows, domain_blocks;`

// planNode is one node of EXPLAIN (FORMAT JSON)'s tree.
type planNode struct {
	NodeType string     `json:"Node Type"`
	Cost     float64    `json:"Total Cost"`
	Rows     float64    `json:"Plan Rows"`
	Relation string     `json:"Relation Name"`
	Index    string     `json:"Index Name"`
	Plans    []planNode `json:"Plans"`
}

func (n planNode) walk(fn func(planNode)) {
	fn(n)
	for _, c := range n.Plans {
		c.walk(fn)
	}
}

// String renders the tree one node a line, for failure messages.
func (n planNode) String() string {
	var b strings.Builder
	var rec func(planNode, int)
	rec = func(n planNode, depth int) {
		fmt.Fprintf(&b, "%s%s", strings.Repeat("  ", depth), n.NodeType)
		if n.Relation != "" {
			fmt.Fprintf(&b, " on %s", n.Relation)
		}
		if n.Index != "" {
			fmt.Fprintf(&b, " using %s", n.Index)
		}
		b.WriteByte('\n')
		for _, c := range n.Plans {
			rec(c, depth+1)
		}
	}
	rec(n, 0)
	return b.String()
}

// pgLiteral renders a captured argument as an SQL literal for EXECUTE.
func pgLiteral(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case string:
		return "'" + strings.ReplaceAll(x, "'", "''") + "'"
	case []byte:
		return "'" + strings.ReplaceAll(string(x), "'", "''") + "'"
	case time.Time:
		return "'" + x.Format(time.RFC3339Nano) + "'"
	}
	return "'" + strings.ReplaceAll(fmt.Sprint(v), "'", "''") + "'"
}

// explainBoth returns the custom and the generic plan of text (with $N
// parameters) for args, prepared on a connection of its own.
func explainBoth(t *testing.T, db *DB, text string, args []driver.NamedValue) (custom, generic planNode) {
	t.Helper()
	ctx := context.Background()
	conn, err := db.read.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	lits := make([]string, len(args))
	for i, a := range args {
		lits[i] = pgLiteral(a.Value)
	}
	exec := "EXECUTE plan_q"
	if len(lits) > 0 {
		exec += "(" + strings.Join(lits, ", ") + ")"
	}
	if _, err := conn.ExecContext(ctx, "PREPARE plan_q AS "+text); err != nil {
		t.Fatalf("prepare %s: %v", text, err)
	}
	defer conn.ExecContext(ctx, "DEALLOCATE plan_q; RESET plan_cache_mode")
	plans := [2]planNode{}
	for i, mode := range []string{"force_custom_plan", "force_generic_plan"} {
		if _, err := conn.ExecContext(ctx, "SET plan_cache_mode = "+mode); err != nil {
			t.Fatal(err)
		}
		var out string
		if err := conn.QueryRowContext(ctx, "EXPLAIN (FORMAT JSON) "+exec).Scan(&out); err != nil {
			t.Fatalf("explain %s: %v", text, err)
		}
		var doc []struct {
			Plan planNode `json:"Plan"`
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc) != 1 {
			t.Fatalf("explain output %q: %v", out, err)
		}
		plans[i] = doc[0].Plan
	}
	return plans[0], plans[1]
}

func TestPostgresHotPathPlans(t *testing.T) {
	if testEngine != "postgres" {
		t.Skip("PostgreSQL pass only (PICTOR_TEST_ENGINE=postgres)")
	}
	url := pgtest.NewDatabaseFrom(t, pgTemplate)
	ctx := context.Background()
	var mu sync.Mutex
	var seen []capturedStmt
	trace := func(text string, args []driver.NamedValue) {
		if args == nil {
			return // a prepare: the run follows with its arguments
		}
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, capturedStmt{text, append([]driver.NamedValue(nil), args...)})
	}
	db, err := OpenPostgres(ctx, url, Options{traceStatements: trace})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	now := time.Now()
	base := now.Add(-30 * time.Hour).UnixMilli()
	seed := time.Now()
	if _, err := db.write.ExecContext(ctx, strings.ReplaceAll(planWorld, ":base", strconv.FormatInt(base, 10))); err != nil {
		t.Fatal(err)
	}
	t.Logf("seeded in %v", time.Since(seed).Round(time.Millisecond))
	// lastStmt runs fn and returns the statement it sent whose text
	// contains marker.
	lastStmt := func(t *testing.T, marker string, fn func() error) capturedStmt {
		t.Helper()
		mu.Lock()
		seen = nil
		mu.Unlock()
		if err := fn(); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		defer mu.Unlock()
		for i := len(seen) - 1; i >= 0; i-- {
			if strings.Contains(seen[i].text, marker) {
				return seen[i]
			}
		}
		t.Fatalf("no statement containing %q among %d", marker, len(seen))
		return capturedStmt{}
	}
	mid := MinIDAt(time.UnixMilli(base + 12_500*1000))
	// The write methods run in a transaction that is rolled back: only
	// the statement they send matters.
	rollback := func(fn func(tx *Tx) error) func() error {
		return func() error {
			err := db.Write(ctx, func(tx *Tx) error {
				if err := fn(tx); err != nil {
					return err
				}
				return errRollback
			})
			if err == errRollback {
				return nil
			}
			return err
		}
	}
	cases := []struct {
		name, marker string
		run          func() error
		// uses lists relation:index pairs the plan must read (one of
		// those separated by |).
		uses []string
		// sortOK: the statement's order is not an index's (trends rank by score).
		sortOK bool
	}{
		// With the status cache on (PostgreSQL's caches are, since the
		// change triggers), a home page reads home_feed alone and takes the
		// rows from the cache (DB.timeline's loose statement).
		{"home timeline", "FROM home_feed h", func() error {
			_, err := db.HomeTimeline(ctx, 1, Page{Limit: 40})
			return err
		}, []string{"home_feed:home_feed_pkey"}, false},
		{"home timeline, next page", "FROM home_feed h", func() error {
			_, err := db.HomeTimeline(ctx, 1, Page{MaxID: mid, Limit: 40})
			return err
		}, []string{"home_feed:home_feed_pkey"}, false},
		{"delivery claim", "UPDATE deliveries", rollback(func(tx *Tx) error {
			_, err := tx.ClaimDeliveries(ctx, 16, time.Minute)
			return err
		}), []string{"deliveries:deliveries_due", "deliveries:deliveries_pkey"}, false},
		{"delivery claim per host", "UPDATE deliveries", rollback(func(tx *Tx) error {
			_, err := tx.ClaimDeliveriesPerHost(ctx, 16, time.Minute, 4, map[string]int{"h1.test": 4})
			return err
		}), []string{"deliveries:deliveries_due", "deliveries:deliveries_pkey"}, true},
		{"inbox claim", "UPDATE inbox_items", rollback(func(tx *Tx) error {
			_, err := tx.ClaimInboxItems(ctx, 64, time.Minute)
			return err
		}), []string{"inbox_items:inbox_items_pending", "inbox_items:inbox_items_pkey"}, false},
		{"notifications", "FROM notifications", func() error {
			_, err := db.Notifications(ctx, 7, NotificationFilter{}, Page{Limit: 40})
			return err
		}, []string{"notifications:notifications_account|notifications:notifications_once"}, false},
		{"notifications, next page and types", "FROM notifications", func() error {
			_, err := db.Notifications(ctx, 7, NotificationFilter{Types: []string{"favourite", "mention"}}, Page{MaxID: mid, Limit: 40})
			return err
		}, []string{"notifications:notifications_account|notifications:notifications_once"}, false},
		{"explore: trending statuses", "WITH eng", func() error {
			_, err := db.TrendingStatuses(ctx, TrendFilter{Since: now.Add(-7 * time.Hour)})
			return err
		}, []string{"favourites:favourites_status", "statuses:statuses_reblog", "statuses:statuses_pkey"}, true},
		{"explore: local gallery", "s.local = 1", func() error {
			_, err := db.LocalGallery(ctx, Page{Limit: 20})
			return err
		}, []string{"statuses:statuses_local_public"}, false},
		{"account statuses", "s.account_id = $", func() error {
			_, err := db.AccountTimeline(ctx, 5, AccountFilter{ExcludeReblogs: true}, Page{Limit: 20})
			return err
		}, []string{"statuses:statuses_account"}, false},
		{"public timeline", "s.reblog_of_id IS NULL AND", func() error {
			_, err := db.PublicTimeline(ctx, PublicFilter{Viewer: 1}, Page{Limit: 20})
			return err
		}, []string{"statuses:statuses_public"}, false},
		{"tag timeline", "status_tags", func() error {
			_, err := db.TagTimeline(ctx, TagQuery{Any: []string{"t3"}}, PublicFilter{}, Page{Limit: 20})
			return err
		}, []string{"status_tags:status_tags_tag", "statuses:statuses_pkey"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := lastStmt(t, tc.marker, tc.run)
			custom, generic := explainBoth(t, db, st.text, st.args)
			plans := map[string]planNode{"custom": custom, "generic": generic}
			// PostgreSQL moves a prepared statement to its generic plan
			// only when that costs no more than the custom ones (plus
			// their planning): a dearer generic plan is never run.
			if generic.Cost > custom.Cost*1.1+100 {
				delete(plans, "generic")
			}
			for kind, plan := range plans {
				used := map[string]bool{}
				plan.walk(func(n planNode) {
					if n.Relation != "" && n.Index != "" {
						used[n.Relation+":"+n.Index] = true
					}
					if bigTables[n.Relation] && n.NodeType == "Seq Scan" {
						t.Errorf("%s plan scans %s whole:\n%s\n%s", kind, n.Relation, plan, st.text)
					}
					// Sorting a few rows is as good as reading them in
					// order; sorting a large range is what an index avoids.
					if n.NodeType == "Sort" && !tc.sortOK && len(n.Plans) == 1 && n.Plans[0].Rows > 500 {
						t.Errorf("%s plan sorts instead of reading an index in order:\n%s\n%s", kind, plan, st.text)
					}
				})
				for _, u := range tc.uses {
					ok := false
					for _, alt := range strings.Split(u, "|") {
						_, idx, _ := strings.Cut(alt, ":")
						ok = ok || used[alt]
						// A bitmap scan names its index on the Bitmap
						// Index Scan node, whose relation is left out.
						plan.walk(func(n planNode) { ok = ok || n.NodeType == "Bitmap Index Scan" && n.Index == idx })
					}
					if !ok {
						t.Errorf("%s plan does not read %s:\n%s\n%s", kind, u, plan, st.text)
					}
				}
			}
		})
	}
}

type capturedStmt struct {
	text string
	args []driver.NamedValue
}

var errRollback = fmt.Errorf("rolled back on purpose")
