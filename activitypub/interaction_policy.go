package activitypub

import "github.com/pictor-social/pictor/store"

// storePolicy converts a post's interactionPolicy for the store; nil when
// the post has none (everything allowed).
func storePolicy(p *InteractionPolicy) *store.InteractionPolicy {
	if p == nil {
		return nil
	}
	return &store.InteractionPolicy{CanLike: storeRule(p.CanLike), CanReply: storeRule(p.CanReply),
		CanAnnounce: storeRule(p.CanAnnounce)}
}

func storeRule(r *InteractionRule) *store.InteractionRule {
	if r == nil {
		return nil
	}
	return &store.InteractionRule{
		Always:   append(append([]string{}, r.Always...), r.AutomaticApproval...),
		Approval: append(append([]string{}, r.ApprovalRequired...), r.ManualApproval...),
	}
}
