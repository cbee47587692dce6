-- Screening of posts (issue 11): every decision a screener led to, with the
-- backend, model, category and score, and whether an admin overturned it.
-- status_id is 0 for a local post that was refused (it was never stored);
-- rows outlive their status, as a log does.
CREATE TABLE screening_decisions (
	id             BIGINT PRIMARY KEY,
	status_id      BIGINT  NOT NULL DEFAULT 0,
	account_id     BIGINT  NOT NULL,           -- the author
	local          BIGINT  NOT NULL DEFAULT 0, -- 1: a local post screened before publishing
	backend        TEXT    NOT NULL,           -- wordlist, openai, chat
	model          TEXT    NOT NULL DEFAULT '',
	category       TEXT    NOT NULL DEFAULT '', -- '' when nothing was flagged
	score          BIGINT  NOT NULL DEFAULT 0,  -- parts per million
	decision       TEXT    NOT NULL,            -- allow, warn, refuse, flag, unscreened
	reason         TEXT    NOT NULL DEFAULT '',
	review         BIGINT  NOT NULL DEFAULT 0,  -- 1 while it waits in the admin queue
	created_at     BIGINT  NOT NULL,
	overturned_by  BIGINT  NOT NULL DEFAULT 0,  -- admin account id
	overturned_at  BIGINT  NOT NULL DEFAULT 0,
	reviewed_at    BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX screening_decisions_status ON screening_decisions (status_id);
CREATE INDEX screening_decisions_review ON screening_decisions (review, id);

-- Notifications a flagged remote post did not send; an admin who
-- overturns the decision creates them.
CREATE TABLE screening_held_notifications (
	decision_id     BIGINT  NOT NULL REFERENCES screening_decisions (id) ON DELETE CASCADE,
	account_id      BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	from_account_id BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	type            TEXT    NOT NULL,
	status_id       BIGINT  NOT NULL,
	PRIMARY KEY (decision_id, account_id, type)
);

-- Each user's choice per category for flagged posts: show, collapse (the
-- default, no row) or hide.
CREATE TABLE screening_preferences (
	account_id BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	category   TEXT    NOT NULL,
	action     TEXT    NOT NULL,
	PRIMARY KEY (account_id, category)
);
