package social

import (
	"context"
	"net/url"
	"regexp"
	"strings"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/store"
)

// hostRE is a DNS host name with an optional port, as accounts.domain holds it.
var hostRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*(:[0-9]{1,5})?$`)

// NormalizeDomain turns what a user typed ("Example.COM", "https://example.com/",
// "example.com.") into the lower-case host accounts are stored with, or
// apperr.Invalid. Internationalised names must be given in punycode.
func NormalizeDomain(raw string) (string, error) {
	d := strings.TrimSpace(raw)
	if strings.Contains(d, "://") {
		if u, err := url.Parse(d); err == nil {
			d = u.Host
		}
	}
	d = strings.TrimSuffix(strings.ToLower(d), ".")
	if d == "" {
		return "", apperr.Invalid("Validation failed: Domain can't be blank")
	}
	if len(d) > 253 || !hostRE.MatchString(d) {
		return "", apperr.Invalid("Validation failed: Domain is invalid")
	}
	return d, nil
}

// BlockDomain makes accountID block a whole domain for themself, as Mastodon's
// user-level domain blocks do: posts and notifications from the domain's
// accounts leave that user's timelines (a read-time filter, so unblocking
// brings them back), and the user's followers and follow requests from the
// domain are removed, each remote follower getting a Reject of its Follow.
// The user's own follows are kept. Blocking twice is harmless.
func (s *Service) BlockDomain(ctx context.Context, accountID int64, domain string) error {
	me, err := s.localAccount(ctx, accountID)
	if err != nil {
		return err
	}
	if domain, err = NormalizeDomain(domain); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.InsertUserDomainBlock(ctx, me.ID, domain); err != nil {
			return err
		}
		follows, followers, err := tx.FollowsFromDomain(ctx, me.ID, domain)
		if err != nil {
			return err
		}
		for i, f := range follows {
			if _, err := tx.DeleteFollow(ctx, f.AccountID, me.ID); err != nil {
				return err
			}
			if err := tx.DeleteNotificationsFrom(ctx, me.ID, f.AccountID, store.NotifyFollowRequest, 0); err != nil {
				return err
			}
			if err := s.fed.SendAccept(ctx, tx, me, followers[i], f.URI, false); err != nil {
				return err
			}
		}
		return nil
	})
}

// UnblockDomain lifts accountID's block of domain, if any. Removed followers
// stay removed.
func (s *Service) UnblockDomain(ctx context.Context, accountID int64, domain string) error {
	me, err := s.localAccount(ctx, accountID)
	if err != nil {
		return err
	}
	if domain, err = NormalizeDomain(domain); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *store.Tx) error {
		return tx.DeleteUserDomainBlock(ctx, me.ID, domain)
	})
}
