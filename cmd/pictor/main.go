// Command pictor runs a Pictor server and administers it.
//
// Usage:
//
//	pictor serve [--config FILE]
//	pictor migrate [--config FILE]
//	pictor version
//	pictor user create NAME [--admin] [--password-stdin] [--config FILE]
//	pictor user password NAME [--password-stdin] [--config FILE]
//	pictor user delete NAME [--config FILE]
//	pictor post --as NAME [--image FILE --alt TEXT]... [--cw TEXT] [--visibility V] TEXT
//	pictor delete --as NAME URL
//	pictor follow --as NAME @user@host
//	pictor admin block|unblock DOMAIN [--reason TEXT]
//	pictor admin suspend|unsuspend NAME
//	pictor admin reports | pictor admin resolve ID
//	pictor admin announce TEXT [--starts RFC3339] [--ends RFC3339]
//	pictor imagine --as NAME [--seed N] [--size WxH] [--post] [--visibility V] PROMPT
//	pictor media prune [--days N]
//	pictor media copy --to s3 [--config FILE]
//	pictor backup DIR [--config FILE]
//	pictor restore DIR [--force] [--config FILE]
//	pictor db copy [--to postgres://…] [--config FILE]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/pictor-social/pictor/internal/apperr"
)

// command is one subcommand: it parses its own flags from args.
type command struct {
	name, usage string
	run         func(ctx context.Context, args []string, out io.Writer) error
}

var commands = []command{
	{"serve", "serve [--config FILE]                 run the server", runServe},
	{"migrate", "migrate [--config FILE]               apply database migrations and exit", runMigrate},
	{"version", "version                               print the version", runVersion},
	{"user", "user create NAME [--admin] [--password-stdin] [--email E] | user password NAME [--password-stdin] | user delete NAME", runUser},
	{"post", "post --as NAME [--image FILE --alt TEXT]... [--cw TEXT] [--visibility public|unlisted|followers] TEXT", runPost},
	{"delete", "delete --as NAME URL                  delete one of NAME's posts", runDelete},
	{"follow", "follow --as NAME @user@host           follow an account", runFollow},
	{"admin", "admin block|unblock DOMAIN [--reason R] | admin suspend|unsuspend NAME | admin reports | admin resolve ID | admin announce TEXT [--ends T]   moderate", runAdmin},
	{"imagine", "imagine --as NAME [--seed N] [--size WxH] [--post] [--visibility V] PROMPT   generate an image", runImagine},
	{"media", "media prune [--days N] | media copy --to s3   drop cached copies of remote media older than N days; copy the media folder into the [media.s3] bucket", runMedia},
	{"backup", "backup DIR                            copy the database, media and a manifest into DIR (a running server is fine)", runBackup},
	{"restore", "restore DIR [--force]                 bring a backup back into the data folder (stop the server first)", runRestore},
	{"db", "db copy [--to postgres://…]           move the stopped SQLite instance into an empty PostgreSQL database (default: [database] url or PICTOR_DATABASE_URL)", runDB},
}

// errUsage makes main print the usage and exit 2.
var errUsage = errors.New("usage")

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		err := c.run(ctx, args[1:], stdout)
		switch {
		case err == nil:
			return 0
		case errors.Is(err, errUsage), errors.Is(err, flag.ErrHelp):
			fmt.Fprintf(stderr, "usage: pictor %s\n", c.usage)
			return 2
		default:
			fmt.Fprintf(stderr, "pictor %s: %s\n", c.name, describe(err))
			return 1
		}
	}
	fmt.Fprintf(stderr, "pictor: unknown command %q\n", args[0])
	usage(stderr)
	return 2
}

// describe returns the user-facing message of err, or err itself.
func describe(err error) string {
	if e, ok := apperr.As(err); ok {
		return e.Message
	}
	return err.Error()
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: pictor COMMAND [ARGS]")
	for _, c := range commands {
		fmt.Fprintf(w, "  pictor %s\n", c.usage)
	}
}
