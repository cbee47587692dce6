-- OAuth 2 server: registered client apps, authorization codes and access tokens.
-- Client secrets, codes and tokens are stored as hex SHA-256 digests, never in
-- plain text. Times are Unix milliseconds (UTC).

CREATE TABLE oauth_apps (
	id                  BIGINT  PRIMARY KEY,         -- snowflake, shown to clients as a decimal string
	name                TEXT    NOT NULL,
	website             TEXT    NOT NULL DEFAULT '',
	redirect_uris       TEXT    NOT NULL,            -- newline-separated, compared as exact strings
	scopes              TEXT    NOT NULL,            -- space-separated
	client_id           TEXT    NOT NULL UNIQUE,
	client_secret_hash  TEXT    NOT NULL,
	created_at          BIGINT  NOT NULL
);

CREATE TABLE oauth_codes (
	code_hash              TEXT    PRIMARY KEY,
	app_id                 BIGINT  NOT NULL REFERENCES oauth_apps (id) ON DELETE CASCADE,
	account_id             BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	redirect_uri           TEXT    NOT NULL,
	scopes                 TEXT    NOT NULL,
	code_challenge         TEXT    NOT NULL DEFAULT '', -- PKCE; '' when the client sent none
	code_challenge_method  TEXT    NOT NULL DEFAULT '',
	created_at             BIGINT  NOT NULL,
	expires_at             BIGINT  NOT NULL,
	used_at                BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX oauth_codes_expires ON oauth_codes (expires_at);

CREATE TABLE oauth_tokens (
	id            BIGINT  PRIMARY KEY,
	token_hash    TEXT    NOT NULL UNIQUE,
	app_id        BIGINT  NOT NULL REFERENCES oauth_apps (id) ON DELETE CASCADE,
	account_id    BIGINT  REFERENCES accounts (id) ON DELETE CASCADE, -- NULL for client_credentials tokens
	scopes        TEXT    NOT NULL,
	code_hash     TEXT    NOT NULL DEFAULT '', -- the code it was exchanged for, to revoke on code replay
	created_at    BIGINT  NOT NULL,
	last_used_at  BIGINT  NOT NULL DEFAULT 0,
	revoked_at    BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX oauth_tokens_account ON oauth_tokens (account_id) WHERE account_id IS NOT NULL;
CREATE INDEX oauth_tokens_code ON oauth_tokens (code_hash) WHERE code_hash <> '';
