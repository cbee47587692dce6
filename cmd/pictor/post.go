package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/pictor-social/pictor/activitypub"
	"github.com/pictor-social/pictor/screening"
	"github.com/pictor-social/pictor/server"
	"github.com/pictor-social/pictor/social"
	"github.com/pictor-social/pictor/store"
)

// visibilities maps the CLI's words to Mastodon's.
var visibilities = map[string]string{"public": store.VisibilityPublic, "unlisted": store.VisibilityUnlisted,
	"followers": store.VisibilityPrivate, "private": store.VisibilityPrivate, "direct": store.VisibilityDirect}

func runPost(ctx context.Context, args []string, out io.Writer) error {
	fs, cfgPath := newFlags("post")
	as := fs.String("as", "", "local user who posts")
	cw := fs.String("cw", "", "content warning")
	vis := fs.String("visibility", "public", "public, unlisted or followers")
	ack := fs.Bool("screening-ack", false, "publish even though screening warns about the text (it is then reviewed)")
	var images, alts repeated
	fs.Var(&images, "image", "image file to attach (repeatable, at most 4)")
	fs.Var(&alts, "alt", "alt text of the preceding --image")
	pos, err := parse(fs, args)
	if err != nil || *as == "" || len(pos) > 1 || len(alts) > len(images) || len(images) > activitypub.MaxAttachments {
		return errUsage
	}
	visibility, ok := visibilities[*vis]
	if !ok || (len(pos) == 0 && len(images) == 0) {
		return errUsage
	}
	// Check every file first, so a typo leaves nothing half-written.
	for _, path := range images {
		if _, err := os.Stat(path); err != nil {
			return err
		}
	}
	return asUser(ctx, *cfgPath, *as, func(s *server.Server, a store.Account) error {
		draft := social.Draft{Text: strings.Join(pos, " "), SpoilerText: *cw, Visibility: visibility, ScreeningAck: *ack}
		for i, path := range images {
			alt := ""
			if i < len(alts) {
				alt = alts[i]
			}
			m, err := uploadFile(ctx, s.Social, a.ID, path, alt)
			if err != nil {
				return err
			}
			draft.MediaIDs = append(draft.MediaIDs, m.ID)
		}
		st, err := s.Social.CreateStatus(ctx, a.ID, draft)
		var se *social.ScreeningError
		if errors.As(err, &se) && se.Action == screening.Warn {
			return fmt.Errorf("screening flagged the text as %s; to publish it anyway (it is then reviewed), add --screening-ack", se.Category)
		}
		if err != nil {
			return err
		}
		fmt.Fprintln(out, st.URL)
		return nil
	})
}

func uploadFile(ctx context.Context, svc *social.Service, accountID int64, path, alt string) (store.MediaAttachment, error) {
	f, err := os.Open(path)
	if err != nil {
		return store.MediaAttachment{}, err
	}
	defer f.Close()
	m, err := svc.UploadMedia(ctx, accountID, f, social.MediaInput{Description: alt})
	if err != nil {
		return store.MediaAttachment{}, fmt.Errorf("%s: %s", path, describe(err))
	}
	return m, nil
}

func runDelete(ctx context.Context, args []string, out io.Writer) error {
	fs, cfgPath := newFlags("delete")
	as := fs.String("as", "", "local user whose post it is")
	pos, err := parse(fs, args)
	if err != nil || *as == "" || len(pos) != 1 {
		return errUsage
	}
	return asUser(ctx, *cfgPath, *as, func(s *server.Server, a store.Account) error {
		id, err := statusIDFromURL(s, pos[0])
		if err != nil {
			return err
		}
		if _, err := s.Social.DeleteStatus(ctx, a.ID, id); err != nil {
			return err
		}
		fmt.Fprintf(out, "deleted %s\n", pos[0])
		return nil
	})
}

// statusIDFromURL accepts a post's page URL (/@name/ID), its ActivityPub id
// (/users/name/statuses/ID) or a bare id.
func statusIDFromURL(s interface{ StatusIDFromURL(string) (int64, bool) }, raw string) (int64, error) {
	if id, ok := s.StatusIDFromURL(raw); ok {
		return id, nil
	}
	return 0, fmt.Errorf("%q is not the URL of a post on this server", raw)
}

func runFollow(ctx context.Context, args []string, out io.Writer) error {
	fs, cfgPath := newFlags("follow")
	as := fs.String("as", "", "local user who follows")
	pos, err := parse(fs, args)
	if err != nil || *as == "" || len(pos) != 1 {
		return errUsage
	}
	return asUser(ctx, *cfgPath, *as, func(s *server.Server, a store.Account) error {
		target, fl, err := s.Social.FollowHandle(ctx, a.ID, pos[0])
		if err != nil {
			return err
		}
		state := "requested"
		if fl.Accepted {
			state = "following"
		}
		fmt.Fprintf(out, "%s @%s (%s)\n", state, target.Acct(), target.URI)
		return nil
	})
}
