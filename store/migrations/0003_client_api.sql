-- Client API (Mastodon REST): home feeds, idempotency keys, markers, bookmarks,
-- blocks, mutes and pins. Times are Unix milliseconds (UTC).

-- The home timeline of each local user, filled on write as Mastodon fills its
-- feeds: the triggers below add a status for the author (when local), for every
-- local accepted follower of its author and, for direct posts, for the local
-- accounts it mentions. Reading a page is then one index range scan, whatever
-- the number of follows and statuses (docs/bench-mastoapi.md).
CREATE TABLE home_feed (
	account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE, -- local reader
	status_id   INTEGER NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
	author_id   INTEGER NOT NULL, -- statuses.account_id (the booster for a boost)
	PRIMARY KEY (account_id, status_id)
) WITHOUT ROWID;
CREATE INDEX home_feed_author ON home_feed (account_id, author_id);

CREATE TRIGGER home_feed_on_status AFTER INSERT ON statuses
BEGIN
	INSERT OR IGNORE INTO home_feed (account_id, status_id, author_id)
		SELECT NEW.account_id, NEW.id, NEW.account_id
		WHERE EXISTS (SELECT 1 FROM users WHERE account_id = NEW.account_id);
	INSERT OR IGNORE INTO home_feed (account_id, status_id, author_id)
		SELECT f.account_id, NEW.id, NEW.account_id
		FROM follows f JOIN users u ON u.account_id = f.account_id
		WHERE f.target_account_id = NEW.account_id AND f.accepted = 1 AND NEW.visibility <> 'direct';
END;

CREATE TRIGGER home_feed_on_mention AFTER INSERT ON mentions
BEGIN
	INSERT OR IGNORE INTO home_feed (account_id, status_id, author_id)
		SELECT NEW.account_id, s.id, s.account_id
		FROM statuses s
		WHERE s.id = NEW.status_id AND s.visibility = 'direct'
			AND EXISTS (SELECT 1 FROM users WHERE account_id = NEW.account_id);
END;

-- A follow that becomes accepted brings the followed account's recent posts
-- into the follower's feed; an ended follow takes them out.
CREATE TRIGGER home_feed_on_follow AFTER INSERT ON follows WHEN NEW.accepted = 1
BEGIN
	INSERT OR IGNORE INTO home_feed (account_id, status_id, author_id)
		SELECT NEW.account_id, s.id, s.account_id
		FROM statuses s
		WHERE s.account_id = NEW.target_account_id AND s.deleted_at = 0 AND s.visibility <> 'direct'
			AND EXISTS (SELECT 1 FROM users WHERE account_id = NEW.account_id)
		ORDER BY s.id DESC LIMIT 400;
END;

CREATE TRIGGER home_feed_on_accept AFTER UPDATE OF accepted ON follows WHEN NEW.accepted = 1 AND OLD.accepted = 0
BEGIN
	INSERT OR IGNORE INTO home_feed (account_id, status_id, author_id)
		SELECT NEW.account_id, s.id, s.account_id
		FROM statuses s
		WHERE s.account_id = NEW.target_account_id AND s.deleted_at = 0 AND s.visibility <> 'direct'
			AND EXISTS (SELECT 1 FROM users WHERE account_id = NEW.account_id)
		ORDER BY s.id DESC LIMIT 400;
END;

CREATE TRIGGER home_feed_on_unfollow AFTER DELETE ON follows
BEGIN
	DELETE FROM home_feed WHERE account_id = OLD.account_id AND author_id = OLD.target_account_id;
END;

-- Feeds of the follows and statuses that exist already.
INSERT OR IGNORE INTO home_feed (account_id, status_id, author_id)
	SELECT s.account_id, s.id, s.account_id FROM statuses s JOIN users u ON u.account_id = s.account_id;
INSERT OR IGNORE INTO home_feed (account_id, status_id, author_id)
	SELECT f.account_id, s.id, s.account_id
	FROM follows f JOIN users u ON u.account_id = f.account_id JOIN statuses s ON s.account_id = f.target_account_id
	WHERE f.accepted = 1 AND s.visibility <> 'direct';

-- (The local timeline uses statuses_local_public from 0004_web.sql.)

CREATE INDEX favourites_account ON favourites (account_id, id);

-- Idempotency-Key of POST /api/v1/statuses, kept one hour (interop.md C.3).
CREATE TABLE idempotency_keys (
	account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	key         TEXT    NOT NULL,
	status_id   INTEGER NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
	created_at  INTEGER NOT NULL,
	PRIMARY KEY (account_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- Read positions (GET/POST /api/v1/markers).
CREATE TABLE markers (
	account_id    INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	timeline      TEXT    NOT NULL, -- home, notifications
	last_read_id  TEXT    NOT NULL,
	version       INTEGER NOT NULL DEFAULT 1,
	updated_at    INTEGER NOT NULL,
	PRIMARY KEY (account_id, timeline)
);

CREATE TABLE bookmarks (
	id          INTEGER PRIMARY KEY,
	account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	status_id   INTEGER NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
	created_at  INTEGER NOT NULL,
	UNIQUE (account_id, status_id)
);
CREATE INDEX bookmarks_account ON bookmarks (account_id, id);

CREATE TABLE blocks (
	id                 INTEGER PRIMARY KEY,
	account_id         INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	target_account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	uri                TEXT    NOT NULL DEFAULT '', -- the Block activity id
	created_at         INTEGER NOT NULL,
	UNIQUE (account_id, target_account_id)
);
CREATE INDEX blocks_target ON blocks (target_account_id);

CREATE TABLE mutes (
	id                 INTEGER PRIMARY KEY,
	account_id         INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	target_account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	notifications      INTEGER NOT NULL DEFAULT 1,
	created_at         INTEGER NOT NULL,
	UNIQUE (account_id, target_account_id)
);

CREATE TABLE status_pins (
	id          INTEGER PRIMARY KEY,
	account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	status_id   INTEGER NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
	created_at  INTEGER NOT NULL,
	UNIQUE (account_id, status_id)
);
