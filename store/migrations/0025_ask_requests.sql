-- The assistant bot @ask (issue 11): one row per question (a status that
-- mentions the bot, or a /ask post), queued when the mention is taken and
-- worked by a leased worker, so an acknowledged question survives a restart
-- and is answered once.
CREATE TABLE ask_requests (
	status_id   INTEGER PRIMARY KEY,          -- the question
	account_id  INTEGER NOT NULL,             -- who asked (local or remote)
	state       TEXT    NOT NULL DEFAULT 'queued', -- queued, running, done
	attempts    INTEGER NOT NULL DEFAULT 0,   -- runs started (crashes restart it)
	lease_until INTEGER NOT NULL DEFAULT 0,   -- Unix ms; a running row is due again after it
	reply_id    INTEGER NOT NULL DEFAULT 0,   -- the bot's reply, once posted (0: none or an image job's)
	created_at  INTEGER NOT NULL,
	done_at     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX ask_requests_due ON ask_requests (state, lease_until);
