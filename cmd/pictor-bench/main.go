// Command pictor-bench measures Pictor's federation throughput and memory
// bounds on this machine, repeatably and outside the test suite:
//
//	go run ./cmd/pictor-bench sign               RSA-2048 signatures per second, one core and all
//	go run ./cmd/pictor-bench fanout             one post to 10,000 followers with distinct inboxes
//	go run ./cmd/pictor-bench fanout -shared     10,000 followers on 100 hosts with shared inboxes
//	go run ./cmd/pictor-bench fanout -db postgres://… [-procs 2]
//	                                             the same on PostgreSQL, with one server or several
//	go run ./cmd/pictor-bench inbox              signed inbox POSTs accepted per second, and RSS
//	go run ./cmd/pictor-bench decode             12 concurrent decode-bomb uploads: statuses and peak RSS
//	go run ./cmd/pictor-bench read               CPU per request, rate and latency of the hot reads, and RSS
//	go run ./cmd/pictor-bench floor              the same load on a bare net/http server: the floor under read
//	go run ./cmd/pictor-bench signin             peak RSS under 60 parallel wrong-password sign-ins
//	go run ./cmd/pictor-bench variants           builtin n-image jobs: wall time and peak RSS per [generation] workers
//
// Every run uses a fresh data folder in a temporary directory and loopback
// sinks that verify each signature. Flags of each subcommand: -h.
package main

import (
	"context"
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	ctx := context.Background()
	switch os.Args[1] {
	case "sign":
		err = runSign(os.Args[2:])
	case "fanout":
		err = runFanout(ctx, os.Args[2:])
	case "inbox":
		err = runInbox(ctx, os.Args[2:])
	case "decode":
		err = runDecode(ctx, os.Args[2:])
	case "read":
		err = runRead(ctx, os.Args[2:])
	case "signin":
		err = runSignin(os.Args[2:])
	case "variants":
		err = runVariants(ctx, os.Args[2:])
	case "floor":
		err = runFloor(os.Args[2:])
	case "floor-serve":
		err = runFloorServe(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "pictor-bench:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: pictor-bench sign|fanout|inbox|decode|read|floor|signin|variants [flags]")
	os.Exit(2)
}
