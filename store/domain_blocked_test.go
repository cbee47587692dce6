package store

import (
	"context"
	"testing"
)

func TestDomainBlocked(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	for _, d := range []string{"spam.example", "127.0.0.1:8443"} {
		mustWrite(t, db, func(tx *Tx) error { _, err := tx.BlockDomain(ctx, d, ""); return err })
	}
	cases := []struct {
		host string
		want bool
	}{
		{"spam.example", true},
		{"deep.sub.spam.example", true},
		{"spam.example:8443", true},
		{"notspam.example", false},
		{"example", false},
		{"127.0.0.1:8443", true},
		{"127.0.0.1:9000", false},
		{"", false},
	}
	for _, tc := range cases {
		got, err := db.DomainBlocked(ctx, tc.host)
		if err != nil || got != tc.want {
			t.Errorf("DomainBlocked(%q) = %v, %v; want %v", tc.host, got, err, tc.want)
		}
	}
}
