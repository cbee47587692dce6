package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pictor-social/pictor/activitypub"
	"github.com/pictor-social/pictor/activitypub/aptest"
	"github.com/pictor-social/pictor/config"
	"github.com/pictor-social/pictor/server"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

type fanoutFlags struct {
	followers, hosts, workers, perHost int
	shared                             bool
	cpuProfile                         string
	db                                 string // postgres:// server for a scratch database; "" means SQLite
	procs                              int    // servers on the database (PostgreSQL only)
}

func runFanout(ctx context.Context, args []string) error {
	var o fanoutFlags
	fs := flag.NewFlagSet("fanout", flag.ExitOnError)
	fs.IntVar(&o.followers, "followers", 10000, "remote followers")
	fs.IntVar(&o.hosts, "hosts", 0, "sink hosts the followers are spread over (default 100 with -shared, else 50)")
	fs.BoolVar(&o.shared, "shared", false, "followers on a host share its shared inbox")
	fs.IntVar(&o.workers, "workers", config.Default().Federation.DeliveryWorkers, "delivery_workers")
	fs.IntVar(&o.perHost, "per-host", config.Default().Federation.PerHostConcurrency, "per_host_concurrency")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the fan-out to this file")
	fs.StringVar(&o.db, "db", "", "run on PostgreSQL: a postgres:// URL of a server where the user may create databases "+
		"(a scratch database is created and dropped); default SQLite")
	fs.IntVar(&o.procs, "procs", 1, "servers on the one database, each with its own store, id node and workers (needs -db)")
	fs.Parse(args)
	if o.procs < 1 || (o.procs > 1 && o.db == "") {
		return fmt.Errorf("-procs must be at least 1, and more than 1 needs -db")
	}
	if o.hosts == 0 {
		o.hosts = 50
		if o.shared {
			o.hosts = 100
		}
	}
	dir, err := os.MkdirTemp("", "pictor-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	return fanout(ctx, dir, o)
}

func fanout(ctx context.Context, dir string, o fanoutFlags) error {
	cfg := config.Default()
	cfg.Scheme, cfg.DataDir = "http", dir
	cfg.Federation.AllowPrivateAddresses = true
	cfg.Federation.DeliveryWorkers, cfg.Federation.PerHostConcurrency = o.workers, o.perHost
	engine := "SQLite"
	if o.db != "" {
		url, drop, err := scratchDatabase(ctx, o.db)
		if err != nil {
			return err
		}
		defer drop()
		cfg.Database = config.Database{Driver: "postgres", URL: url}
		engine = "PostgreSQL"
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	// Every server is one process of the instance: its own store (pool,
	// id node, LISTEN connection) and workers, the first one's host.
	var srvs []*server.Server
	var lns []net.Listener
	for i := 0; i < o.procs; i++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		defer ln.Close()
		c := cfg
		c.Listen = ln.Addr().String()
		if i == 0 {
			cfg.Host = c.Listen
			c.Host = c.Listen
		}
		srv, err := server.New(ctx, c, server.Options{Logger: log})
		if err != nil {
			return err
		}
		defer srv.Close()
		srvs, lns = append(srvs, srv), append(lns, ln)
	}
	srv := srvs[0]
	alice, err := srv.Social.CreateAccount(ctx, social.NewAccount{Username: "alice"})
	if err != nil {
		return err
	}
	pub, err := activitypub.ParsePublicKeyPEM(alice.PublicKeyPEM)
	if err != nil {
		return err
	}
	want := o.followers
	if o.shared {
		want = o.hosts
	}
	sk, err := aptest.NewSink(o.hosts, want, activitypub.PublicKey{ID: alice.PublicKeyID, Owner: alice.URI, Key: pub})
	if err != nil {
		return err
	}
	defer sk.Close()
	if err := insertFollowers(ctx, srv.DB, alice, sk.Hosts(), o.followers, o.shared); err != nil {
		return err
	}
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	for i, s := range srvs {
		go s.Run(rctx, lns[i])
	}

	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	start, cpuStart := time.Now(), cpuTime()
	if _, err := srv.Social.CreateStatus(ctx, alice.ID, social.Draft{Text: "benchmark post"}); err != nil {
		return err
	}
	enqueued := time.Since(start)
	select {
	case <-sk.Done():
	case <-time.After(10 * time.Minute):
		_, got, _ := sk.Snapshot()
		return fmt.Errorf("timed out with %d of %d deliveries", got, want)
	}
	elapsed, cpu := time.Since(start), cpuTime()-cpuStart
	pprof.StopCPUProfile()
	_, requests, bad := sk.Snapshot()
	shape := fmt.Sprintf("%d followers with distinct inboxes on %d hosts", o.followers, o.hosts)
	if o.shared {
		shape = fmt.Sprintf("%d followers on %d hosts with shared inboxes", o.followers, o.hosts)
	}
	fmt.Printf("fan-out of one post to %s (delivery_workers %d, per_host_concurrency %d), %s, %d server(s)\n",
		shape, o.workers, o.perHost, engine, o.procs)
	fmt.Printf("  %d verified requests (%d refused) in %v, enqueue %v: %.0f deliveries/s\n",
		requests, bad, elapsed.Round(time.Millisecond), enqueued.Round(time.Millisecond), float64(requests)/elapsed.Seconds())
	perDelivery := cpu / time.Duration(requests)
	fmt.Printf("  CPU time %v (%.2f cores busy on average), %v per delivery including the sink's verification\n",
		cpu.Round(time.Millisecond), cpu.Seconds()/elapsed.Seconds(), perDelivery.Round(time.Microsecond))
	if !o.shared {
		_, all, _ := signRates(2 * time.Second)
		sig := signCPU(1000)
		fmt.Printf("  RSA-2048 signing bound: %.0f/s on all cores just now; fan-out reached %.0f%% of it\n",
			all, 100*float64(requests)/elapsed.Seconds()/all)
		fmt.Printf("  CPU per signature %v: signing is %.0f%% of the CPU a delivery costs (the bound other load cannot skew)\n",
			sig.Round(time.Microsecond), 100*sig.Seconds()/perDelivery.Seconds())
	}
	// Let outcome writes land, then check nothing is left pending.
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if st, err := srv.DB.DeliveryStats(ctx); err == nil && st.Pending == 0 {
			fmt.Printf("  store: %d done, %d failed (%d requests for %d deliveries)\n", st.Done, st.Failed, requests, st.Done+st.Failed)
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	return nil
}

// insertFollowers stores n remote followers of alice spread over the sink
// hosts, each with its own inbox, plus the host's shared inbox if shared.
func insertFollowers(ctx context.Context, db *store.DB, alice store.Account, hosts []string, n int, shared bool) error {
	return db.Write(ctx, func(tx *store.Tx) error {
		for i := 0; i < n; i++ {
			base := hosts[i%len(hosts)]
			id := fmt.Sprintf("%s/users/f%d", base, i)
			a := store.Account{Username: fmt.Sprintf("f%d", i), Domain: strings.TrimPrefix(base, "http://"), URI: id,
				InboxURI: id + "/inbox", PublicKeyID: id + "#main-key"}
			if shared {
				a.SharedInboxURI = base + "/inbox"
			}
			if err := tx.InsertAccount(ctx, &a); err != nil {
				return err
			}
			if err := tx.UpsertFollow(ctx, &store.Follow{AccountID: a.ID, TargetAccountID: alice.ID, URI: id + "#follow", Accepted: true}); err != nil {
				return err
			}
		}
		return nil
	})
}

// scratchDatabase creates an empty database on the PostgreSQL server at
// base and returns its URL and a function that drops it.
func scratchDatabase(ctx context.Context, base string) (string, func(), error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", nil, fmt.Errorf("-db does not parse as a URL")
	}
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return "", nil, fmt.Errorf("connect to -db: %w", err)
	}
	defer conn.Close(context.Background())
	name := fmt.Sprintf("pictor_bench_%d", time.Now().UnixNano())
	if _, err := conn.Exec(ctx, `CREATE DATABASE `+name); err != nil {
		return "", nil, fmt.Errorf("create database: %w", err)
	}
	u.Path = "/" + name
	drop := func() {
		c, err := pgx.Connect(context.Background(), base)
		if err != nil {
			fmt.Fprintln(os.Stderr, "drop scratch database:", err)
			return
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(context.Background(), `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			fmt.Fprintln(os.Stderr, "drop scratch database:", err)
		}
	}
	return u.String(), drop, nil
}
