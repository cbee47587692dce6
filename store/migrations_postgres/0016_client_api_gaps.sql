-- What Mastodon apps set and read that Pictor dropped before: posting
-- defaults (update_credentials source[...]), private notes on accounts,
-- endorsed accounts and featured hashtags. Times are Unix milliseconds.

-- Posting defaults of a local user, used when a new status omits them.
ALTER TABLE users ADD COLUMN default_visibility TEXT NOT NULL DEFAULT 'public';
ALTER TABLE users ADD COLUMN default_sensitive BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN default_language TEXT NOT NULL DEFAULT ''; -- ISO 639-1; '' for none

-- A user's private note about another account (relationship "note").
CREATE TABLE account_notes (
	account_id         BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	target_account_id  BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	comment            TEXT    NOT NULL,
	updated_at         BIGINT  NOT NULL,
	PRIMARY KEY (account_id, target_account_id)
);

-- Endorsed ("featured") accounts of a user; only followed accounts can be
-- endorsed, so ending the follow ends the endorsement, as Mastodon's Follow
-- does on destroy.
CREATE TABLE account_pins (
	id                 BIGINT  PRIMARY KEY,
	account_id         BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	target_account_id  BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	created_at         BIGINT  NOT NULL,
	UNIQUE (account_id, target_account_id)
);
CREATE FUNCTION account_pins_follow_gone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM account_pins WHERE account_id = OLD.account_id AND target_account_id = OLD.target_account_id;
	RETURN NULL;
END;
$$;
CREATE TRIGGER account_pins_follow_gone AFTER DELETE ON follows
	FOR EACH ROW EXECUTE FUNCTION account_pins_follow_gone();

-- Hashtags a local user features on their profile.
CREATE TABLE featured_tags (
	id          BIGINT  PRIMARY KEY,
	account_id  BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	tag_id      BIGINT  NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
	created_at  BIGINT  NOT NULL,
	UNIQUE (account_id, tag_id)
);

-- Directory: discoverable live accounts, newest first (order=new).
CREATE INDEX accounts_directory ON accounts (id DESC) WHERE discoverable = 1 AND deleted_at = 0 AND suspended_at = 0;
