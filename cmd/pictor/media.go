package main

import (
	"context"
	"fmt"
	"io"
	"time"
)

// runMedia serves "pictor media prune [--days N]": it drops local copies of
// remote attachments cached more than N days ago (default: the configured
// remote_cache_days; 0 drops every copy) that no local user favourited,
// bookmarked or boosted, exactly as the server's periodic prune does.
func runMedia(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 || args[0] != "prune" {
		return errUsage
	}
	fs, cfgPath := newFlags("media prune")
	days := fs.Int("days", -1, "prune copies older than this many days (default: remote_cache_days)")
	pos, err := parse(fs, args[1:])
	if err != nil || len(pos) != 0 {
		return errUsage
	}
	s, err := openServer(ctx, *cfgPath)
	if err != nil {
		return err
	}
	defer s.Close()
	n := *days
	if n < 0 {
		n = s.Cfg.Media.RemoteCacheDays
		if n == 0 {
			fmt.Fprintln(out, "remote_cache_days is 0 (keep forever): nothing pruned; pass --days N to prune anyway")
			return nil
		}
	}
	res, err := s.MediaCache.Prune(ctx, time.Duration(n)*24*time.Hour)
	fmt.Fprintf(out, "pruned %d remote attachments older than %d days, deleted %d files\n", res.Attachments, n, res.Files)
	return err
}
