-- Image generation: jobs (the work a prompt becomes), and the log of prompts
-- refused by moderation. Times are Unix milliseconds (UTC).

CREATE TABLE generation_jobs (
	id                TEXT    PRIMARY KEY,          -- UUIDv7, shown to front ends
	account_id        BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE, -- requester (local or remote)
	author_id         BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE, -- local account owning media and post
	kind              TEXT    NOT NULL,             -- post (/imagine), draft (front ends), reply (generator bot)
	state             TEXT    NOT NULL DEFAULT 'queued', -- queued, running, done, failed
	prompt            TEXT    NOT NULL,
	negative_prompt   TEXT    NOT NULL DEFAULT '',
	seed              BIGINT  NOT NULL DEFAULT 0,
	size              TEXT    NOT NULL DEFAULT '',
	backend           TEXT    NOT NULL DEFAULT '',
	model             TEXT    NOT NULL DEFAULT '',
	revised_prompt    TEXT    NOT NULL DEFAULT '',
	error             TEXT    NOT NULL DEFAULT '',  -- user-facing message of a failed job
	error_kind        TEXT    NOT NULL DEFAULT '',  -- refused, timeout, failed
	draft_json        TEXT    NOT NULL DEFAULT '{}', -- the post to publish (post, reply)
	source_status_id  BIGINT,                       -- the mention a bot reply answers
	media_ids_json    TEXT    NOT NULL DEFAULT '[]',
	status_id         BIGINT  REFERENCES statuses (id) ON DELETE SET NULL,
	attempts          BIGINT  NOT NULL DEFAULT 0,
	lease_until       BIGINT  NOT NULL DEFAULT 0,
	input_tokens      BIGINT  NOT NULL DEFAULT 0,
	output_tokens     BIGINT  NOT NULL DEFAULT 0,
	total_tokens      BIGINT  NOT NULL DEFAULT 0,
	cost_units        BIGINT  NOT NULL DEFAULT 0,   -- images produced
	created_at        BIGINT  NOT NULL,
	started_at        BIGINT  NOT NULL DEFAULT 0,
	finished_at       BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX generation_jobs_due ON generation_jobs (lease_until, created_at) WHERE state IN ('queued', 'running');
CREATE INDEX generation_jobs_account ON generation_jobs (account_id, created_at);
CREATE UNIQUE INDEX generation_jobs_source ON generation_jobs (source_status_id) WHERE source_status_id IS NOT NULL;

-- Prompts refused by moderation, for admins.
CREATE TABLE moderation_log (
	id          BIGINT  PRIMARY KEY,
	account_id  BIGINT  REFERENCES accounts (id) ON DELETE SET NULL,
	source      TEXT    NOT NULL, -- where the prompt came from: api, imagine, bot, cli, provider
	stage       TEXT    NOT NULL DEFAULT '', -- prompt, input, output
	prompt      TEXT    NOT NULL,
	categories  TEXT    NOT NULL DEFAULT '', -- comma-separated
	reason      TEXT    NOT NULL DEFAULT '',
	created_at  BIGINT  NOT NULL
);
CREATE INDEX moderation_log_created ON moderation_log (id DESC);
