-- The assistant (issue 11): calls made to the chat model per account, feature
-- and UTC day, for the per-user daily quotas (account_id 0 is the instance
-- itself, e.g. screening of remote posts), and each user's assistant settings.
CREATE TABLE assistant_usage (
	account_id BIGINT NOT NULL,
	feature    TEXT   NOT NULL, -- suggestions, descriptions, screening, ...
	day        BIGINT NOT NULL, -- days since 1970-01-01, UTC
	calls      BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (account_id, feature, day)
);
CREATE TABLE assistant_settings (
	account_id        BIGINT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
	reply_suggestions BIGINT NOT NULL DEFAULT 0,
	updated_at        BIGINT NOT NULL
);
