package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/pictor-social/pictor/store"
)

// runAdmin serves "pictor admin block|unblock|suspend|unsuspend" (and
// reports|resolve, in admin_reports.go): the same store changes the admin
// pages make. A running server applies blocks made here within a poll of its
// change feed and unblocks at once (server/wakeups.go, web.Blocklist).
func runAdmin(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		return errUsage
	}
	if args[0] == "reports" || args[0] == "resolve" {
		return runAdminReports(ctx, args, out)
	}
	if args[0] == "screening" || args[0] == "overturn" || args[0] == "confirm" {
		return runAdminScreening(ctx, args, out) // admin_screening.go
	}
	if args[0] == "announce" {
		return runAdminAnnounce(ctx, args, out) // admin_announce.go
	}
	fs, cfgPath := newFlags("admin " + args[0])
	reason := fs.String("reason", "", "why the domain is blocked (block)")
	pos, err := parse(fs, args[1:])
	if err != nil || len(pos) != 1 {
		return errUsage
	}
	s, err := openServer(ctx, *cfgPath)
	if err != nil {
		return err
	}
	defer s.Close()
	switch args[0] {
	case "block", "unblock":
		domain, ok := store.CleanDomain(pos[0])
		if !ok {
			return fmt.Errorf("%q is not a domain name", pos[0])
		}
		if args[0] == "unblock" {
			err := s.DB.Write(ctx, func(tx *store.Tx) error { return tx.UnblockDomain(ctx, domain) })
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("%s is not blocked", domain)
			}
			if err == nil {
				fmt.Fprintf(out, "unblocked %s\n", domain)
			}
			return err
		}
		var res store.BlockDomainResult
		err := s.DB.Write(ctx, func(tx *store.Tx) (err error) { res, err = tx.BlockDomain(ctx, domain, *reason); return err })
		if err == nil {
			fmt.Fprintf(out, "blocked %s: %d follows ended, %d queued deliveries dropped\n", domain, res.FollowsEnded, res.DeliveriesDropped)
		}
		return err
	case "suspend", "unsuspend":
		a, err := localAccount(ctx, s, pos[0])
		if err != nil {
			return err
		}
		if err := s.DB.Write(ctx, func(tx *store.Tx) error { return tx.SetAccountSuspended(ctx, a.ID, args[0] == "suspend") }); err != nil {
			return err
		}
		fmt.Fprintf(out, "%sed @%s\n", args[0], a.Username)
		return nil
	}
	return errUsage
}
