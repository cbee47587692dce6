package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/pictor-social/pictor/store"
)

// cliReportLimit bounds the reports "pictor admin reports" lists.
const cliReportLimit = 200

// runAdminReports serves "pictor admin reports" (the open reports, newest
// first, one line each) and "pictor admin resolve ID".
func runAdminReports(ctx context.Context, args []string, out io.Writer) error {
	fs, cfgPath := newFlags("admin " + args[0])
	pos, err := parse(fs, args[1:])
	if err != nil || (args[0] == "reports") != (len(pos) == 0) || len(pos) > 1 {
		return errUsage
	}
	s, err := openServer(ctx, *cfgPath)
	if err != nil {
		return err
	}
	defer s.Close()
	if args[0] == "resolve" {
		id, ok := store.ParseID(pos[0])
		if !ok {
			return fmt.Errorf("%q is not a report id", pos[0])
		}
		if err := s.Social.ResolveReport(ctx, 0, id); err != nil {
			return err
		}
		fmt.Fprintf(out, "resolved report %s\n", pos[0])
		return nil
	}
	reports, err := s.DB.Reports(ctx, true, cliReportLimit)
	if err != nil {
		return err
	}
	for _, r := range reports {
		line, err := reportLine(ctx, s.DB, r)
		if err != nil {
			return err
		}
		fmt.Fprintln(out, line)
	}
	if len(reports) == 0 {
		fmt.Fprintln(out, "no open reports")
	}
	return nil
}

// reportLine is a report as one tab-separated line: id, date, target,
// reporter, category, status count and comment.
func reportLine(ctx context.Context, db *store.DB, r store.Report) (string, error) {
	accounts, err := db.AccountsByIDs(ctx, []int64{r.AccountID, r.TargetAccountID})
	if err != nil {
		return "", err
	}
	comment := strings.Join(strings.Fields(r.Comment), " ")
	return fmt.Sprintf("%s\t%s\t@%s\tby @%s\t%s\t%d statuses\t%q", store.FormatID(r.ID), r.CreatedAt.Format("2006-01-02 15:04"),
		accounts[r.TargetAccountID].Acct(), accounts[r.AccountID].Acct(), r.Category, len(r.StatusIDs), comment), nil
}
