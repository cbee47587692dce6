package social

import (
	"context"
	"errors"
	"slices"

	"github.com/pictor-social/pictor/internal/apperr"
	"github.com/pictor-social/pictor/store"
)

// Interactions a remote post's interactionPolicy governs.
const (
	interactLike  = "like"
	interactBoost = "boost"
	interactReply = "reply to"
)

// publicIRIs are the forms of the public collection a policy may list.
var publicIRIs = []string{"https://www.w3.org/ns/activitystreams#Public", "as:Public", "Public"}

// checkInteraction refuses (422) an interaction that the remote post's
// GoToSocial interactionPolicy does not allow me at once: the author's
// server would refuse it, and showing it as done would misstate the counts.
// An interaction that needs the author's approval is refused too, as Pictor
// cannot ask for it. A post without a policy, or a local one, allows all.
func (s *Service) checkInteraction(ctx context.Context, me store.Account, st store.Status, author store.Account, what string) error {
	if author.Local() || author.ID == me.ID {
		return nil
	}
	p, err := s.db.InteractionPolicyOf(ctx, st.ID)
	if err != nil || p == nil {
		return err
	}
	rule := map[string]*store.InteractionRule{interactLike: p.CanLike, interactBoost: p.CanAnnounce, interactReply: p.CanReply}[what]
	if rule == nil {
		return nil
	}
	if ok, err := s.policyMatches(ctx, me, author, rule.Always); err != nil || ok {
		return err
	}
	if ok, err := s.policyMatches(ctx, me, author, rule.Approval); err != nil {
		return err
	} else if ok {
		return apperr.Invalid("the author's server asks for their approval to %s this post, which Pictor cannot request", what)
	}
	return apperr.Invalid("the author does not allow you to %s this post", what)
}

// policyMatches reports whether me is among list: by actor id, through the
// public collection, the author's followers (me following the author) or
// the author's following (the author following me).
func (s *Service) policyMatches(ctx context.Context, me, author store.Account, list []string) (bool, error) {
	for _, iri := range list {
		switch {
		case iri == me.URI || slices.Contains(publicIRIs, iri):
			return true, nil
		case iri != "" && iri == author.FollowersURI:
			if ok, err := s.accepted(ctx, me.ID, author.ID); err != nil || ok {
				return ok, err
			}
		case iri != "" && iri == author.FollowingURI:
			if ok, err := s.accepted(ctx, author.ID, me.ID); err != nil || ok {
				return ok, err
			}
		}
	}
	return false, nil
}

// accepted reports whether follower follows target, accepted.
func (s *Service) accepted(ctx context.Context, follower, target int64) (bool, error) {
	fl, err := s.db.FollowBetween(ctx, follower, target)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil && fl.Accepted, err
}
