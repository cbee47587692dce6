package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// runAdminAnnounce serves "pictor admin announce TEXT [--starts T]
// [--ends T]": it publishes an announcement at once (times in RFC 3339).
// Apps polling /api/v1/announcements see it on their next poll; streaming
// clients of a server running in another process hear of it only then.
func runAdminAnnounce(ctx context.Context, args []string, out io.Writer) error {
	fs, cfgPath := newFlags("admin announce")
	starts := fs.String("starts", "", "when to start showing it (RFC 3339; default now)")
	ends := fs.String("ends", "", "when to stop showing it (RFC 3339; default never)")
	pos, err := parse(fs, args[1:])
	if err != nil || len(pos) == 0 {
		return errUsage
	}
	d := social.AnnouncementDraft{Text: strings.Join(pos, " ")}
	if d.StartsAt, err = parseRFC3339(*starts, "--starts"); err != nil {
		return err
	}
	if d.EndsAt, err = parseRFC3339(*ends, "--ends"); err != nil {
		return err
	}
	s, err := openServer(ctx, *cfgPath)
	if err != nil {
		return err
	}
	defer s.Close()
	a, err := s.Social.CreateAnnouncement(ctx, d)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "published announcement %s\n", store.FormatID(a.ID))
	return nil
}

// parseRFC3339 reads an optional flag time; "" is the zero time.
func parseRFC3339(v, flag string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q is not an RFC 3339 time, like 2026-01-31T18:00:00Z", flag, v)
	}
	return t, nil
}
