-- Client API (Mastodon REST): home feeds, idempotency keys, markers, bookmarks,
-- blocks, mutes and pins. Times are Unix milliseconds (UTC).

-- The home timeline of each local user, filled on write as Mastodon fills its
-- feeds: the triggers below add a status for the author (when local), for every
-- local accepted follower of its author and, for direct posts, for the local
-- accounts it mentions. Reading a page is then one index range scan, whatever
-- the number of follows and statuses (docs/bench-mastoapi.md).
CREATE TABLE home_feed (
	account_id  BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE, -- local reader
	status_id   BIGINT  NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
	author_id   BIGINT  NOT NULL, -- statuses.account_id (the booster for a boost)
	PRIMARY KEY (account_id, status_id)
);
CREATE INDEX home_feed_author ON home_feed (account_id, author_id);

CREATE FUNCTION home_feed_on_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO home_feed (account_id, status_id, author_id)
		SELECT NEW.account_id, NEW.id, NEW.account_id
		WHERE EXISTS (SELECT 1 FROM users WHERE account_id = NEW.account_id)
		ON CONFLICT DO NOTHING;
	INSERT INTO home_feed (account_id, status_id, author_id)
		SELECT f.account_id, NEW.id, NEW.account_id
		FROM follows f JOIN users u ON u.account_id = f.account_id
		WHERE f.target_account_id = NEW.account_id AND f.accepted = 1 AND NEW.visibility <> 'direct'
		ON CONFLICT DO NOTHING;
	RETURN NULL;
END;
$$;
CREATE TRIGGER home_feed_on_status AFTER INSERT ON statuses
	FOR EACH ROW EXECUTE FUNCTION home_feed_on_status();

CREATE FUNCTION home_feed_on_mention() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO home_feed (account_id, status_id, author_id)
		SELECT NEW.account_id, s.id, s.account_id
		FROM statuses s
		WHERE s.id = NEW.status_id AND s.visibility = 'direct'
			AND EXISTS (SELECT 1 FROM users WHERE account_id = NEW.account_id)
		ON CONFLICT DO NOTHING;
	RETURN NULL;
END;
$$;
CREATE TRIGGER home_feed_on_mention AFTER INSERT ON mentions
	FOR EACH ROW EXECUTE FUNCTION home_feed_on_mention();

-- A follow that becomes accepted brings the followed account's recent posts
-- into the follower's feed; an ended follow takes them out. One function
-- serves the insert and the accept trigger.
CREATE FUNCTION home_feed_on_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO home_feed (account_id, status_id, author_id)
		SELECT NEW.account_id, s.id, s.account_id
		FROM statuses s
		WHERE s.account_id = NEW.target_account_id AND s.deleted_at = 0 AND s.visibility <> 'direct'
			AND EXISTS (SELECT 1 FROM users WHERE account_id = NEW.account_id)
		ORDER BY s.id DESC LIMIT 400
		ON CONFLICT DO NOTHING;
	RETURN NULL;
END;
$$;
CREATE TRIGGER home_feed_on_follow AFTER INSERT ON follows
	FOR EACH ROW WHEN (NEW.accepted = 1) EXECUTE FUNCTION home_feed_on_follow();

CREATE TRIGGER home_feed_on_accept AFTER UPDATE OF accepted ON follows
	FOR EACH ROW WHEN (NEW.accepted = 1 AND OLD.accepted = 0) EXECUTE FUNCTION home_feed_on_follow();

CREATE FUNCTION home_feed_on_unfollow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM home_feed WHERE account_id = OLD.account_id AND author_id = OLD.target_account_id;
	RETURN NULL;
END;
$$;
CREATE TRIGGER home_feed_on_unfollow AFTER DELETE ON follows
	FOR EACH ROW EXECUTE FUNCTION home_feed_on_unfollow();

-- Feeds of the follows and statuses that exist already.
INSERT INTO home_feed (account_id, status_id, author_id)
	SELECT s.account_id, s.id, s.account_id FROM statuses s JOIN users u ON u.account_id = s.account_id
	ON CONFLICT DO NOTHING;
INSERT INTO home_feed (account_id, status_id, author_id)
	SELECT f.account_id, s.id, s.account_id
	FROM follows f JOIN users u ON u.account_id = f.account_id JOIN statuses s ON s.account_id = f.target_account_id
	WHERE f.accepted = 1 AND s.visibility <> 'direct'
	ON CONFLICT DO NOTHING;

-- (The local timeline uses statuses_local_public from 0004_web.sql.)

CREATE INDEX favourites_account ON favourites (account_id, id);

-- Idempotency-Key of POST /api/v1/statuses, kept one hour (interop.md C.3).
CREATE TABLE idempotency_keys (
	account_id  BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	key         TEXT    NOT NULL,
	status_id   BIGINT  NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
	created_at  BIGINT  NOT NULL,
	PRIMARY KEY (account_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- Read positions (GET/POST /api/v1/markers).
CREATE TABLE markers (
	account_id    BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	timeline      TEXT    NOT NULL, -- home, notifications
	last_read_id  TEXT    NOT NULL,
	version       BIGINT  NOT NULL DEFAULT 1,
	updated_at    BIGINT  NOT NULL,
	PRIMARY KEY (account_id, timeline)
);

CREATE TABLE bookmarks (
	id          BIGINT  PRIMARY KEY,
	account_id  BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	status_id   BIGINT  NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
	created_at  BIGINT  NOT NULL,
	UNIQUE (account_id, status_id)
);
CREATE INDEX bookmarks_account ON bookmarks (account_id, id);

CREATE TABLE blocks (
	id                 BIGINT  PRIMARY KEY,
	account_id         BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	target_account_id  BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	uri                TEXT    NOT NULL DEFAULT '', -- the Block activity id
	created_at         BIGINT  NOT NULL,
	UNIQUE (account_id, target_account_id)
);
CREATE INDEX blocks_target ON blocks (target_account_id);

CREATE TABLE mutes (
	id                 BIGINT  PRIMARY KEY,
	account_id         BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	target_account_id  BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	notifications      BIGINT  NOT NULL DEFAULT 1,
	created_at         BIGINT  NOT NULL,
	UNIQUE (account_id, target_account_id)
);

CREATE TABLE status_pins (
	id          BIGINT  PRIMARY KEY,
	account_id  BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	status_id   BIGINT  NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
	created_at  BIGINT  NOT NULL,
	UNIQUE (account_id, status_id)
);
