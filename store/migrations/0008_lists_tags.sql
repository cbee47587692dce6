-- Lists (GET/POST /api/v1/lists and the list timeline) and followed hashtags.
-- Times are Unix milliseconds (UTC).

CREATE TABLE lists (
	id              INTEGER PRIMARY KEY, -- snowflake, shown to clients as a decimal string
	account_id      INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE, -- owner (local)
	title           TEXT    NOT NULL,
	replies_policy  TEXT    NOT NULL DEFAULT 'list', -- followed, list, none
	exclusive       INTEGER NOT NULL DEFAULT 0,      -- members' posts stay out of the owner's home
	created_at      INTEGER NOT NULL
);
CREATE INDEX lists_account ON lists (account_id, id);

-- Members of a list; the id is the paging key of GET /api/v1/lists/:id/accounts.
CREATE TABLE list_accounts (
	id          INTEGER PRIMARY KEY,
	list_id     INTEGER NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
	account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	created_at  INTEGER NOT NULL,
	UNIQUE (list_id, account_id)
);
CREATE INDEX list_accounts_account ON list_accounts (account_id, list_id);

-- The timeline of each list, filled on write like home_feed (0003): a status
-- by a member goes into every list holding its author, and a new member
-- brings its recent posts. Reading a page is one primary-key range scan.
-- Direct posts never enter a list (Mastodon's lists show what home shows of
-- the followed members, minus direct messages).
CREATE TABLE list_feed (
	list_id    INTEGER NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
	status_id  INTEGER NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
	author_id  INTEGER NOT NULL, -- statuses.account_id (the booster for a boost)
	PRIMARY KEY (list_id, status_id)
) WITHOUT ROWID;
CREATE INDEX list_feed_author ON list_feed (list_id, author_id);

CREATE TRIGGER list_feed_on_status AFTER INSERT ON statuses WHEN NEW.visibility <> 'direct'
BEGIN
	INSERT OR IGNORE INTO list_feed (list_id, status_id, author_id)
		SELECT la.list_id, NEW.id, NEW.account_id FROM list_accounts la WHERE la.account_id = NEW.account_id;
END;

CREATE TRIGGER list_feed_on_member AFTER INSERT ON list_accounts
BEGIN
	INSERT OR IGNORE INTO list_feed (list_id, status_id, author_id)
		SELECT NEW.list_id, s.id, s.account_id
		FROM statuses s
		WHERE s.account_id = NEW.account_id AND s.deleted_at = 0 AND s.visibility <> 'direct'
		ORDER BY s.id DESC LIMIT 400;
END;

CREATE TRIGGER list_feed_on_member_removed AFTER DELETE ON list_accounts
BEGIN
	DELETE FROM list_feed WHERE list_id = OLD.list_id AND author_id = OLD.account_id;
END;

-- An ended follow (unfollow, block, remote Undo or Reject) takes the account
-- out of the follower's lists, as Mastodon does.
CREATE TRIGGER list_accounts_on_unfollow AFTER DELETE ON follows
BEGIN
	DELETE FROM list_accounts
	WHERE account_id = OLD.target_account_id
		AND list_id IN (SELECT id FROM lists WHERE account_id = OLD.account_id);
END;

-- Hashtags a local user follows; the id is the paging key of
-- GET /api/v1/followed_tags.
CREATE TABLE tag_follows (
	id          INTEGER PRIMARY KEY,
	account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	tag_id      INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
	created_at  INTEGER NOT NULL,
	UNIQUE (account_id, tag_id)
);
CREATE INDEX tag_follows_tag ON tag_follows (tag_id, account_id);

-- A public post (local, or remote once it reached Pictor) carrying a followed
-- hashtag goes into each follower's home feed, as Mastodon inserts it.
-- status_tags rows are written right after their status, in the same
-- transaction; edits rewrite them, so a tag added by an edit counts too.
CREATE TRIGGER home_feed_on_followed_tag AFTER INSERT ON status_tags
BEGIN
	INSERT OR IGNORE INTO home_feed (account_id, status_id, author_id)
		SELECT tf.account_id, s.id, s.account_id
		FROM tag_follows tf JOIN statuses s ON s.id = NEW.status_id
		WHERE tf.tag_id = NEW.tag_id AND s.visibility = 'public' AND s.deleted_at = 0 AND s.reblog_of_id IS NULL;
END;
