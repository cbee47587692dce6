-- GoToSocial's interactionPolicy of a remote post: who may like, reply to and
-- boost it without (or only with) the author's approval. One row per post
-- that carries a policy; a post without one allows everything.
CREATE TABLE status_interaction_policies (
	status_id  INTEGER PRIMARY KEY REFERENCES statuses (id) ON DELETE CASCADE,
	policy     TEXT    NOT NULL -- JSON of store.InteractionPolicy
);
