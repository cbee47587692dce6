-- GoToSocial's interactionPolicy of a remote post: who may like, reply to and
-- boost it without (or only with) the author's approval. One row per post
-- that carries a policy; a post without one allows everything.
CREATE TABLE status_interaction_policies (
	status_id  BIGINT  PRIMARY KEY REFERENCES statuses (id) ON DELETE CASCADE,
	policy     TEXT    NOT NULL -- JSON of store.InteractionPolicy
);

-- statuses_count and last_status_at count boosts, as Mastodon's do (issue 14):
-- the account_counts status triggers of 0019 drop their reblog_of_id condition.
-- (This file must run after 0019_account_counts.sql.)
DROP TRIGGER account_counts_status_insert ON statuses;
DROP TRIGGER account_counts_status_update ON statuses;
DROP TRIGGER account_counts_status_delete ON statuses;
DROP INDEX statuses_local_counted;
CREATE INDEX statuses_local_counted ON statuses (account_id, created_at) WHERE local = 1 AND deleted_at = 0;

CREATE OR REPLACE FUNCTION account_counts_status_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO account_counts (account_id) VALUES (NEW.account_id) ON CONFLICT DO NOTHING;
	UPDATE account_counts SET statuses = statuses + 1, last_status_at = GREATEST(last_status_at, NEW.created_at)
		WHERE account_id = NEW.account_id;
	RETURN NULL;
END;
$$;
CREATE TRIGGER account_counts_status_insert AFTER INSERT ON statuses
	FOR EACH ROW WHEN (NEW.local = 1 AND NEW.deleted_at = 0)
	EXECUTE FUNCTION account_counts_status_insert();

CREATE OR REPLACE FUNCTION account_counts_status_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE account_counts SET statuses = statuses - 1 WHERE account_id = OLD.account_id
		AND OLD.local = 1 AND OLD.deleted_at = 0;
	INSERT INTO account_counts (account_id) SELECT NEW.account_id
		WHERE NEW.local = 1 AND NEW.deleted_at = 0
		ON CONFLICT DO NOTHING;
	UPDATE account_counts SET statuses = statuses + 1 WHERE account_id = NEW.account_id
		AND NEW.local = 1 AND NEW.deleted_at = 0;
	UPDATE account_counts SET last_status_at = (SELECT coalesce(max(s.created_at), 0) FROM statuses s
			WHERE s.account_id = account_counts.account_id AND s.local = 1 AND s.deleted_at = 0)
		WHERE account_id IN (OLD.account_id, NEW.account_id);
	RETURN NULL;
END;
$$;
CREATE TRIGGER account_counts_status_update AFTER UPDATE OF local, deleted_at, account_id, created_at ON statuses
	FOR EACH ROW WHEN ((OLD.local = 1 AND OLD.deleted_at = 0) OR (NEW.local = 1 AND NEW.deleted_at = 0))
	EXECUTE FUNCTION account_counts_status_update();

CREATE OR REPLACE FUNCTION account_counts_status_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE account_counts SET statuses = statuses - 1,
		last_status_at = (SELECT coalesce(max(s.created_at), 0) FROM statuses s
			WHERE s.account_id = OLD.account_id AND s.local = 1 AND s.deleted_at = 0)
		WHERE account_id = OLD.account_id;
	RETURN NULL;
END;
$$;
CREATE TRIGGER account_counts_status_delete AFTER DELETE ON statuses
	FOR EACH ROW WHEN (OLD.local = 1 AND OLD.deleted_at = 0)
	EXECUTE FUNCTION account_counts_status_delete();

INSERT INTO account_counts (account_id) SELECT DISTINCT account_id FROM statuses WHERE local = 1 AND deleted_at = 0
	ON CONFLICT DO NOTHING;
UPDATE account_counts SET
	statuses = (SELECT count(*) FROM statuses s WHERE s.account_id = account_counts.account_id AND s.local = 1
		AND s.deleted_at = 0),
	last_status_at = (SELECT coalesce(max(s.created_at), 0) FROM statuses s WHERE s.account_id = account_counts.account_id
		AND s.local = 1 AND s.deleted_at = 0);
