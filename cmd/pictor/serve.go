package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/pprof"

	"github.com/pictor-social/pictor/config"
	"github.com/pictor-social/pictor/server"
)

func runServe(ctx context.Context, args []string, out io.Writer) error {
	fs, cfgPath := newFlags("serve")
	if pos, err := parse(fs, args); err != nil || len(pos) > 0 {
		return errUsage
	}
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		return err
	}
	if path := os.Getenv("PICTOR_CPUPROFILE"); path != "" {
		stop, err := startCPUProfile(path)
		if err != nil {
			return err
		}
		defer stop()
	}
	s, err := server.New(ctx, cfg, server.Options{})
	if err != nil {
		return err
	}
	defer s.Close()
	ln, err := listen(cfg.Listen)
	if err != nil {
		return err
	}
	return s.Run(ctx, ln)
}

func runMigrate(ctx context.Context, args []string, out io.Writer) error {
	fs, cfgPath := newFlags("migrate")
	if pos, err := parse(fs, args); err != nil || len(pos) > 0 {
		return errUsage
	}
	s, err := openServer(ctx, *cfgPath)
	if err != nil {
		return err
	}
	defer s.Close()
	v, err := s.DB.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "database %s is at schema version %d\n", s.DB.Path(), v)
	return nil
}

func runVersion(ctx context.Context, args []string, out io.Writer) error {
	if len(args) > 0 {
		return errUsage
	}
	fmt.Fprintf(out, "pictor %s\n", server.Version)
	return nil
}

// startCPUProfile profiles the whole serve run into path (for
// cmd/pictor-bench read -cpuprofile); the profile is complete once serve
// returns after SIGINT or SIGTERM.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
