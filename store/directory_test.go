package store

import (
	"slices"
	"testing"
)

// The directory leaves out accounts on a domain the admin blocked and on
// its subdomains, on either engine (the suffix test once used SQLite's
// negative substr() start, which PostgreSQL reads differently).
func TestDirectoryHidesBlockedDomainsAndSubdomains(t *testing.T) {
	db := openTest(t)
	var ids []int64
	for _, a := range []struct{ name, domain string }{{"ann", ""}, {"rita", "far.test"}, {"sam", "sub.evil.test"},
		{"eve", "evil.test"}, {"neo", "notevil.test"}} {
		acct := Account{Username: a.name, Domain: a.domain, URI: "https://" + a.domain + "x.test/users/" + a.name, Discoverable: true}
		mustWrite(t, db, func(tx *Tx) error { return tx.InsertAccount(ctx0, &acct) })
		ids = append(ids, acct.ID)
	}
	// A row as an admin's block leaves it, without BlockDomain's suspensions.
	mustExec(t, db, `INSERT INTO domain_blocks (domain, created_at) VALUES ('evil.test', 0)`)
	list, err := db.Directory(ctx0, DirectoryFilter{New: true, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, a := range list {
		got = append(got, a.ID)
	}
	slices.Sort(got)
	want := []int64{ids[0], ids[1], ids[4]}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("directory = %v, want ann, rita and neo %v", got, want)
	}
}
