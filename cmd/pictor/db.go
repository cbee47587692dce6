package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/pictor-social/pictor/config"
	"github.com/pictor-social/pictor/store"
)

// runDB serves "pictor db copy [--to postgres://…]": it moves a stopped
// SQLite instance (data_dir/pictor.db) into an empty PostgreSQL database
// (store.CopyToPostgres) and prints each table's row counts. Without --to
// the target is the configured [database] url, or PICTOR_DATABASE_URL,
// which keeps the password out of the shell's history. The SQLite file is
// left as it was; the operator then sets driver = "postgres" and starts
// the server.
func runDB(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 || args[0] != "copy" {
		return errUsage
	}
	flags, cfgPath := newFlags("db copy")
	to := flags.String("to", "", "the PostgreSQL database's URL (default: [database] url or PICTOR_DATABASE_URL)")
	pos, err := parse(flags, args[1:])
	if err != nil || len(pos) != 0 {
		return errUsage
	}
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		return err
	}
	url := *to
	if url == "" {
		url = cfg.Database.URL
	}
	if !strings.HasPrefix(url, "postgres://") && !strings.HasPrefix(url, "postgresql://") {
		return errors.New("name the PostgreSQL database with --to postgres://… (or [database] url, or PICTOR_DATABASE_URL)")
	}
	path := filepath.Join(cfg.DataDir, "pictor.db")
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("no SQLite database at %s: check data_dir", path)
	}
	fmt.Fprintf(out, "copying %s into %s\n", path, store.RedactURL(url))
	rep, err := store.CopyToPostgres(ctx, path, url, func(t store.CopyTable) {
		fmt.Fprintf(out, "  %-32s %10d rows (SQLite %d)\n", t.Name, t.Target, t.Source)
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "copied %d rows in %d tables at schema version %d; every table's row count matches\n", rep.Rows,
		len(rep.Tables), rep.SchemaVersion)
	fmt.Fprintln(out, `next: set [database] driver = "postgres" and url (or PICTOR_DATABASE_URL), then start pictor serve;`+
		" media files stay in data_dir/media")
	return nil
}
