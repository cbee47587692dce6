package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/pictor-social/pictor/store"
)

// The read and inbox benchmarks run on PostgreSQL with -db: the server's
// config gets a [database] section, the benchmark's own store access goes
// to the same database, and the CPU time of the PostgreSQL server is
// measured beside pictor's.

// databaseSection is the config text selecting dbURL ("" keeps SQLite).
func databaseSection(dbURL string) string {
	if dbURL == "" {
		return ""
	}
	return fmt.Sprintf("[database]\ndriver = \"postgres\"\nurl = %q\n", dbURL)
}

// openBenchStore opens the instance's store: the SQLite file at path, or
// the PostgreSQL database dbURL.
func openBenchStore(ctx context.Context, path, dbURL string) (*store.DB, error) {
	if dbURL != "" {
		return store.OpenPostgres(ctx, dbURL, store.Options{})
	}
	return store.Open(ctx, path, store.Options{})
}

// freshDatabase creates an empty database on the server of serverURL (its
// user needs CREATEDB) and returns its URL and the function dropping it.
func freshDatabase(ctx context.Context, serverURL string) (string, func(), error) {
	conn, err := pgx.Connect(ctx, serverURL)
	if err != nil {
		return "", nil, fmt.Errorf("connect to -db: %w", err)
	}
	defer conn.Close(ctx)
	b := make([]byte, 6)
	rand.Read(b)
	name := "pictor_bench_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", nil, fmt.Errorf("create database: %w", err)
	}
	u, err := url.Parse(serverURL)
	if err != nil {
		return "", nil, err
	}
	u.Path = "/" + name
	drop := func() {
		c, err := pgx.Connect(context.Background(), serverURL)
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	}
	return u.String(), drop, nil
}

// postgresCPU returns a function reading the CPU time, in clock ticks, of
// the PostgreSQL server behind dbURL: its postmaster's own and reaped
// children's (utime, stime, cutime, cstime) plus its live backends'. The
// server must run on this machine, readable by this user.
func postgresCPU(ctx context.Context, dbURL string) (func() int64, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	var dir string
	if err := conn.QueryRow(ctx, "SHOW data_directory").Scan(&dir); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(filepath.Join(dir, "postmaster.pid"))
	if err != nil {
		return nil, fmt.Errorf("the PostgreSQL server's CPU is read from /proc: %w", err)
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pm, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil {
		return nil, fmt.Errorf("postmaster.pid: %w", err)
	}
	return func() int64 {
		total := procTicks(pm, true)
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			pid, err := strconv.Atoi(e.Name())
			if err != nil || pid == pm || procParent(pid) != pm {
				continue
			}
			total += procTicks(pid, false)
		}
		return total
	}, nil
}

// procStat returns the fields of /proc/PID/stat after the command name
// (field 3, the state, first).
func procStat(pid int) []string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil
	}
	s := string(b)
	return strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
}

func procParent(pid int) int {
	f := procStat(pid)
	if len(f) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}

// procTicks is utime+stime of pid, plus its reaped children's with
// children.
func procTicks(pid int, children bool) int64 {
	f := procStat(pid)
	if len(f) < 15 {
		return 0
	}
	var n int64
	last := 12
	if children {
		last = 14
	}
	for i := 11; i <= last; i++ {
		v, _ := strconv.ParseInt(f[i], 10, 64)
		n += v
	}
	return n
}
