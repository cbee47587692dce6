-- Polls, as Mastodon's: a poll belongs to one status and shares its id.
-- Times are Unix milliseconds; 0 means unset. Counts of a local poll are
-- kept by the triggers below from poll_votes; a remote poll's counts are the
-- remote server's (its Question), bumped by local votes until it says again.
CREATE TABLE polls (
	status_id      BIGINT  PRIMARY KEY REFERENCES statuses (id) ON DELETE CASCADE,
	multiple       BIGINT  NOT NULL DEFAULT 0,
	hide_totals    BIGINT  NOT NULL DEFAULT 0,
	expires_at     BIGINT  NOT NULL DEFAULT 0, -- 0: never
	voters_count   BIGINT  NOT NULL DEFAULT 0,
	update_due_at  BIGINT  NOT NULL DEFAULT 0, -- local polls: when the next Update of the Question goes out
	ended_at       BIGINT  NOT NULL DEFAULT 0, -- when the end was handled (final Update, notifications)
	updated_at     BIGINT  NOT NULL
);
CREATE INDEX polls_update_due ON polls (update_due_at) WHERE update_due_at <> 0;
CREATE INDEX polls_expiry ON polls (expires_at) WHERE expires_at <> 0 AND ended_at = 0;

CREATE TABLE poll_options (
	status_id    BIGINT  NOT NULL REFERENCES polls (status_id) ON DELETE CASCADE,
	position     BIGINT  NOT NULL,
	title        TEXT    NOT NULL,
	votes_count  BIGINT  NOT NULL DEFAULT 0,
	PRIMARY KEY (status_id, position)
);

-- One row per account and chosen option; uri is a remote vote's Note id
-- (or the id Pictor gave a local vote), so a repeated delivery is one vote.
CREATE TABLE poll_votes (
	id          BIGINT  PRIMARY KEY,
	status_id   BIGINT  NOT NULL REFERENCES polls (status_id) ON DELETE CASCADE,
	account_id  BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	choice      BIGINT  NOT NULL,
	uri         TEXT    NOT NULL,
	created_at  BIGINT  NOT NULL,
	UNIQUE (status_id, account_id, choice)
);
CREATE INDEX poll_votes_account ON poll_votes (account_id);

-- SQLite's triggers here are row triggers that run after each row: a voter
-- counts when their first vote of the poll is inserted and stops counting
-- when their last one is deleted. PostgreSQL runs row triggers only after the
-- whole statement, when every row of it is visible, so a statement that
-- deletes two choices of one voter (DELETE FROM poll_votes WHERE status_id =
-- ?, or a cascade) would count the voter out twice. These are statement
-- triggers over the rows the statement inserted or deleted instead, with the
-- same result as SQLite's row by row: each option moves by its number of
-- rows, and voters by the accounts that had no vote before (insert) or have
-- none left (delete); decrements stop at 0 as SQLite's max(0, n - 1) does.
CREATE FUNCTION poll_votes_count_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE poll_options o SET votes_count = o.votes_count + n.c
		FROM (SELECT status_id, choice, count(*) AS c FROM new_votes GROUP BY status_id, choice) n
		WHERE o.status_id = n.status_id AND o.position = n.choice;
	UPDATE polls p SET voters_count = p.voters_count + n.c
		FROM (SELECT nv.status_id, count(DISTINCT nv.account_id) AS c FROM new_votes nv
			WHERE NOT EXISTS (SELECT 1 FROM poll_votes v
				WHERE v.status_id = nv.status_id AND v.account_id = nv.account_id
					AND v.id NOT IN (SELECT id FROM new_votes))
			GROUP BY nv.status_id) n
		WHERE p.status_id = n.status_id;
	RETURN NULL;
END;
$$;
CREATE TRIGGER poll_votes_count_insert AFTER INSERT ON poll_votes
	REFERENCING NEW TABLE AS new_votes
	FOR EACH STATEMENT EXECUTE FUNCTION poll_votes_count_insert();

CREATE FUNCTION poll_votes_count_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE poll_options o SET votes_count = GREATEST(0, o.votes_count - d.c)
		FROM (SELECT status_id, choice, count(*) AS c FROM old_votes GROUP BY status_id, choice) d
		WHERE o.status_id = d.status_id AND o.position = d.choice;
	UPDATE polls p SET voters_count = GREATEST(0, p.voters_count - d.c)
		FROM (SELECT ov.status_id, count(DISTINCT ov.account_id) AS c FROM old_votes ov
			WHERE NOT EXISTS (SELECT 1 FROM poll_votes v
				WHERE v.status_id = ov.status_id AND v.account_id = ov.account_id)
			GROUP BY ov.status_id) d
		WHERE p.status_id = d.status_id;
	RETURN NULL;
END;
$$;
CREATE TRIGGER poll_votes_count_delete AFTER DELETE ON poll_votes
	REFERENCING OLD TABLE AS old_votes
	FOR EACH STATEMENT EXECUTE FUNCTION poll_votes_count_delete();
