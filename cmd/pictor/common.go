package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/pictor-social/pictor/config"
	"github.com/pictor-social/pictor/server"
	"github.com/pictor-social/pictor/store"
)

// newFlags returns a flag set that reports errors instead of exiting, with
// the --config flag every command shares.
func newFlags(name string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfg := fs.String("config", "", "configuration file (TOML); defaults when empty")
	return fs, cfg
}

// parse parses args, allowing flags after positional arguments.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, fmt.Errorf("%w: %v", errUsage, err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// openServer loads the configuration and builds the server components
// (without serving), for commands that act as a user.
func openServer(ctx context.Context, cfgPath string) (*server.Server, error) {
	cfg, err := config.Load(cfgPath)
	if err != nil {
		return nil, err
	}
	return server.New(ctx, cfg, server.Options{Logger: slog.New(slog.DiscardHandler)})
}

// localAccount finds the local account named name (with or without '@').
func localAccount(ctx context.Context, s *server.Server, name string) (store.Account, error) {
	a, err := s.DB.AccountByHandle(ctx, strings.TrimPrefix(name, "@"), "")
	if errors.Is(err, store.ErrNotFound) {
		return store.Account{}, fmt.Errorf("no local user %q", name)
	}
	return a, err
}

// asUser opens the server components and runs fn as the local user name.
func asUser(ctx context.Context, cfgPath, name string, fn func(*server.Server, store.Account) error) error {
	s, err := openServer(ctx, cfgPath)
	if err != nil {
		return err
	}
	defer s.Close()
	a, err := localAccount(ctx, s, name)
	if err != nil {
		return err
	}
	return fn(s, a)
}

// repeated is a flag that may be given several times.
type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, ",") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }
