-- Polls, as Mastodon's: a poll belongs to one status and shares its id.
-- Times are Unix milliseconds; 0 means unset. Counts of a local poll are
-- kept by the triggers below from poll_votes; a remote poll's counts are the
-- remote server's (its Question), bumped by local votes until it says again.
CREATE TABLE polls (
	status_id      INTEGER PRIMARY KEY REFERENCES statuses (id) ON DELETE CASCADE,
	multiple       INTEGER NOT NULL DEFAULT 0,
	hide_totals    INTEGER NOT NULL DEFAULT 0,
	expires_at     INTEGER NOT NULL DEFAULT 0, -- 0: never
	voters_count   INTEGER NOT NULL DEFAULT 0,
	update_due_at  INTEGER NOT NULL DEFAULT 0, -- local polls: when the next Update of the Question goes out
	ended_at       INTEGER NOT NULL DEFAULT 0, -- when the end was handled (final Update, notifications)
	updated_at     INTEGER NOT NULL
);
CREATE INDEX polls_update_due ON polls (update_due_at) WHERE update_due_at <> 0;
CREATE INDEX polls_expiry ON polls (expires_at) WHERE expires_at <> 0 AND ended_at = 0;

CREATE TABLE poll_options (
	status_id    INTEGER NOT NULL REFERENCES polls (status_id) ON DELETE CASCADE,
	position     INTEGER NOT NULL,
	title        TEXT    NOT NULL,
	votes_count  INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (status_id, position)
) WITHOUT ROWID;

-- One row per account and chosen option; uri is a remote vote's Note id
-- (or the id Pictor gave a local vote), so a repeated delivery is one vote.
CREATE TABLE poll_votes (
	id          INTEGER PRIMARY KEY,
	status_id   INTEGER NOT NULL REFERENCES polls (status_id) ON DELETE CASCADE,
	account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	choice      INTEGER NOT NULL,
	uri         TEXT    NOT NULL,
	created_at  INTEGER NOT NULL,
	UNIQUE (status_id, account_id, choice)
);
CREATE INDEX poll_votes_account ON poll_votes (account_id);

CREATE TRIGGER poll_votes_count_insert AFTER INSERT ON poll_votes BEGIN
	UPDATE poll_options SET votes_count = votes_count + 1
		WHERE status_id = NEW.status_id AND position = NEW.choice;
	UPDATE polls SET voters_count = voters_count + 1
		WHERE status_id = NEW.status_id AND NOT EXISTS (SELECT 1 FROM poll_votes
			WHERE status_id = NEW.status_id AND account_id = NEW.account_id AND id <> NEW.id);
END;

CREATE TRIGGER poll_votes_count_delete AFTER DELETE ON poll_votes BEGIN
	UPDATE poll_options SET votes_count = max(0, votes_count - 1)
		WHERE status_id = OLD.status_id AND position = OLD.choice;
	UPDATE polls SET voters_count = max(0, voters_count - 1)
		WHERE status_id = OLD.status_id AND NOT EXISTS (SELECT 1 FROM poll_votes
			WHERE status_id = OLD.status_id AND account_id = OLD.account_id);
END;
