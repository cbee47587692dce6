package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/pictor-social/pictor/config"
	"github.com/pictor-social/pictor/server"
)

// runMedia serves "pictor media prune" and "pictor media copy".
func runMedia(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		return errUsage
	}
	switch args[0] {
	case "prune":
		return runMediaPrune(ctx, args, out)
	case "copy":
		return runMediaCopy(ctx, args, out)
	}
	return errUsage
}

// runMediaPrune serves "pictor media prune [--days N]": it drops local
// copies of remote attachments cached more than N days ago (default: the
// configured remote_cache_days; 0 drops every copy) that no local user
// favourited, bookmarked or boosted, exactly as the server's periodic prune
// does.
func runMediaPrune(ctx context.Context, args []string, out io.Writer) error {
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

// runMediaCopy serves "pictor media copy --to s3": it copies every file of
// data_dir/media into the bucket of [media.s3] (whatever [media] storage
// says yet), skipping objects already there with the same size, verifies
// each and prints the counts. Run it, stop the server, run it again (it
// then copies only what was uploaded meanwhile), set storage = "s3" and
// start the server: every media URL keeps working. The local files stay.
func runMediaCopy(ctx context.Context, args []string, out io.Writer) error {
	fs, cfgPath := newFlags("media copy")
	to := fs.String("to", "", `destination: "s3" (the bucket of [media.s3])`)
	pos, err := parse(fs, args[1:])
	if err != nil || len(pos) != 0 || *to != "s3" {
		return errUsage
	}
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		return err
	}
	start := time.Now()
	last := start
	res, err := server.CopyMediaToS3(ctx, cfg, func(r server.MediaCopyResult) {
		if time.Since(last) >= 5*time.Second {
			last = time.Now()
			fmt.Fprintf(out, "%d of %d files done\n", r.Copied+r.Skipped+r.Failed, r.Files)
		}
	})
	fmt.Fprintf(out, "%d files in %s: %d copied (%d bytes), %d already in bucket %q, %d failed; %d verified in %s\n",
		res.Files, cfg.DataDir, res.Copied, res.Bytes, res.Skipped, cfg.Media.S3.Bucket, res.Failed,
		res.Copied+res.Skipped, time.Since(start).Round(time.Millisecond))
	return err
}
