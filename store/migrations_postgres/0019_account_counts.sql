-- Per-account counters kept by triggers, as Mastodon keeps account_stats:
-- counting a local account's statuses on every render of it read every one
-- of its rows (half the CPU of an account's statuses page), and NodeInfo
-- counted the local statuses over the whole table (issue 9).
--
-- followers and following count accepted follows of every account;
-- statuses and last_status_at cover local, not deleted, original statuses
-- (remote accounts carry the counts their server published). A missing row
-- means zeros. Decrements only ever UPDATE, so a cascade that runs after the
-- account's own row went is a no-op.
CREATE TABLE account_counts (
	account_id     BIGINT  PRIMARY KEY,
	followers      BIGINT  NOT NULL DEFAULT 0,
	following      BIGINT  NOT NULL DEFAULT 0,
	statuses       BIGINT  NOT NULL DEFAULT 0,
	last_status_at BIGINT  NOT NULL DEFAULT 0
);

-- Finds an account's newest counted status when its newest one goes.
CREATE INDEX statuses_local_counted ON statuses (account_id, created_at)
	WHERE local = 1 AND deleted_at = 0 AND reblog_of_id IS NULL;

INSERT INTO account_counts (account_id, followers, following, statuses, last_status_at)
SELECT a.id,
	(SELECT count(*) FROM follows f WHERE f.target_account_id = a.id AND f.accepted = 1),
	(SELECT count(*) FROM follows f WHERE f.account_id = a.id AND f.accepted = 1),
	(SELECT count(*) FROM statuses s WHERE s.account_id = a.id AND s.local = 1 AND s.deleted_at = 0
		AND s.reblog_of_id IS NULL),
	(SELECT coalesce(max(s.created_at), 0) FROM statuses s WHERE s.account_id = a.id AND s.local = 1
		AND s.deleted_at = 0 AND s.reblog_of_id IS NULL)
FROM accounts a
WHERE a.domain = '' OR EXISTS (SELECT 1 FROM follows f WHERE f.account_id = a.id OR f.target_account_id = a.id);

CREATE FUNCTION account_counts_account_gone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM account_counts WHERE account_id = OLD.id;
	RETURN NULL;
END;
$$;
CREATE TRIGGER account_counts_account_gone AFTER DELETE ON accounts
	FOR EACH ROW EXECUTE FUNCTION account_counts_account_gone();

-- A follow starts counting (inserted accepted, or accepted later).
CREATE FUNCTION account_counts_follow_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO account_counts (account_id) VALUES (NEW.account_id), (NEW.target_account_id) ON CONFLICT DO NOTHING;
	UPDATE account_counts SET following = following + 1 WHERE account_id = NEW.account_id;
	UPDATE account_counts SET followers = followers + 1 WHERE account_id = NEW.target_account_id;
	RETURN NULL;
END;
$$;
CREATE TRIGGER account_counts_follow_insert AFTER INSERT ON follows
	FOR EACH ROW WHEN (NEW.accepted = 1) EXECUTE FUNCTION account_counts_follow_insert();

CREATE TRIGGER account_counts_follow_accept AFTER UPDATE OF accepted ON follows
	FOR EACH ROW WHEN (NEW.accepted = 1 AND OLD.accepted = 0) EXECUTE FUNCTION account_counts_follow_insert();

-- A follow stops counting (unaccepted, or deleted while accepted).
CREATE FUNCTION account_counts_follow_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE account_counts SET following = following - 1 WHERE account_id = OLD.account_id;
	UPDATE account_counts SET followers = followers - 1 WHERE account_id = OLD.target_account_id;
	RETURN NULL;
END;
$$;
CREATE TRIGGER account_counts_follow_unaccept AFTER UPDATE OF accepted ON follows
	FOR EACH ROW WHEN (NEW.accepted = 0 AND OLD.accepted = 1) EXECUTE FUNCTION account_counts_follow_delete();

CREATE TRIGGER account_counts_follow_delete AFTER DELETE ON follows
	FOR EACH ROW WHEN (OLD.accepted = 1) EXECUTE FUNCTION account_counts_follow_delete();

CREATE FUNCTION account_counts_status_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO account_counts (account_id) VALUES (NEW.account_id) ON CONFLICT DO NOTHING;
	UPDATE account_counts SET statuses = statuses + 1, last_status_at = GREATEST(last_status_at, NEW.created_at)
		WHERE account_id = NEW.account_id;
	RETURN NULL;
END;
$$;
CREATE TRIGGER account_counts_status_insert AFTER INSERT ON statuses
	FOR EACH ROW WHEN (NEW.local = 1 AND NEW.deleted_at = 0 AND NEW.reblog_of_id IS NULL)
	EXECUTE FUNCTION account_counts_status_insert();

-- A status stops counting (tombstone, or turned into something else) and/or
-- starts counting; either side may apply, or both (a moved created_at).
CREATE FUNCTION account_counts_status_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE account_counts SET statuses = statuses - 1 WHERE account_id = OLD.account_id
		AND OLD.local = 1 AND OLD.deleted_at = 0 AND OLD.reblog_of_id IS NULL;
	INSERT INTO account_counts (account_id) SELECT NEW.account_id
		WHERE NEW.local = 1 AND NEW.deleted_at = 0 AND NEW.reblog_of_id IS NULL
		ON CONFLICT DO NOTHING;
	UPDATE account_counts SET statuses = statuses + 1 WHERE account_id = NEW.account_id
		AND NEW.local = 1 AND NEW.deleted_at = 0 AND NEW.reblog_of_id IS NULL;
	UPDATE account_counts SET last_status_at = (SELECT coalesce(max(s.created_at), 0) FROM statuses s
			WHERE s.account_id = account_counts.account_id AND s.local = 1 AND s.deleted_at = 0
			AND s.reblog_of_id IS NULL)
		WHERE account_id IN (OLD.account_id, NEW.account_id);
	RETURN NULL;
END;
$$;
CREATE TRIGGER account_counts_status_update AFTER UPDATE OF local, deleted_at, reblog_of_id, account_id, created_at
	ON statuses
	FOR EACH ROW WHEN ((OLD.local = 1 AND OLD.deleted_at = 0 AND OLD.reblog_of_id IS NULL)
		OR (NEW.local = 1 AND NEW.deleted_at = 0 AND NEW.reblog_of_id IS NULL))
	EXECUTE FUNCTION account_counts_status_update();

CREATE FUNCTION account_counts_status_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE account_counts SET statuses = statuses - 1,
		last_status_at = (SELECT coalesce(max(s.created_at), 0) FROM statuses s
			WHERE s.account_id = OLD.account_id AND s.local = 1 AND s.deleted_at = 0 AND s.reblog_of_id IS NULL)
		WHERE account_id = OLD.account_id;
	RETURN NULL;
END;
$$;
CREATE TRIGGER account_counts_status_delete AFTER DELETE ON statuses
	FOR EACH ROW WHEN (OLD.local = 1 AND OLD.deleted_at = 0 AND OLD.reblog_of_id IS NULL)
	EXECUTE FUNCTION account_counts_status_delete();
