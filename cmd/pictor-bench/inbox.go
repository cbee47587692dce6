package main

import (
	"context"
	"errors"
)

func runInbox(ctx context.Context, args []string) error { return errors.New("not yet") }
