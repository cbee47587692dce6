package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/pictor-social/pictor/config"
	"github.com/pictor-social/pictor/genimage"
	"github.com/pictor-social/pictor/server"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// runVariants measures variants (issue 12) with the builtin backend: -jobs
// draft jobs of -n images each at -size, submitted at once and worked by
// [generation] workers = -workers, through the whole pipeline (drawing,
// PNG encoding, derivative, thumbnail, blurhash, files, candidate rows). It
// reports the wall time from the first submit to the last job done and the
// process's peak RSS (VmHWM), so run each configuration as its own process.
func runVariants(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("variants", flag.ExitOnError)
	workers := fs.Int("workers", 1, "[generation] workers")
	jobs := fs.Int("jobs", 1, "jobs submitted at once")
	n := fs.Int("n", 4, "images per job (1-4)")
	size := fs.String("size", "1024x1024", "image size")
	fs.Parse(args)

	dir, err := os.MkdirTemp("", "pictor-bench-variants-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cfg := config.Default()
	cfg.Host, cfg.Listen, cfg.Scheme, cfg.DataDir = "127.0.0.1:1", "127.0.0.1:1", "http", filepath.Join(dir, "data")
	cfg.Generation.Workers = *workers
	cfg.Generation.ImagesPerDay, cfg.Generation.MaxConcurrentJobs = 0, *jobs
	s, err := server.New(ctx, cfg, server.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	defer s.Close()
	a, err := s.Social.CreateAccount(ctx, social.NewAccount{Username: "alice", PasswordHash: "-"})
	if err != nil {
		return err
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- s.Gen.Run(runCtx) }()
	defer func() { stop(); <-done }()

	baseRSS := procStatusKB(os.Getpid(), "VmRSS")
	start := time.Now()
	ids := make([]string, *jobs)
	for i := range ids {
		j, err := s.Gen.Submit(ctx, genimage.SubmitRequest{AccountID: a.ID, Kind: store.JobDraft,
			Prompt: "a lighthouse on a cliff at dusk, watercolour", Seed: int64(1 + 10*i), Size: *size, N: *n,
			Source: genimage.SourceCLI})
		if err != nil {
			return err
		}
		ids[i] = j.ID
	}
	images := 0
	for _, id := range ids {
		j, err := s.Gen.Wait(ctx, id, 10*time.Minute, nil)
		if err != nil {
			return err
		}
		if j.State != store.JobDone {
			return fmt.Errorf("job %s: %s %s", id, j.State, j.Error)
		}
		images += len(j.MediaIDs)
	}
	wall := time.Since(start)
	fmt.Printf("variants: %d job(s) × %d images of %s, workers %d, GOMAXPROCS %d\n", *jobs, *n, *size, *workers,
		runtime.GOMAXPROCS(0))
	fmt.Printf("  wall %.2f s (%.0f ms per image), %d images stored\n", wall.Seconds(),
		float64(wall.Milliseconds())/float64(max(images, 1)), images)
	fmt.Printf("  RSS before %d MiB, peak %d MiB\n", baseRSS/1024, procStatusKB(os.Getpid(), "VmHWM")/1024)
	return nil
}
