package store

import (
	"database/sql/driver"
	"reflect"
	"testing"
)

func TestRewriteParams(t *testing.T) {
	cases := []struct {
		in, want string
		args     []driver.NamedValue
		wantArgs []any
	}{
		{"SELECT 1", "SELECT 1", nil, nil},
		{"SELECT a FROM t WHERE b = ? AND c = ?", "SELECT a FROM t WHERE b = $1 AND c = $2",
			[]driver.NamedValue{{Ordinal: 1, Value: "x"}, {Ordinal: 2, Value: int64(2)}}, []any{"x", int64(2)}},
		// Quotes, identifiers, comments, casts and dollar bodies keep their ? and :
		{`SELECT '?', "a?b", x::text, $f$ ? :y $f$ -- ? :z
		/* ? */ FROM t WHERE a = ?`, `SELECT '?', "a?b", x::text, $f$ ? :y $f$ -- ? :z
		/* ? */ FROM t WHERE a = $1`, []driver.NamedValue{{Ordinal: 1, Value: "v"}}, []any{"v"}},
		{"SELECT 'it''s ?' WHERE a = ?", "SELECT 'it''s ?' WHERE a = $1", []driver.NamedValue{{Ordinal: 1, Value: 1}}, []any{1}},
		// ?N, then ? continues after the highest number, as in SQLite.
		{"WHERE a = ?2 AND b = ?1 AND c = ?", "WHERE a = $2 AND b = $1 AND c = $3",
			[]driver.NamedValue{{Ordinal: 1, Value: 1}, {Ordinal: 2, Value: 2}, {Ordinal: 3, Value: 3}}, []any{1, 2, 3}},
		// Named arguments are bound by name, whatever their order in the call;
		// one the text does not use is dropped.
		{"WHERE a = :viewer AND b < :p0 AND c = :viewer LIMIT :limit", "WHERE a = $1 AND b < $2 AND c = $1 LIMIT $3",
			[]driver.NamedValue{{Name: "p0", Ordinal: 1, Value: 5}, {Name: "unused", Ordinal: 2, Value: 9},
				{Name: "viewer", Ordinal: 3, Value: 7}, {Name: "limit", Ordinal: 4, Value: 20}}, []any{7, 5, 20}},
		// Numbers the text skips are dropped and the rest renumbered.
		{"DELETE FROM f WHERE status_id = ?2", "DELETE FROM f WHERE status_id = $1",
			[]driver.NamedValue{{Ordinal: 1, Value: 100}, {Ordinal: 2, Value: 200}}, []any{200}},
		{"UPDATE t SET a = ?3 WHERE b = ?1 OR c = ?3", "UPDATE t SET a = $2 WHERE b = $1 OR c = $2",
			[]driver.NamedValue{{Ordinal: 1, Value: 1}, {Ordinal: 2, Value: 2}, {Ordinal: 3, Value: 3}}, []any{1, 3}},
	}
	for _, tc := range cases {
		p := rewriteParams(tc.in)
		if p.text != tc.want {
			t.Errorf("rewrite %q = %q, want %q", tc.in, p.text, tc.want)
			continue
		}
		args, err := p.args(tc.args)
		if err != nil {
			t.Errorf("args of %q: %v", tc.in, err)
			continue
		}
		var got []any
		for i, a := range args {
			if a.Ordinal != i+1 || a.Name != "" {
				t.Errorf("args of %q: %+v at %d", tc.in, a, i)
			}
			got = append(got, a.Value)
		}
		if !reflect.DeepEqual(got, tc.wantArgs) {
			t.Errorf("args of %q = %v, want %v", tc.in, got, tc.wantArgs)
		}
	}
}
