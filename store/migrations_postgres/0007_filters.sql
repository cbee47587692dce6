-- Keyword filters (Mastodon's v2 filters): a filter has a title, the contexts
-- it applies in, an action and an optional expiry; its keywords and its
-- individually filtered statuses are child rows. v1 filters are one keyword
-- of a filter. Times are Unix milliseconds (UTC), 0 for "never".
CREATE TABLE filters (
	id          BIGINT  PRIMARY KEY,
	account_id  BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	title       TEXT    NOT NULL,
	context     TEXT    NOT NULL, -- comma-separated: home,notifications,public,thread,account
	action      TEXT    NOT NULL DEFAULT 'warn', -- warn, hide, blur
	expires_at  BIGINT  NOT NULL DEFAULT 0,
	created_at  BIGINT  NOT NULL
);
CREATE INDEX filters_account ON filters (account_id, id);

CREATE TABLE filter_keywords (
	id          BIGINT  PRIMARY KEY,
	filter_id   BIGINT  NOT NULL REFERENCES filters (id) ON DELETE CASCADE,
	keyword     TEXT    NOT NULL,
	whole_word  BIGINT  NOT NULL DEFAULT 1
);
CREATE INDEX filter_keywords_filter ON filter_keywords (filter_id, id);

CREATE TABLE filter_statuses (
	id          BIGINT  PRIMARY KEY,
	filter_id   BIGINT  NOT NULL REFERENCES filters (id) ON DELETE CASCADE,
	status_id   BIGINT  NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
	UNIQUE (filter_id, status_id)
);
CREATE INDEX filter_statuses_status ON filter_statuses (status_id);
