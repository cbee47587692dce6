-- Lists (GET/POST /api/v1/lists and the list timeline) and followed hashtags.
-- Times are Unix milliseconds (UTC).

CREATE TABLE lists (
	id              BIGINT  PRIMARY KEY, -- snowflake, shown to clients as a decimal string
	account_id      BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE, -- owner (local)
	title           TEXT    NOT NULL,
	replies_policy  TEXT    NOT NULL DEFAULT 'list', -- followed, list, none
	exclusive       BIGINT  NOT NULL DEFAULT 0,      -- members' posts stay out of the owner's home
	created_at      BIGINT  NOT NULL
);
CREATE INDEX lists_account ON lists (account_id, id);

-- Members of a list; the id is the paging key of GET /api/v1/lists/:id/accounts.
CREATE TABLE list_accounts (
	id          BIGINT  PRIMARY KEY,
	list_id     BIGINT  NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
	account_id  BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	created_at  BIGINT  NOT NULL,
	UNIQUE (list_id, account_id)
);
CREATE INDEX list_accounts_account ON list_accounts (account_id, list_id);

-- The timeline of each list, filled on write like home_feed (0003): a status
-- by a member goes into every list holding its author, and a new member
-- brings its recent posts. Reading a page is one primary-key range scan.
-- Direct posts never enter a list (Mastodon's lists show what home shows of
-- the followed members, minus direct messages).
CREATE TABLE list_feed (
	list_id    BIGINT  NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
	status_id  BIGINT  NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
	author_id  BIGINT  NOT NULL, -- statuses.account_id (the booster for a boost)
	PRIMARY KEY (list_id, status_id)
);
CREATE INDEX list_feed_author ON list_feed (list_id, author_id);

CREATE FUNCTION list_feed_on_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO list_feed (list_id, status_id, author_id)
		SELECT la.list_id, NEW.id, NEW.account_id FROM list_accounts la WHERE la.account_id = NEW.account_id
		ON CONFLICT DO NOTHING;
	RETURN NULL;
END;
$$;
CREATE TRIGGER list_feed_on_status AFTER INSERT ON statuses
	FOR EACH ROW WHEN (NEW.visibility <> 'direct') EXECUTE FUNCTION list_feed_on_status();

CREATE FUNCTION list_feed_on_member() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO list_feed (list_id, status_id, author_id)
		SELECT NEW.list_id, s.id, s.account_id
		FROM statuses s
		WHERE s.account_id = NEW.account_id AND s.deleted_at = 0 AND s.visibility <> 'direct'
		ORDER BY s.id DESC LIMIT 400
		ON CONFLICT DO NOTHING;
	RETURN NULL;
END;
$$;
CREATE TRIGGER list_feed_on_member AFTER INSERT ON list_accounts
	FOR EACH ROW EXECUTE FUNCTION list_feed_on_member();

CREATE FUNCTION list_feed_on_member_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM list_feed WHERE list_id = OLD.list_id AND author_id = OLD.account_id;
	RETURN NULL;
END;
$$;
CREATE TRIGGER list_feed_on_member_removed AFTER DELETE ON list_accounts
	FOR EACH ROW EXECUTE FUNCTION list_feed_on_member_removed();

-- An ended follow (unfollow, block, remote Undo or Reject) takes the account
-- out of the follower's lists, as Mastodon does.
CREATE FUNCTION list_accounts_on_unfollow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM list_accounts
	WHERE account_id = OLD.target_account_id
		AND list_id IN (SELECT id FROM lists WHERE account_id = OLD.account_id);
	RETURN NULL;
END;
$$;
CREATE TRIGGER list_accounts_on_unfollow AFTER DELETE ON follows
	FOR EACH ROW EXECUTE FUNCTION list_accounts_on_unfollow();

-- Hashtags a local user follows; the id is the paging key of
-- GET /api/v1/followed_tags.
CREATE TABLE tag_follows (
	id          BIGINT  PRIMARY KEY,
	account_id  BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	tag_id      BIGINT  NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
	created_at  BIGINT  NOT NULL,
	UNIQUE (account_id, tag_id)
);
CREATE INDEX tag_follows_tag ON tag_follows (tag_id, account_id);

-- A public post (local, or remote once it reached Pictor) carrying a followed
-- hashtag goes into each follower's home feed, as Mastodon inserts it.
-- status_tags rows are written right after their status, in the same
-- transaction; edits rewrite them, so a tag added by an edit counts too.
CREATE FUNCTION home_feed_on_followed_tag() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO home_feed (account_id, status_id, author_id)
		SELECT tf.account_id, s.id, s.account_id
		FROM tag_follows tf JOIN statuses s ON s.id = NEW.status_id
		WHERE tf.tag_id = NEW.tag_id AND s.visibility = 'public' AND s.deleted_at = 0 AND s.reblog_of_id IS NULL
		ON CONFLICT DO NOTHING;
	RETURN NULL;
END;
$$;
CREATE TRIGGER home_feed_on_followed_tag AFTER INSERT ON status_tags
	FOR EACH ROW EXECUTE FUNCTION home_feed_on_followed_tag();
