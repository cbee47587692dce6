-- The assistant bot @ask (issue 11): one row per question (a status that
-- mentions the bot, or a /ask post), queued when the mention is taken and
-- worked by a leased worker, so an acknowledged question survives a restart
-- and is answered once.
CREATE TABLE ask_requests (
	status_id   BIGINT  PRIMARY KEY,          -- the question
	account_id  BIGINT  NOT NULL,             -- who asked (local or remote)
	state       TEXT    NOT NULL DEFAULT 'queued', -- queued, running, done
	attempts    BIGINT  NOT NULL DEFAULT 0,   -- runs started (crashes restart it)
	lease_until BIGINT  NOT NULL DEFAULT 0,   -- Unix ms; a running row is due again after it
	reply_id    BIGINT  NOT NULL DEFAULT 0,   -- the bot's reply, once posted (0: none or an image job's)
	created_at  BIGINT  NOT NULL,
	done_at     BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX ask_requests_due ON ask_requests (state, lease_until);
