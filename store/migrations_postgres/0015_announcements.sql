-- Instance announcements, as Mastodon's: notices an admin publishes that
-- every app shows at the top. Times are Unix milliseconds; 0 means unset
-- (no start, no end, not published).
CREATE TABLE announcements (
	id            BIGINT  PRIMARY KEY,
	text          TEXT    NOT NULL,
	starts_at     BIGINT  NOT NULL DEFAULT 0,
	ends_at       BIGINT  NOT NULL DEFAULT 0,
	all_day       BIGINT  NOT NULL DEFAULT 0,
	published_at  BIGINT  NOT NULL DEFAULT 0,
	created_at    BIGINT  NOT NULL,
	updated_at    BIGINT  NOT NULL
);
CREATE INDEX announcements_published ON announcements (published_at) WHERE published_at <> 0;

-- Which users dismissed (read) which announcement.
CREATE TABLE announcement_reads (
	account_id       BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	announcement_id  BIGINT  NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
	PRIMARY KEY (account_id, announcement_id)
);
CREATE INDEX announcement_reads_announcement ON announcement_reads (announcement_id);

-- Emoji reactions: a user reacts with a given emoji at most once.
CREATE TABLE announcement_reactions (
	announcement_id  BIGINT  NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
	account_id       BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	name             TEXT    NOT NULL,
	created_at       BIGINT  NOT NULL,
	PRIMARY KEY (announcement_id, account_id, name)
);
CREATE INDEX announcement_reactions_account ON announcement_reactions (account_id);
