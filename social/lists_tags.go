package social

import (
	"context"
	"regexp"
	"strings"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/store"
)

// MaxTagName bounds a hashtag name, as the streaming API does.
const MaxTagName = 100

// tagNameRE is what Format recognises after '#': letters, digits and '_',
// with at least one letter or '_'.
var tagNameRE = regexp.MustCompile(`^[\pL\pN_]*[\pL_][\pL\pN_]*$`)

// TagName normalises a hashtag name from a URL or form (an optional '#',
// any case) to the stored lower-case form; ok is false for anything that is
// not a hashtag Pictor would recognise in a post.
func TagName(raw string) (name string, ok bool) {
	name = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(raw), "#"))
	if len([]rune(name)) > MaxTagName || !tagNameRE.MatchString(name) {
		return "", false
	}
	return name, true
}

// FollowTag makes accountID follow the hashtag raw (creating it if no post
// used it yet); following again is harmless. From then on public posts
// carrying it, local or arriving from other servers, enter the follower's
// home timeline. A malformed name is NotFound, as Mastodon answers.
func (s *Service) FollowTag(ctx context.Context, accountID int64, raw string) (store.Tag, error) {
	return s.onTag(ctx, raw, func(tx *store.Tx, tagID int64) error { return tx.FollowTag(ctx, accountID, tagID) })
}

// UnfollowTag ends accountID's follow of the hashtag raw, if any; posts it
// already brought into the home timeline stay.
func (s *Service) UnfollowTag(ctx context.Context, accountID int64, raw string) (store.Tag, error) {
	return s.onTag(ctx, raw, func(tx *store.Tx, tagID int64) error { return tx.UnfollowTag(ctx, accountID, tagID) })
}

// onTag runs change on the hashtag raw names, creating the tag if no post
// used it yet, in one transaction. A malformed name is NotFound.
func (s *Service) onTag(ctx context.Context, raw string, change func(tx *store.Tx, tagID int64) error) (store.Tag, error) {
	name, ok := TagName(raw)
	if !ok {
		return store.Tag{}, apperr.NotFound("Record not found")
	}
	var t store.Tag
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		var err error
		if t, err = tx.EnsureTag(ctx, name); err != nil {
			return err
		}
		return change(tx, t.ID)
	})
	return t, err
}
