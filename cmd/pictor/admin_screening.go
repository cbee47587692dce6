package main

import (
	"context"
	"fmt"
	"io"

	"github.com/pictor-social/pictor/store"
)

// runAdminScreening serves "pictor admin screening" (the decisions waiting
// for review, newest first, one line each: id, date, author, decision,
// category, backend/model, score, status id), "pictor admin overturn ID"
// and "pictor admin confirm ID", as the admin page's Screening queue.
func runAdminScreening(ctx context.Context, args []string, out io.Writer) error {
	fs, cfgPath := newFlags("admin " + args[0])
	pos, err := parse(fs, args[1:])
	if err != nil || (args[0] == "screening") != (len(pos) == 0) || len(pos) > 1 {
		return errUsage
	}
	s, err := openServer(ctx, *cfgPath)
	if err != nil {
		return err
	}
	defer s.Close()
	if args[0] != "screening" {
		id, ok := store.ParseID(pos[0])
		if !ok {
			return fmt.Errorf("%q is not a screening decision id", pos[0])
		}
		if args[0] == "overturn" {
			err = s.Social.OverturnScreening(ctx, 0, id)
		} else {
			err = s.Social.ConfirmScreening(ctx, id)
		}
		if err == nil {
			fmt.Fprintf(out, "%sed screening decision %s\n", args[0], pos[0])
		}
		return err
	}
	list, err := s.Social.ScreeningQueue(ctx, true, 0, cliReportLimit)
	if err != nil {
		return err
	}
	ids := make([]int64, 0, len(list))
	for _, d := range list {
		ids = append(ids, d.AccountID)
	}
	accounts, err := s.DB.AccountsByIDs(ctx, ids)
	if err != nil {
		return err
	}
	for _, d := range list {
		fmt.Fprintf(out, "%s\t%s\t@%s\t%s\t%s\t%s/%s\t%.2f\tstatus %s\n", store.FormatID(d.ID),
			d.CreatedAt.Format("2006-01-02 15:04"), accounts[d.AccountID].Acct(), d.Decision, d.Category, d.Backend,
			d.Model, d.Score, store.FormatID(d.StatusID))
	}
	if len(list) == 0 {
		fmt.Fprintln(out, "nothing waits for review")
	}
	return nil
}
