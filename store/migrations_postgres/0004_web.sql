-- Web pages: sign-in sessions, admin domain blocks, and an index for the
-- Explore gallery. Times are Unix milliseconds (UTC).

-- Browser sessions. The cookie holds a random token; only its SHA-256 digest
-- is stored. The CSRF token is per session and goes into every form.
CREATE TABLE web_sessions (
	token_hash    TEXT    PRIMARY KEY,
	account_id    BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	csrf_token    TEXT    NOT NULL,
	user_agent    TEXT    NOT NULL DEFAULT '',
	created_at    BIGINT  NOT NULL,
	renewed_at    BIGINT  NOT NULL,
	expires_at    BIGINT  NOT NULL
);
CREATE INDEX web_sessions_account ON web_sessions (account_id);
CREATE INDEX web_sessions_expires ON web_sessions (expires_at);

-- Remote domains the admin blocked; a block covers the domain's subdomains.
CREATE TABLE domain_blocks (
	domain      TEXT    PRIMARY KEY, -- lower-case host, without port unless it was given with one
	reason      TEXT    NOT NULL DEFAULT '',
	created_at  BIGINT  NOT NULL
);

-- Explore: the newest local public originals.
CREATE INDEX statuses_local_public ON statuses (id DESC)
	WHERE local = 1 AND visibility = 'public' AND deleted_at = 0 AND reblog_of_id IS NULL;
