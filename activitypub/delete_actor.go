package activitypub

import "github.com/pictor-social/pictor/store"

// DeleteActor renders the Delete of a local actor that closed its account:
// actor and object are both the actor's id, addressed to the public, with
// the id Mastodon uses ("<actor>#delete"). Deliver it signed by the actor's
// own key, after which the actor answers 410.
func DeleteActor(a store.Account) activityDoc {
	return activityDoc{Context: Context(), ID: a.URI + "#delete", Type: "Delete", Actor: a.URI,
		To: IRIs{Public}, Object: a.URI}
}
