package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/pictor-social/pictor/auth"
	"github.com/pictor-social/pictor/social"
)

// stdin is replaced in tests.
var stdin io.Reader = os.Stdin

func runUser(ctx context.Context, args []string, out io.Writer) error {
	if len(args) > 0 && args[0] == "password" {
		return runUserPassword(ctx, args[1:], out)
	}
	if len(args) > 0 && args[0] == "delete" {
		return runUserDelete(ctx, args[1:], out)
	}
	if len(args) == 0 || args[0] != "create" {
		return errUsage
	}
	fs, cfgPath := newFlags("user create")
	admin := fs.Bool("admin", false, "make the user an administrator")
	fromStdin := fs.Bool("password-stdin", false, "read the password from standard input")
	email := fs.String("email", "", "e-mail address")
	pos, err := parse(fs, args[1:])
	if err != nil || len(pos) != 1 {
		return errUsage
	}
	password, generated := "", false
	if *fromStdin {
		if password, err = readPassword(); err != nil {
			return err
		}
	} else {
		password, generated = auth.RandomToken(15), true
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	s, err := openServer(ctx, *cfgPath)
	if err != nil {
		return err
	}
	defer s.Close()
	a, err := s.Social.CreateAccount(ctx, social.NewAccount{Username: pos[0], PasswordHash: hash, Email: *email, Admin: *admin})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "created @%s@%s (%s)\n", a.Username, s.Fed.Host(), a.URI)
	if generated {
		fmt.Fprintf(out, "password: %s\n", password)
	}
	return nil
}
