package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/server"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// readPassword reads one line from stdin (at most 4 KiB) and checks it
// against the password rules.
func readPassword() (string, error) {
	line, err := bufio.NewReader(io.LimitReader(stdin, 4096)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("read password: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	if err := auth.CheckNewPassword(password); err != nil {
		return "", err
	}
	return password, nil
}

// runUserPassword is "pictor user password NAME [--password-stdin]": an
// administrator's reset. As Mastodon's reset does, it signs the user out of
// every browser and revokes every app token; without --password-stdin it
// prints a generated password.
func runUserPassword(ctx context.Context, args []string, out io.Writer) error {
	fs, cfgPath := newFlags("user password")
	fromStdin := fs.Bool("password-stdin", false, "read the new password from standard input")
	pos, err := parse(fs, args)
	if err != nil || len(pos) != 1 {
		return errUsage
	}
	password, generated := auth.RandomToken(15), true
	if *fromStdin {
		if password, err = readPassword(); err != nil {
			return err
		}
		generated = false
	}
	return asUser(ctx, *cfgPath, pos[0], func(s *server.Server, a store.Account) error {
		if !a.DeletedAt.IsZero() {
			return fmt.Errorf("@%s was deleted", a.Username)
		}
		err := auth.SetPassword(ctx, s.DB, a.ID, password, true)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("@%s cannot sign in (no login)", a.Username)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "password of @%s changed; its sessions and app tokens were revoked\n", a.Username)
		if generated {
			fmt.Fprintf(out, "password: %s\n", password)
		}
		return nil
	})
}

// runUserDelete is "pictor user delete NAME": the account is closed for
// good through social.DeleteAccount, the same use case as the settings
// page, and the Delete is queued for the next "pictor serve" to deliver.
func runUserDelete(ctx context.Context, args []string, out io.Writer) error {
	fs, cfgPath := newFlags("user delete")
	pos, err := parse(fs, args)
	if err != nil || len(pos) != 1 {
		return errUsage
	}
	return asUser(ctx, *cfgPath, pos[0], func(s *server.Server, a store.Account) error {
		err := s.Social.DeleteAccount(ctx, a.ID)
		if errors.Is(err, social.ErrMediaLeft) {
			fmt.Fprintf(out, "warning: %v\n", err)
		} else if err != nil {
			return err
		}
		fmt.Fprintf(out, "deleted @%s; a Delete is queued for every server that knows it\n", a.Username)
		return nil
	})
}
