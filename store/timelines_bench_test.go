package store

import (
	"os"
	"syscall"
	"testing"
	"time"
)

// BenchmarkTimelinesOnFile reads the timelines of cmd/pictor-bench read's
// seeded database (1,000,000 statuses), as its account-statuses,
// public-local, tag and home endpoints do, and reports the CPU time of each
// call besides the wall time (the machine may be shared):
//
//	PICTOR_BENCH_DB=/tmp/perfbench/data/pictor.db go test -run '^$' -bench TimelinesOnFile ./store/
//
// The file is migrated when opened; no server may run on it meanwhile.
func BenchmarkTimelinesOnFile(b *testing.B) {
	path := os.Getenv("PICTOR_BENCH_DB")
	if path == "" {
		b.Skip("PICTOR_BENCH_DB names a database seeded by pictor-bench read")
	}
	db, err := Open(ctx0, path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	var alice, reader int64
	for name, id := range map[string]*int64{"alice": &alice, "reader": &reader} {
		a, err := db.AccountByHandle(ctx0, name, "")
		if err != nil {
			b.Fatalf("%s: %v", name, err)
		}
		*id = a.ID
	}
	cases := []struct {
		name string
		n    int
		read func() ([]Status, error)
	}{
		{"account-statuses", 20, func() ([]Status, error) {
			return db.AccountTimeline(ctx0, alice, AccountFilter{Profile: true, Viewer: reader}, Page{Limit: 20})
		}},
		{"public-local", 20, func() ([]Status, error) {
			return db.PublicTimeline(ctx0, PublicFilter{Viewer: reader, Local: true}, Page{Limit: 20})
		}},
		{"tag", 20, func() ([]Status, error) {
			return db.TagTimeline(ctx0, TagQuery{Any: []string{"bench"}}, PublicFilter{Viewer: reader}, Page{Limit: 20})
		}},
		{"home", 40, func() ([]Status, error) { return db.HomeTimeline(ctx0, reader, Page{Limit: 40}) }},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			cpu0 := cpuTime()
			for range b.N {
				if list, err := tc.read(); err != nil || len(list) != tc.n {
					b.Fatalf("%d statuses, %v", len(list), err)
				}
			}
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
		})
	}
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
